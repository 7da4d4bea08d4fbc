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
                of every asset.json, warm cache, median of 3); the Python indexer a user would write \
                (scripts/baseline-indexer.py); a cold rebuild with no .index (median of RUNS, each in a \
                child process whose own peak RSS is reported) and its ratios to both; a warm start with \
                nothing changed; p50/p99 of a text search with a user filter and of a filtered list; \
                then the cat, the Python indexer and a rebuild again, each after the sidecars' pages were \
                dropped from the page cache (posix_fadvise DONTNEED; the folders stay cached), as after \
                a fresh copy or a reboot; then `creative watch` on the library: time to ready, idle \
                anonymous memory, and how long sidecars edited in place take to reach search.
                """
        )
        @Option(help: "Library folder to seed and measure.") var dir = "/tmp/creative-bench-library"
        @Option(help: "Number of synthetic assets.") var count = 100_000
        @Option(help: "Queries per latency measurement.") var queries = 1000
        @Option(help: "Page size for search and list.") var limit = 20
        @Option(help: "Cold rebuilds to take the median of.") var runs = 3
        @Option(help: "The Python baseline indexer (skipped when missing).") var baselineScript = "scripts/baseline-indexer.py"
        @Option(help: "Runs of the cold-cache cat, Python indexer and rebuild (0 skips them).") var coldRuns = 1
        @Option(help: "Hand edits timed from write to search (0 skips the engine measures).") var edits = 20
        @Flag(help: "Print JSON.") var json = false

        struct Report: Encodable {
            var assets: Int
            var baselineSeconds: Double
            var pythonIndexerSeconds: Double?
            var pythonSearchP50Ms: Double?
            var rebuildSeconds: Double
            var rebuildRatio: Double
            var rebuildPythonRatio: Double?
            var rebuildPeakRSSMiB: Double
            /// With the sidecars' pages dropped from the page cache before each.
            var coldBaselineSeconds: Double?
            var coldPythonIndexerSeconds: Double?
            var coldRebuildSeconds: Double?
            var warmStartSeconds: Double
            var warmStartPeakRSSMiB: Double
            var searchP50Ms: Double, searchP99Ms: Double
            var listP50Ms: Double, listP99Ms: Double
            var engineReadySeconds: Double?
            var engineIdleAnonRSSMiB: Double?
            var handEditP50Ms: Double?, handEditP99Ms: Double?
            var limit: Int
            var machine: String
        }

        func run() throws {
            try seed()
            let baseline = Measure.median(
                (0..<4).map { _ in Measure.time { shell("find assets -name asset.json -print0 | xargs -0 cat > /dev/null") } }.dropFirst())
            let words = SyntheticAssets.searchWords
            let users = SyntheticAssets.users
            let python = try pythonBaseline(queries: (0..<min(queries, 200)).map { "\(words[$0 % words.count]):\(users[$0 % users.count])" })
            // Cold: no .index at all, as after a fresh copy of the library.
            var rebuilds: [Measure.Child] = []
            for _ in 0..<runs {
                try? FileManager.default.removeItem(atPath: "\(dir)/.index")
                rebuilds.append(try Measure.child([Measure.selfPath, "index", "rebuild", "--library", dir, "--json"]))
            }
            // Warm: a command's start-up on an unchanged library (open, reconcile, one listing).
            let warms = try (0..<3).map { _ in try Measure.child([Measure.selfPath, "asset", "list", "--limit", "1", "--library", dir, "--json"]) }
            let library = try CreativeLibrary.open(dir)
            var searchTimes: [Double] = []
            var listTimes: [Double] = []
            for n in 0..<queries {
                var f = AssetFilters()
                f.text = words[n % words.count]
                f.limit = limit
                let user = users[n % users.count]
                searchTimes.append(try Measure.time { _ = try library.assets.listAssets(userId: user, filters: f) })
                var l = AssetFilters()
                l.type = .image
                l.category = SyntheticAssets.categories[n % SyntheticAssets.categories.count]
                l.isFavorite = n % 2 == 0 ? nil : false
                l.limit = limit
                listTimes.append(try Measure.time { _ = try library.assets.listAssets(userId: user, filters: l) })
            }
            let rebuild = Measure.median(rebuilds.map(\.seconds))
            var report = Report(
                assets: count, baselineSeconds: baseline, pythonIndexerSeconds: python?.build, pythonSearchP50Ms: python?.searchP50Ms,
                rebuildSeconds: rebuild, rebuildRatio: rebuild / baseline, rebuildPythonRatio: python.map { rebuild / $0.build },
                rebuildPeakRSSMiB: rebuilds.map(\.peakRSSMiB).max() ?? 0,
                warmStartSeconds: Measure.median(warms.map(\.seconds)), warmStartPeakRSSMiB: warms.map(\.peakRSSMiB).max() ?? 0,
                searchP50Ms: Measure.percentile(searchTimes, 0.5) * 1000, searchP99Ms: Measure.percentile(searchTimes, 0.99) * 1000,
                listP50Ms: Measure.percentile(listTimes, 0.5) * 1000, listP99Ms: Measure.percentile(listTimes, 0.99) * 1000,
                limit: limit, machine: Measure.machine)
            if coldRuns > 0 { try measureCold(library, into: &report) }
            if edits > 0 { try measureEngine(library, into: &report) }
            Output.emit(report, json: json) { text(report) }
        }

        func text(_ r: Report) -> String {
            let optional = { (value: Double?, format: String) in value.map { String(format: format, $0) } ?? "—" }
            return """
                assets                         \(r.assets)   (\(r.machine))
                baseline, cat of every sidecar \(String(format: "%.2f s", r.baselineSeconds))
                Python baseline indexer        \(optional(r.pythonIndexerSeconds, "%.2f s")), search p50 \(optional(r.pythonSearchP50Ms, "%.2f ms"))
                cold rebuild (no .index)       \(String(format: "%.2f s = %.2f× the cat; %@ the Python indexer; peak RSS %.0f MiB", r.rebuildSeconds, r.rebuildRatio, optional(r.rebuildPythonRatio, "%.2f×"), r.rebuildPeakRSSMiB))
                warm start, nothing changed    \(String(format: "%.3f s, peak RSS %.0f MiB", r.warmStartSeconds, r.warmStartPeakRSSMiB))
                search + user, page \(r.limit)        \(String(format: "p50 %.2f ms  p99 %.2f ms", r.searchP50Ms, r.searchP99Ms))
                filtered list, page \(r.limit)        \(String(format: "p50 %.2f ms  p99 %.2f ms", r.listP50Ms, r.listP99Ms))
                with the sidecars not cached   cat \(optional(r.coldBaselineSeconds, "%.2f s")), Python indexer \(optional(r.coldPythonIndexerSeconds, "%.2f s")), rebuild \(optional(r.coldRebuildSeconds, "%.2f s"))\(cold(r))
                engine ready                   \(optional(r.engineReadySeconds, "%.2f s")), idle anonymous RSS \(optional(r.engineIdleAnonRSSMiB, "%.0f MiB"))
                hand edit → in search          p50 \(optional(r.handEditP50Ms, "%.0f ms"))  p99 \(optional(r.handEditP99Ms, "%.0f ms"))
                """
        }

        func cold(_ r: Report) -> String {
            guard let rebuild = r.coldRebuildSeconds, let cat = r.coldBaselineSeconds else { return "" }
            return String(format: " = %.2f× the cat", rebuild / cat)
                + (r.coldPythonIndexerSeconds.map { String(format: "; %.2f× the Python indexer", rebuild / $0) } ?? "")
        }

        /// The cat, the Python indexer and a rebuild (medians of `coldRuns`), each right after the
        /// sidecars' pages were dropped from the page cache.
        func measureCold(_ library: CreativeLibrary, into report: inout Report) throws {
            let folders = library.store.scan(.asset)
            func drop() {
                for folder in folders {
                    let fd = open(library.store.absolutePath(folder.path) + "/asset.json", O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)
                    guard fd >= 0 else { continue }
                    _ = posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED)
                    close(fd)
                }
            }
            var cats: [Double] = []
            var pythons: [Double] = []
            var rebuilds: [Double] = []
            for _ in 0..<coldRuns {
                drop()
                cats.append(Measure.time { shell("find assets -name asset.json -print0 | xargs -0 cat > /dev/null") })
                drop()
                if let python = try pythonBaseline(queries: []) { pythons.append(python.build) }
                try? FileManager.default.removeItem(atPath: "\(dir)/.index")
                drop()
                rebuilds.append(try Measure.child([Measure.selfPath, "index", "rebuild", "--library", dir, "--json"]).seconds)
            }
            report.coldBaselineSeconds = Measure.median(cats)
            report.coldPythonIndexerSeconds = pythons.isEmpty ? nil : Measure.median(pythons)
            report.coldRebuildSeconds = Measure.median(rebuilds)
        }

        /// The Python indexer a user would otherwise write, on the same library, and its searches.
        func pythonBaseline(queries: [String]) throws -> (build: Double, searchP50Ms: Double)? {
            guard FileManager.default.fileExists(atPath: baselineScript) else { return nil }
            let db = "\(dir)-baseline.sqlite"
            defer { try? FileManager.default.removeItem(atPath: db) }
            let run = try Measure.child(["/usr/bin/python3", baselineScript, dir, db] + queries)
            struct Result: Decodable { var buildSeconds, searchP50Ms: Double }
            let result = try JSONDecoder().decode(Result.self, from: Data(run.output.utf8))
            return (result.buildSeconds, result.searchP50Ms)
        }

        /// Starts `creative watch` on the library: time to ready, its anonymous memory once idle,
        /// and how long sidecars edited in place by hand take to reach search.
        func measureEngine(_ library: CreativeLibrary, into report: inout Report) throws {
            let log = "\(dir)-engine.log"
            FileManager.default.createFile(atPath: log, contents: nil)
            defer { try? FileManager.default.removeItem(atPath: log) }
            let engine = Process()
            engine.executableURL = URL(fileURLWithPath: Measure.selfPath)
            engine.arguments = ["watch", "--library", dir, "--workers", "1", "--rescan", "3600"]
            engine.standardOutput = FileHandle.nullDevice
            engine.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
            let start = Measure.now()
            try engine.run()
            defer {
                engine.terminate()
                engine.waitUntilExit()
            }
            while !((try? String(contentsOfFile: log, encoding: .utf8)) ?? "").contains("ready:") {
                guard engine.isRunning, Measure.now() - start < 600 else { throw CreativeError(.storage, "The engine did not get ready; see its log.") }
                usleep(10_000)
            }
            report.engineReadySeconds = Measure.now() - start
            sleep(5)
            let status = (try? String(contentsOfFile: "/proc/\(engine.processIdentifier)/status", encoding: .utf8)) ?? ""
            let anon = status.split(separator: "\n").first { $0.hasPrefix("RssAnon:") }?.split(separator: " ").dropFirst().first
            report.engineIdleAnonRSSMiB = anon.flatMap { Double($0) }.map { $0 / 1024 }
            let folders = library.store.scan(.asset)
            var latencies: [Double] = []
            for n in 0..<edits {
                let path = library.store.absolutePath(folders[(n * 7919) % folders.count].path) + "/asset.json"
                var asset = try JSONCoding.decoder().decode(CreativeAsset.self, from: Data(contentsOf: URL(fileURLWithPath: path)))
                let word = "zqx\(n)edit\(Int(start) % 1000)"
                asset.description = "edited by hand: \(word)"
                var filter = AssetFilters()
                filter.text = word
                // In place, as many editors save: the folder itself does not change.
                let written = Measure.now()
                try JSONCoding.encoder().encode(asset).write(to: URL(fileURLWithPath: path))
                while try library.assets.listAssets(userId: asset.userId, filters: filter).items.isEmpty {
                    guard Measure.now() - written < 300 else { throw CreativeError(.storage, "A hand edit never reached search.") }
                    usleep(5000)
                }
                let latency = Measure.now() - written
                latencies.append(latency)
                // Longer than the sweep's period (about twice the latency), so the next edit
                // lands at a random point of it rather than just after a pass.
                usleep(UInt32.random(in: 100_000...max(700_000, UInt32(latency * 2_000_000))))
            }
            report.handEditP50Ms = Measure.percentile(latencies, 0.5) * 1000
            report.handEditP99Ms = Measure.percentile(latencies, 0.99) * 1000
        }

        func seed() throws {
            try SyntheticAssets.seed(dir, count: count, json: json)
        }

        /// Runs `command` in the library folder as the other measured children run: posix_spawn,
        /// then wait4 (Foundation's waitUntilExit can spin a core off the main thread).
        func shell(_ command: String) {
            _ = try? Measure.child(["/bin/sh", "-c", "cd '\(dir)' && \(command)"])
        }
    }
}
