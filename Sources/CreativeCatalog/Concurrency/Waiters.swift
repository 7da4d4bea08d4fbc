import Synchronization

/// Tasks suspended until something happens to a key: a job ends, new work arrives, the engine
/// is ready.
///
/// `signal` resumes every task waiting on the key. A signal nobody waits for is dropped unless it
/// is `sticky`, in which case the next `wait` on that key returns at once (so a worker that was
/// busy when work arrived does not sleep through it); after `latch` every wait on the key returns
/// at once. A cancelled waiter returns at once.
package final class Waiters<Key: Hashable & Sendable>: Sendable {
    private struct State {
        var next: UInt64 = 0
        var waiting: [Key: [UInt64: CheckedContinuation<Void, Never>]] = [:]
        var pending: Set<Key> = []
        var latched: Set<Key> = []
    }

    private let state = Mutex(State())

    package init() {}

    /// Returns when `key` is signalled, or when the task is cancelled.
    package func wait(_ key: Key) async {
        let ticket = state.withLock { state in
            state.next += 1
            return state.next
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow = state.withLock { state -> Bool in
                    if state.latched.contains(key) || state.pending.remove(key) != nil || Task.isCancelled { return true }
                    state.waiting[key, default: [:]][ticket] = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            let continuation = state.withLock { state in
                let removed = state.waiting[key]?.removeValue(forKey: ticket)
                if state.waiting[key]?.isEmpty == true { state.waiting[key] = nil }
                return removed
            }
            continuation?.resume()
        }
    }

    /// Waits for `key`, or at most `timeout`.
    package func wait(_ key: Key, timeout: Duration) async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.wait(key) }
            group.addTask { try? await Task.sleep(for: timeout) }
            await group.next()
            group.cancelAll()
        }
    }

    /// Resumes every task waiting on `key`.
    package func signal(_ key: Key, sticky: Bool = false) {
        let resumed = state.withLock { state in
            let waiting = state.waiting.removeValue(forKey: key) ?? [:]
            if waiting.isEmpty && sticky { state.pending.insert(key) }
            return Array(waiting.values)
        }
        for continuation in resumed { continuation.resume() }
    }

    /// Resumes every task waiting on `key`, and every later one at once.
    package func latch(_ key: Key) {
        state.withLock { _ = $0.latched.insert(key) }
        signal(key)
    }
}
