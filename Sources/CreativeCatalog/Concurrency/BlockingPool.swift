import NIOCore
import NIOPosix

/// A bounded pool of threads for work that blocks, behind an `async` function.
///
/// Swift's cooperative pool and NIO's event loops have a thread per core; one call that waits on
/// a disk, a lock or a child process there stalls every task scheduled behind it. Blocking work
/// runs here instead:
///
/// - ``io``: writes to the library's files and the SQLite index (a store write and its index
///   update are one operation, so they share a pool), claims, intake, reconcile, media streaming.
/// - ``db``: reads answered from the index (listings, search, get by id): mostly CPU in SQLite and
///   JSON decoding, so one thread per core; more would only take turns on the cores.
/// - ``media``: libvips and other CPU-heavy encoding, one thread per core.
///
/// Network I/O does not come here: libcurl runs on its own thread (see `HTTPClient`).
///
/// ```swift
/// let asset = try await BlockingPool.io.run { try store.read(CreativeAsset.self, id: id) }
/// ```
public struct BlockingPool: Sendable {
    /// What the pool is for, in log lines and thread names.
    public let name: String
    /// The NIO thread pool underneath, for NIO APIs that take one (NonBlockingFileIO).
    public let threadPool: NIOThreadPool

    package init(name: String, threads: Int) {
        self.name = name
        threadPool = NIOThreadPool(numberOfThreads: threads)
        threadPool.start()
    }

    /// Files and the index: many short calls, some waiting on fsync.
    public static let io = BlockingPool(name: "io", threads: 8)
    /// Reads answered from the index: CPU-bound, one thread per core.
    public static let db = BlockingPool(name: "db", threads: System.coreCount)
    /// Image encoding and decoding: CPU-bound, one thread per core.
    public static let media = BlockingPool(name: "media", threads: System.coreCount)

    /// Runs `body` on a thread of the pool and returns its result.
    ///
    /// A task cancelled before `body` starts never runs it; once started, `body` runs to its end
    /// (a blocking call cannot be interrupted), and its result is returned.
    /// - Throws: what `body` throws; `cancelled` when the task was cancelled before `body` ran.
    public func run<T: Sendable>(_ body: @escaping @Sendable () throws(CreativeError) -> T) async throws(CreativeError) -> T {
        do {
            return try await threadPool.runIfActive { () throws -> T in try body() }
        } catch let error as CreativeError {
            throw error
        } catch is CancellationError {
            throw CreativeError(.cancelled, "The operation was cancelled.")
        } catch {
            throw CreativeError(.storage, "The \(name) pool could not run the work: \(error).")
        }
    }

    /// Runs `body` on a thread of the pool even when the task is cancelled: for the writes that
    /// record how cancelled work ended.
    /// - Throws: what `body` throws; `storage` when the pool has stopped.
    public func runToCompletion<T: Sendable>(_ body: @escaping @Sendable () throws(CreativeError) -> T) async throws(CreativeError) -> T {
        let name = name
        let result: Result<T, CreativeError> = await withCheckedContinuation { continuation in
            threadPool.submit { state in
                guard case .active = state else {
                    return continuation.resume(returning: .failure(CreativeError(.storage, "The \(name) pool has stopped.")))
                }
                continuation.resume(returning: Result { () throws(CreativeError) -> T in try body() })
            }
        }
        return try result.get()
    }
}
