import ArgumentParser
import CreativeCatalog
import CreativeDaemon
import CreativeLibraries
import Foundation

#if canImport(Glibc)
import Glibc
#endif

extension BenchCommand {
    struct Inbox: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Inbox speed: drop→claimed next to inotifywait, a 10,000-file burst, drop→finished asset.",
            discussion: """
                Runs `creative watch` on a fresh library in DIR and, in the same run, `inotifywait` \
                (inotify-tools) on the same inbox. Claim latency: from a file's close to the engine \
                renaming it away (seen through inotify by this process), next to the time inotifywait \
                reports the file. Burst: BURST small requests written at once; reports requests per \
                second taken in durably (out of the inbox, job on disk) and checks none is lost. Asset latency: from drop to the asset folder \
                appearing, for 512×512 images from the local provider.
                """
        )
        @Option(help: "Library folder (recreated).") var dir = "/tmp/creative-bench-inbox"
        @Option(help: "Single drops for the latency figures.") var drops = 200
        @Option(help: "Files in the burst.") var burst = 10_000
        @Option(help: "Drops for the drop→asset figure (0: skip it, and do not wait for the burst's jobs).") var assets = 30
        @Flag(help: "Print JSON.") var json = false

        struct Report: Encodable {
            var claimP50Ms, claimP99Ms, inotifywaitP50Ms, inotifywaitP99Ms: Double
            var burstFiles, burstJobs: Int
            var burstClaimsPerSecond: Double
            var assetP50Ms, assetP99Ms: Double
        }

        func run() throws {
            try? FileManager.default.removeItem(atPath: dir)
            _ = try CreativeLibrary.initialize(dir)
            let inbox = "\(dir)/inbox"
            let engine = try spawn(["/proc/self/exe", "watch", "--library", dir, "--rescan", "600"])
            defer { engine.terminate(); engine.waitUntilExit() }
            let baseline = try spawn(["/usr/bin/inotifywait", "-m", "-q", "-e", "close_write,moved_to", "--format", "%f", inbox], captureOutput: true)
            defer { baseline.terminate(); baseline.waitUntilExit() }
            let lines = LineReader(baseline)
            let watcher = try InotifyWatcher(roots: [inbox, "\(dir)/assets"])
            defer { watcher.stop() }
            let events = EventLog(watcher)
            Thread.sleep(forTimeInterval: 1.0)

            var claim: [Double] = [], notify: [Double] = []
            for n in 0..<drops {
                let name = "drop\(n).json"
                let dropped = try write(inbox, name, #"{"prompt": "latency probe \#(n)", "width": 64, "height": 64, "steps": 1}"#)
                guard let seen = lines.wait(for: name, timeout: 5), let taken = events.wait(for: .removed("\(inbox)/\(name)"), timeout: 5) else {
                    throw CreativeError(.storage, "\(name) was not claimed within 5 seconds.")
                }
                notify.append(seen - dropped)
                claim.append(taken - dropped)
                Thread.sleep(forTimeInterval: 0.02)
            }

            let burstStart = now()
            for n in 0..<burst {
                _ = try write(inbox, "burst\(n).json", #"{"prompt": "burst \#(n)", "width": 64, "height": 64, "steps": 1}"#)
            }
            var burstEnd = now()
            let deadline = Date().addingTimeInterval(600)
            while Date() < deadline {
                // Until each file has left the inbox, its intake copy too: only then is its job durable.
                let left = (try? FileManager.default.contentsOfDirectory(atPath: inbox).filter { $0.hasPrefix("burst") || $0.hasPrefix(".burst") }.count) ?? 0
                burstEnd = now()
                if left == 0 { break }
                Thread.sleep(forTimeInterval: 0.02)
            }
            let jobs = (try? FileManager.default.contentsOfDirectory(atPath: "\(dir)/jobs").count) ?? 0
            // Let the burst's jobs finish, so the asset figure measures one job, not a queue.
            let library = try CreativeLibrary.open(dir)
            while assets > 0 && Date() < deadline {
                let counts = try library.index.jobCounts()
                if (counts[.queued] ?? 0) + (counts[.running] ?? 0) == 0 { break }
                Thread.sleep(forTimeInterval: 0.2)
            }

            var asset: [Double] = []
            for n in 0..<assets {
                let title = "assetprobe\(n)"
                let dropped = try write(inbox, "a\(n).json", #"{"prompt": "a lighthouse at dusk \#(n)", "title": "\#(title)", "width": 512, "height": 512}"#)
                guard let appeared = events.wait(timeout: 30, where: { if case .directoryAppeared(let p) = $0 { p.contains("/\(title)--") } else { false } })
                else {
                    throw CreativeError(.storage, "The asset for \(title) did not appear within 30 seconds.")
                }
                asset.append(appeared - dropped)
            }

            let report = Report(
                claimP50Ms: pct(claim, 0.5), claimP99Ms: pct(claim, 0.99), inotifywaitP50Ms: pct(notify, 0.5), inotifywaitP99Ms: pct(notify, 0.99),
                burstFiles: burst, burstJobs: jobs - drops, burstClaimsPerSecond: Double(burst) / (burstEnd - burstStart),
                assetP50Ms: pct(asset, 0.5), assetP99Ms: pct(asset, 0.99))
            Output.emit(report, json: json) {
                String(
                    format: """
                        drop→claimed      p50 %.2f ms  p99 %.2f ms   (inotifywait p50 %.2f ms  p99 %.2f ms; target p50 within 5 ms, p99 ≤ 50 ms)
                        burst             %d files → %d jobs, %.0f claims/s   (target ≥ 500/s, 0 lost)
                        drop→asset 512²   p50 %.1f ms  p99 %.1f ms   (target p50 ≤ 250 ms)
                        """, report.claimP50Ms, report.claimP99Ms, report.inotifywaitP50Ms, report.inotifywaitP99Ms,
                    burst, report.burstJobs, report.burstClaimsPerSecond, report.assetP50Ms, report.assetP99Ms)
            }
        }

        func now() -> Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }

        /// Writes a file and returns the moment it was closed.
        func write(_ folder: String, _ name: String, _ text: String) throws -> Double {
            let fd = open("\(folder)/\(name)", O_WRONLY | O_CREAT | O_TRUNC, 0o644)
            guard fd >= 0 else { throw CreativeError(.storage, "Could not write \(name).") }
            _ = text.withCString { Glibc.write(fd, $0, strlen($0)) }
            close(fd)
            return now()
        }

        func spawn(_ arguments: [String], captureOutput: Bool = false) throws -> Process {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: arguments[0])
            p.arguments = Array(arguments.dropFirst())
            p.standardError = FileHandle.nullDevice
            p.standardOutput = captureOutput ? Pipe() : FileHandle.nullDevice
            try p.run()
            return p
        }

        func pct(_ values: [Double], _ p: Double) -> Double {
            let sorted = values.sorted()
            guard !sorted.isEmpty else { return 0 }
            return sorted[min(sorted.count - 1, Int((Double(sorted.count - 1) * p).rounded()))] * 1000
        }
    }
}

