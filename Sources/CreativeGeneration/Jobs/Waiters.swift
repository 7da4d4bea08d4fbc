import Synchronization

/// Tasks suspended until something happens to a key: a job ends, new work arrives.
///
/// `signal` resumes every task waiting on the key. A signal nobody waits for is dropped unless it
/// is `sticky`, in which case the next `wait` on that key returns at once (so a worker that was
/// busy when work arrived does not sleep through it). A cancelled waiter returns at once.
final class Waiters<Key: Hashable & Sendable>: Sendable {
    private struct State {
        var next: UInt64 = 0
        var waiting: [Key: [UInt64: CheckedContinuation<Void, Never>]] = [:]
        var pending: Set<Key> = []
    }

    private let state = Mutex(State())

    /// Returns when `key` is signalled, or when the task is cancelled.
    func wait(_ key: Key) async {
        let ticket = state.withLock { state in
            state.next += 1
            return state.next
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow = state.withLock { state -> Bool in
                    if state.pending.remove(key) != nil || Task.isCancelled { return true }
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
    func wait(_ key: Key, timeout: Duration) async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.wait(key) }
            group.addTask { try? await Task.sleep(for: timeout) }
            await group.next()
            group.cancelAll()
        }
    }

    /// Resumes every task waiting on `key`.
    func signal(_ key: Key, sticky: Bool = false) {
        let resumed = state.withLock { state in
            let waiting = state.waiting.removeValue(forKey: key) ?? [:]
            if waiting.isEmpty && sticky { state.pending.insert(key) }
            return Array(waiting.values)
        }
        for continuation in resumed { continuation.resume() }
    }
}
