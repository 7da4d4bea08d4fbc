// swift-tools-version:6.1
import PackageDescription

// The layout shows the architecture: catalog → generation → the four seed libraries; the daemon
// (watcher, engine) and the doors (REST API, CLI) on top. See README.md "Architecture".
let package = Package(
    name: "CreativeEngine",
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
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-crypto", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/apple/swift-nio-extras", from: "1.35.2"),
    ],
    targets: [
        // System libraries from Debian packages (see scripts/install-deps.sh).
        .systemLibrary(name: "CVips", pkgConfig: "vips", providers: [.apt(["libvips-dev"])]),
        .systemLibrary(name: "CCurl", providers: [.apt(["libcurl4-openssl-dev"])]),
        .systemLibrary(name: "CInotify", providers: [.apt(["libinotifytools0-dev"])]),
        .systemLibrary(name: "CCrypt", providers: [.apt(["libcrypt-dev", "libssl-dev"])]),
        .systemLibrary(name: "CExif", pkgConfig: "libexif", providers: [.apt(["libexif-dev"])]),
        .systemLibrary(name: "CWebPMux", pkgConfig: "libwebpmux", providers: [.apt(["libwebp-dev"])]),
        .systemLibrary(name: "CEspeak", pkgConfig: "espeak-ng", providers: [.apt(["libespeak-ng-dev"])]),
        .systemLibrary(name: "CLinux"),

        // What a library folder holds and how it is kept: models and the one error type, the
        // atomic store, the SQLite/FTS5 index, image probing, the blocking pools, and the
        // catalog's blocking operations on assets and templates.
        .target(
            name: "CreativeCatalog",
            dependencies: [
                "CVips", "CLinux", "CCrypt", "CExif", "CWebPMux",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            resources: [.copy("Models/Schemas")]
        ),
        // Making things: the providers (libcurl's multi interface, built-in offline ones) and the
        // job runner that turns a job into an asset.
        .target(
            name: "CreativeGeneration",
            dependencies: [
                "CreativeCatalog", "CCurl", "CVips", "CEspeak",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // The public face: the seed's ImageGenerator, ContentCreator, TemplateManager and
        // AssetManager, async, for any Swift program (no watcher, HTTP server or CLI inside).
        .target(name: "CreativeLibraries", dependencies: ["CreativeCatalog", "CreativeGeneration"]),
        // The folder door: inotify or polling, inbox intake, and the Engine service.
        .target(
            name: "CreativeDaemon",
            dependencies: [
                "CreativeCatalog", "CreativeGeneration", "CInotify",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Yams", package: "Yams"),
            ]
        ),
        // The REST API: the 19 seed endpoints and media on Hummingbird.
        .target(
            name: "CreativeAPI",
            dependencies: [
                "CreativeCatalog", "CreativeGeneration", "CreativeLibraries", "CCrypt",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            resources: [.copy("Gallery/Resources")]
        ),
        // The `creative` command.
        .executableTarget(
            name: "CreativeCLI",
            dependencies: [
                "CreativeCatalog", "CreativeGeneration", "CreativeLibraries", "CreativeDaemon", "CreativeAPI",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "CreativeEngineTests",
            dependencies: [
                "CreativeCatalog", "CreativeGeneration", "CreativeLibraries", "CreativeDaemon", "CreativeAPI", "CreativeCLI",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
    ]
)
