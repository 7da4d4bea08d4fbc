import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A one-line progress report (count, rate, ETA) on stderr when it is a terminal; silent when
/// output goes to a file or a pipe, and with --json.
final class ProgressBar: Sendable {
    private let label: String
    private let enabled: Bool
    private let start = Date()
    private let lastDraw = Mutex<Double>(0)

    init(_ label: String, json: Bool) {
        self.label = label
        enabled = !json && isatty(STDERR_FILENO) == 1
    }

    func update(_ done: Int, _ total: Int) {
        guard enabled else { return }
        let elapsed = Date().timeIntervalSince(start)
        let due = lastDraw.withLock { last -> Bool in
            guard elapsed - last >= 0.1 || done == total else { return false }
            last = elapsed
            return true
        }
        guard due else { return }
        let rate = elapsed > 0 ? Double(done) / elapsed : 0
        let eta = rate > 0 ? Double(total - done) / rate : 0
        let width = 24
        let filled = total > 0 ? width * done / total : width
        let bar = String(repeating: "█", count: filled) + String(repeating: "░", count: width - filled)
        let line = String(format: "\r%@ %@ %d/%d  %.0f/s  ETA %.0fs\u{1B}[K", label, bar, done, total, rate, eta)
        FileHandle.standardError.write(line)
    }

    func finish() {
        guard enabled else { return }
        FileHandle.standardError.write("\r\u{1B}[K")
    }
}
