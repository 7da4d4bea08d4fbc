import ArgumentParser
import CreativeCatalog
import CreativeLibraries
import Foundation

struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure the engine on this machine (results go in BENCHMARKS.md).",
        subcommands: [Store.self, Index.self, Inbox.self, Import.self, Video.self, Gallery.self]
    )

    struct Store: ParsableCommand, JSONOutput {
        static let configuration = CommandConfiguration(
            abstract: "Sidecar updates per second through the atomic store, against a plain overwrite.",
            discussion: """
                Runs COUNT locked read-modify-write updates (temp file, fsync, rename, fsync dir) on \
                one asset, and as a baseline COUNT plain in-place rewrites of a copy of its sidecar \
                (no fsync, no lock: what a naive program does). Prints both rates and their ratio.
                """
        )
        @OptionGroup var global: GlobalOptions
        @Option(help: "Number of updates.") var count = 200
        @Option(help: "Update this asset (default: a new one in the library).") var asset: String?
        @Flag(help: "Skip the baseline (used by the crash test, which kills this process mid-loop).") var noBaseline = false

        struct Report: Encodable {
            var updates: Int
            var atomicPerSecond: Double
            var naivePerSecond: Double?
            var ratio: Double?
        }

        func run() throws {
            let library = try global.open()
            let id =
                try asset
                ?? library.assets.saveAsset(
                    userId: global.userId,
                    asset: {
                        var i = AssetInput(media: .bytes(Data("bench".utf8), fileName: "bench.txt")); i.title = "bench"; return i
                    }()
                ).assetId
            var updates = AssetUpdates()
            let start = Date()
            for n in 0..<count {
                updates.title = "bench update \(n)"
                updates.description = String(repeating: "x", count: n % 512)
                _ = try library.assets.updateAsset(id, userId: global.userId, updates: updates)
            }
            let atomic = Double(count) / Date().timeIntervalSince(start)
            var report = Report(updates: count, atomicPerSecond: atomic)
            if !noBaseline, let location = try library.assets.find(id, userId: global.userId)?.location {
                let path = library.store.absolutePath(location.path) + "/asset.json"
                let copy = FileManager.default.temporaryDirectory.appendingPathComponent("creative-bench-\(getpid()).json").path
                let bytes = FileManager.default.contents(atPath: path) ?? Data()
                let naiveStart = Date()
                for _ in 0..<count { _ = FileManager.default.createFile(atPath: copy, contents: bytes) }
                let naive = Double(count) / Date().timeIntervalSince(naiveStart)
                try? FileManager.default.removeItem(atPath: copy)
                report.naivePerSecond = naive
                report.ratio = naive / atomic
            }
            Output.emit(report, json: global.json) {
                var text = String(format: "atomic store: %.0f updates/s", atomic)
                if let naive = report.naivePerSecond, let ratio = report.ratio {
                    text += String(format: "\nnaive rewrite: %.0f writes/s (%.1f× faster, and unsafe)", naive, ratio)
                }
                return text
            }
        }
    }
}
