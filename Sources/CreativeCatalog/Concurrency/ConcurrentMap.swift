import Dispatch
import Foundation
import Synchronization

extension Array where Element: Sendable {
    /// `transform` over the elements on up to `threads` threads of the calling code (it blocks
    /// until all are done; call it from a blocking pool or the CLI), results in the elements' order.
    /// Used where a batch of files is read, parsed and written (inbox intake, import).
    public func concurrentMap<R: Sendable>(threads: Int = 4, _ transform: @Sendable (Element) -> R) -> [R] {
        let results = Mutex<[R?]>(Array<R?>(repeating: nil, count: count))
        let next = Atomic<Int>(0)
        withoutActuallyEscaping(transform) { transform in
            DispatchQueue.concurrentPerform(iterations: Swift.min(threads, count)) { _ in
                while true {
                    let n = next.wrappingAdd(1, ordering: .relaxed).oldValue
                    guard n < count else { return }
                    let result = transform(self[n])
                    results.withLock { $0[n] = result }
                }
            }
        }
        return results.withLock { $0.map { $0! } }
    }
}

/// Threads for work that waits on the disk as much as it computes (a rebuild's reads, a walk's
/// `fstatat`s): one per core, and 8 at least, so that a cold cache (a fresh copy, after a reboot)
/// has that many reads in flight; more gained little here (docs/DECISIONS.md).
let diskThreads = Swift.max(ProcessInfo.processInfo.activeProcessorCount, 8)

/// Runs `body` for each of `0..<count` on up to `threads` threads of its own, returning when all
/// are done. For walks that wait on the disk: `concurrentPerform` keeps to a thread per core.
func forEachConcurrently(_ count: Int, threads: Int, _ body: @escaping @Sendable (Int) -> Void) {
    let next = Atomic<Int>(0)
    let finished = DispatchSemaphore(value: 0)
    let width = Swift.max(1, Swift.min(threads, count))
    let run = { @Sendable in
        while case let i = next.wrappingAdd(1, ordering: .relaxed).oldValue, i < count { body(i) }
    }
    for _ in 1..<width {
        Thread {
            run()
            finished.signal()
        }.start()
    }
    run()
    for _ in 1..<width { finished.wait() }
}
