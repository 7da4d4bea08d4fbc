import CreativeCatalog
import UnixSignals

/// Runs `body`, cancelling it when the user presses Ctrl-C (SIGINT): a provider call in flight is
/// aborted at once and a job this command runs ends `cancelled`.
/// - Throws: what `body` throws; `cancelled` after an interrupt.
func cancellingOnInterrupt<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) async throws -> T {
    try await withThrowingTaskGroup(of: T?.self) { group in
        group.addTask { try await body() }
        group.addTask {
            for await _ in await UnixSignalsSequence(trapping: .sigint) { break }
            return nil
        }
        while let next = try await group.next() {
            group.cancelAll()
            if let value = next { return value }
        }
        throw CreativeError(.cancelled, "Interrupted.")
    }
}
