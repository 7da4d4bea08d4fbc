import CInotify
import Foundation
import Logging
import Synchronization

/// inotify through libinotifytools. The library keeps global state and is not thread-safe, so one
/// thread owns it for the watcher's whole life and hands events to Swift concurrency through an
/// AsyncStream. Only one InotifyWatcher may run in a process at a time.
public final class InotifyWatcher: FolderWatcher {
    public let events: AsyncStream<WatchEvent>
    private let continuation: AsyncStream<WatchEvent>.Continuation
    private let stopping = StopFlag()
    private static let running = Atomic<Bool>(false)

    static let mask = Int32(IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_CREATE | IN_DELETE | IN_DELETE_SELF)

    /// Starts watching `roots` recursively.
    /// - Throws: when another InotifyWatcher runs in this process or inotify cannot start.
    public init(roots: [String], logger: Logger = Logger(label: "creative.watcher")) throws {
        guard Self.running.compareExchange(expected: false, desired: true, ordering: .acquiringAndReleasing).exchanged else {
            throw WatcherError("only one inotify watcher can run in a process")
        }
        (events, continuation) = AsyncStream.makeStream(of: WatchEvent.self, bufferingPolicy: .unbounded)
        let ready = Mutex<String?>(nil)
        let started = DispatchSemaphore(value: 0)
        let thread = Thread { [continuation, stopping] in
            defer {
                inotifytools_cleanup()
                continuation.finish()
                Self.running.store(false, ordering: .releasing)
            }
            guard inotifytools_initialize() != 0 else {
                ready.withLock { $0 = "inotify could not start (error \(inotifytools_error()))" }
                started.signal()
                return
            }
            for root in roots where inotifytools_watch_recursively(root, Self.mask) == 0 {
                ready.withLock { $0 = "could not watch \(root) (error \(inotifytools_error())); too many folders? raise fs.inotify.max_user_watches" }
                started.signal()
                return
            }
            started.signal()
            while !stopping.isSet {
                guard let event = inotifytools_next_event(1) else {
                    if inotifytools_error() != 0 && inotifytools_error() != EINTR { continuation.yield(.overflow) }
                    continue
                }
                Self.handle(event, continuation, logger)
            }
        }
        thread.name = "creative-inotify"
        thread.start()
        started.wait()
        if let problem = ready.withLock({ $0 }) {
            throw WatcherError(problem)
        }
    }

    /// Turns one raw event into a WatchEvent. The name is a flexible array member Swift cannot
    /// import: it sits right after the fixed part of the struct.
    private static func handle(_ event: UnsafeMutablePointer<inotify_event>, _ out: AsyncStream<WatchEvent>.Continuation, _ logger: Logger) {
        let mask = Int32(bitPattern: event.pointee.mask)
        if mask & Int32(IN_Q_OVERFLOW) != 0 {
            out.yield(.overflow)
            return
        }
        guard let dirC = inotifytools_filename_from_wd(event.pointee.wd) else { return }
        let dir = String(cString: dirC)
        var name = ""
        if event.pointee.len > 0 {
            let raw = UnsafeRawPointer(event).advanced(by: MemoryLayout<inotify_event>.size)
            name = String(cString: raw.assumingMemoryBound(to: CChar.self))
        }
        let path = dir.hasSuffix("/") ? dir + name : dir + "/" + name
        let isDirectory = mask & Int32(IN_ISDIR) != 0
        // Temporaries (ours are dot-folders renamed into place when complete) are not watched.
        if IgnoreRules.ignores(name) { return }
        if isDirectory && mask & Int32(IN_CREATE | IN_MOVED_TO) != 0 {
            // Watch first, then report, so the consumer's scan of it cannot miss a file.
            if inotifytools_watch_recursively(path, Self.mask) == 0 && FileManager.default.fileExists(atPath: path) {
                logger.warning("could not watch new folder \(path); falling back to a rescan")
                out.yield(.overflow)
            }
            out.yield(.directoryAppeared(path))
        } else if mask & Int32(IN_CLOSE_WRITE | IN_MOVED_TO) != 0 {
            out.yield(.fileReady(path))
        } else if mask & Int32(IN_DELETE | IN_MOVED_FROM | IN_DELETE_SELF) != 0 {
            if isDirectory && mask & Int32(IN_MOVED_FROM) != 0 { _ = inotifytools_remove_watch_by_filename(path) }
            out.yield(.removed(path))
        }
    }

    public func stop() {
        stopping.set()
    }
}

/// Why a watcher could not start.
public struct WatcherError: Error, CustomStringConvertible {
    public var description: String

    init(_ description: String) { self.description = description }
}
