// swift-tools-version:6.1
import PackageDescription

// The layout shows the architecture: models → store → (index, media) → the four seed libraries →
// doors (CLI, later the REST API and the inbox watcher). See README.md "Architecture".
let package = Package(
    name: "CreativeEngine",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "creative", targets: ["CreativeCLI"]),
        .library(name: "CreativeLibraries", targets: ["CreativeLibraries"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.1.1"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        // No traits: swift-configuration support is not needed and would only add build time.
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1", traits: []),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
    ],
    targets: [
        // System libraries from Debian packages (see scripts/install-deps.sh).
        .systemLibrary(name: "CVips", pkgConfig: "vips", providers: [.apt(["libvips-dev"])]),
        .systemLibrary(name: "CCurl", providers: [.apt(["libcurl4-openssl-dev"])]),
        .systemLibrary(name: "CInotify", providers: [.apt(["libinotifytools0-dev"])]),
        .systemLibrary(name: "CCrypt", providers: [.apt(["libcrypt-dev"])]),

        // Sidecar models, request types, the one error type. No I/O.
        .target(name: "CreativeModels", resources: [.copy("Schemas")]),
        // The only code that touches library files: atomic writes, locks, ids, trash.
        .target(name: "CreativeStore", dependencies: ["CreativeModels", .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio")]),
        // The SQLite (FTS5) index: a cache of the sidecars, rebuilt from them at any time.
        .target(
            name: "CreativeIndex",
            dependencies: [
                "CreativeModels", "CreativeStore",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Image probing and thumbnails through libvips.
        .target(name: "CreativeMedia", dependencies: ["CreativeModels", "CVips"]),
        // Built-in offline providers (and, with issue 5, the real ones over libcurl).
        .target(
            name: "CreativeProviders",
            dependencies: ["CreativeModels", "CreativeMedia", "CVips", "CCurl", .product(name: "Logging", package: "swift-log")]
        ),
        // Watching folders: inotify (libinotifytools, one owner thread) and polling, one interface.
        .target(
            name: "CreativeWatcher",
            dependencies: ["CInotify", .product(name: "Logging", package: "swift-log")]
        ),
        // The inbox, generation jobs (claims, leases, retries) and the services that run them.
        .target(
            name: "CreativeJobs",
            dependencies: [
                "CreativeModels", "CreativeStore", "CreativeIndex", "CreativeLibraries", "CreativeProviders",
                "CreativeWatcher",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Yams", package: "Yams"),
            ]
        ),
        // The REST API: the 19 seed endpoints on Hummingbird.
        .target(
            name: "CreativeAPI",
            dependencies: [
                "CreativeModels", "CreativeStore", "CreativeIndex", "CreativeLibraries", "CreativeJobs", "CCrypt",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // The seed's AssetManager and TemplateManager.
        .target(
            name: "CreativeLibraries",
            dependencies: [
                "CreativeModels", "CreativeStore", "CreativeIndex", "CreativeMedia",
                .product(name: "Mustache", package: "swift-mustache"),
            ]
        ),
        // The `creative` command.
        .executableTarget(
            name: "CreativeCLI",
            dependencies: [
                "CreativeLibraries", "CreativeStore", "CreativeIndex", "CreativeJobs", "CreativeProviders", "CreativeWatcher",
                "CreativeAPI",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "CreativeEngineTests",
            dependencies: [
                "CreativeLibraries", "CreativeIndex", "CreativeJobs", "CreativeProviders", "CreativeWatcher", "CreativeCLI",
                "CreativeAPI",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
    ]
)