/// Lines a child process prints, each stamped with the moment it was read.
final class LineReader: @unchecked Sendable {
    private let condition = NSCondition()
    private var seen: [String: Double] = [:]

    init(_ process: Process) {
        guard let pipe = process.standardOutput as? Pipe else { return }
        let handle = pipe.fileHandleForReading
        Thread.detachNewThread { [self] in
            var buffer = Data()
            while true {
                let chunk = handle.availableData
                if chunk.isEmpty { break }
                let stamp = Double(DispatchTime.now().uptimeNanoseconds) / 1e9
                buffer.append(chunk)
                while let newline = buffer.firstIndex(of: 10) {
                    let line = String(decoding: buffer[buffer.startIndex..<newline], as: UTF8.self)
                    buffer.removeSubrange(buffer.startIndex...newline)
                    condition.lock(); seen[line] = stamp; condition.broadcast(); condition.unlock()
                }
            }
        }
    }

    func wait(for line: String, timeout: Double) -> Double? {
        let deadline = Date().addingTimeInterval(timeout)
        condition.lock()
        defer { condition.unlock() }
        while seen[line] == nil, condition.wait(until: deadline) {}
        return seen[line]
    }
}

/// Watcher events, each stamped with the moment it arrived.
final class EventLog: @unchecked Sendable {
    private let condition = NSCondition()
    private var events: [(WatchEvent, Double)] = []

    init(_ watcher: any FolderWatcher) {
        Thread.detachNewThread { [self] in
            let semaphore = DispatchSemaphore(value: 0)
            Task {
                for await event in watcher.events { record(event) }
                semaphore.signal()
            }
            semaphore.wait()
        }
    }

    private func record(_ event: WatchEvent) {
        let stamp = Double(DispatchTime.now().uptimeNanoseconds) / 1e9
        condition.lock()
        events.append((event, stamp))
        condition.broadcast()
        condition.unlock()
    }

    func wait(for event: WatchEvent, timeout: Double) -> Double? {
        wait(timeout: timeout) { $0 == event }
    }

    func wait(timeout: Double, where match: (WatchEvent) -> Bool) -> Double? {
        let deadline = Date().addingTimeInterval(timeout)
        condition.lock()
        defer { condition.unlock() }
        while true {
            if let index = events.firstIndex(where: { match($0.0) }) {
                return events.remove(at: index).1
            }
            guard condition.wait(until: deadline) else { return nil }
        }
    }
}
