import ArgumentParser
import CreativeCatalog
import CreativeLibraries
import Foundation

#if canImport(Glibc)
import Glibc
#endif

extension BenchCommand {
    struct Index: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Index speed at scale: rebuild, warm start, search and list, against reading the raw files.",
            discussion: """
                Seeds DIR with COUNT synthetic assets (about 1 KB sidecars with realistic prompts and \
                tags; reused when DIR already holds them), then measures in one run: the baseline (cat \
                of every asset.json, warm cache, median of 3), a cold rebuild (median of 3, in a child \
                process whose peak RSS is reported) and its ratio to the baseline, a warm start with \
                nothing changed, and p50/p99 of a text search with a user filter and of a filtered list.
                """
        )
        @Option(help: "Library folder to seed and measure.") var dir = "/tmp/creative-bench-library"
        @Option(help: "Number of synthetic assets.") var count = 100_000
        @Option(help: "Queries per latency measurement.") var queries = 1000
        @Option(help: "Page size for search and list.") var limit = 50
        @Flag(help: "Print JSON.") var json = false

        struct Report: Encodable {
            var assets: Int
            var baselineSeconds: Double
            var rebuildSeconds: Double
            var rebuildRatio: Double
            var rebuildPeakRSSMiB: Double
            var warmStartSeconds: Double
            var searchP50Ms: Double, searchP99Ms: Double
            var listP50Ms: Double, listP99Ms: Double
            var limit: Int
            var machine: String
        }

        func run() throws {
            try seed()
            let baseline = median((0..<4).map { _ in time { shell("find assets -name asset.json -print0 | xargs -0 cat > /dev/null") } }.dropFirst())
            var rebuilds: [Double] = []
            for _ in 0..<3 {
                rebuilds.append(try time { try runSelf(["index", "rebuild", "--library", dir, "--json"]) })
            }
            var usage = rusage()
            getrusage(RUSAGE_CHILDREN.rawValue, &usage)
            let warm = median(try (0..<3).map { _ in try time { _ = try CreativeLibrary.open(dir).index.reconcile() } })
            let library = try CreativeLibrary.open(dir)
            let words = SyntheticAssets.searchWords
            var searchTimes: [Double] = []
            var listTimes: [Double] = []
            for n in 0..<queries {
                var f = AssetFilters()
                f.text = words[n % words.count]
                f.limit = limit
                let user = SyntheticAssets.users[n % SyntheticAssets.users.count]
                searchTimes.append(try time { _ = try library.assets.listAssets(userId: user, filters: f) })
                var l = AssetFilters()
                l.type = .image
                l.category = SyntheticAssets.categories[n % SyntheticAssets.categories.count]
                l.isFavorite = n % 2 == 0 ? nil : false
                l.limit = limit
                listTimes.append(try time { _ = try library.assets.listAssets(userId: user, filters: l) })
            }
            let rebuild = median(rebuilds)
            let report = Report(
                assets: count, baselineSeconds: baseline, rebuildSeconds: rebuild, rebuildRatio: rebuild / baseline,
                rebuildPeakRSSMiB: Double(usage.ru_maxrss) / 1024, warmStartSeconds: warm,
                searchP50Ms: percentile(searchTimes, 0.5) * 1000, searchP99Ms: percentile(searchTimes, 0.99) * 1000,
                listP50Ms: percentile(listTimes, 0.5) * 1000, listP99Ms: percentile(listTimes, 0.99) * 1000,
                limit: limit, machine: "\(ProcessInfo.processInfo.activeProcessorCount) cores, \(ProcessInfo.processInfo.operatingSystemVersionString)")
            Output.emit(report, json: json) {
                String(
                    format: """
                        assets                     %d
                        baseline (cat all sidecars) %.2f s
                        cold rebuild               %.2f s   (%.2f× baseline; target ≤ 1.5×)
                        rebuild peak RSS           %.0f MiB  (target ≤ 150)
                        warm start, no changes     %.3f s  (target ≤ 0.5)
                        search + user, limit %d    p50 %.2f ms  p99 %.2f ms  (target p50 ≤ 2)
                        filtered list, limit %d    p50 %.2f ms  p99 %.2f ms  (target p50 ≤ 2)
                        """, count, baseline, rebuild, rebuild / baseline, report.rebuildPeakRSSMiB, warm,
                    limit, report.searchP50Ms, report.searchP99Ms, limit, report.listP50Ms, report.listP99Ms)
            }
        }

        /// Writes the synthetic library once (plain writes: this is set-up, not the thing measured).
        func seed() throws {
            let marker = "\(dir)/.bench-\(count)"
            if FileManager.default.fileExists(atPath: marker) { return }
            try? FileManager.default.removeItem(atPath: dir)
            _ = try CreativeLibrary.initialize(dir)
            let encoder = JSONCoding.encoder()
            let base = Timestamp.parse("2025-06-01T00:00:00.000Z") ?? Date()
            let bar = ProgressBar("seeding", json: json)
            var made = Set<String>()
            for n in 0..<count {
                let asset = SyntheticAssets.asset(n, base: base)
                let month = String(Timestamp.format(asset.createdAt).prefix(7))
                let parent = n % 10 == 0 ? "\(dir)/assets/campaigns/board-\(n % 7)" : "\(dir)/assets/\(month)"
                let slug = asset.title.lowercased().split { !$0.isLetter && !$0.isNumber }.joined(separator: "-")
                let folder = "\(parent)/\(slug)--\(asset.id)"
                if made.insert(parent).inserted { try FileManager.default.createDirectory(atPath: parent, withIntermediateDirectories: true) }
                guard mkdir(folder, 0o755) == 0 else { throw CreativeError(.storage, "Could not create \(folder).") }
                try encoder.encode(asset).write(to: URL(fileURLWithPath: "\(folder)/asset.json"))
                if n % 1000 == 0 { bar.update(n, count) }
            }
            bar.finish()
            _ = FileManager.default.createFile(atPath: marker, contents: nil)
        }

        func shell(_ command: String) {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: "/bin/sh")
            p.arguments = ["-c", command]
            p.currentDirectoryURL = URL(fileURLWithPath: dir)
            try? p.run()
            p.waitUntilExit()
        }

        func runSelf(_ arguments: [String]) throws {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: "/proc/self/exe")
            p.arguments = arguments
            p.standardOutput = FileHandle.nullDevice
            try p.run()
            p.waitUntilExit()
            guard p.terminationStatus == 0 else { throw CreativeError(.storage, "creative \(arguments.joined(separator: " ")) failed.") }
        }

        func time(_ body: () throws -> Void) rethrows -> Double {
            let start = DispatchTime.now().uptimeNanoseconds
            try body()
            return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        }

        func median(_ values: some Collection<Double>) -> Double { percentile(Array(values), 0.5) }

        func percentile(_ values: [Double], _ p: Double) -> Double {
            let sorted = values.sorted()
            guard !sorted.isEmpty else { return 0 }
            return sorted[min(sorted.count - 1, Int((Double(sorted.count - 1) * p).rounded()))]
        }
    }
}
