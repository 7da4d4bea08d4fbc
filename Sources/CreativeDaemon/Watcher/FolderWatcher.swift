import Synchronization

/// Something changed in a watched tree. Events are hints: a consumer re-stats and re-reads
/// before acting, and rescans after `overflow`.
public enum WatchEvent: Sendable, Equatable {
    /// A file was closed after writing, or moved in (never sent for a file merely created).
    case fileReady(String)
    /// A directory appeared; it is watched now, and files may have landed in it already: scan it.
    case directoryAppeared(String)
    /// A file or directory was deleted or moved away.
    case removed(String)
    /// Events were lost (queue overflow, out of watches): rescan everything.
    case overflow
}

/// One watcher interface, two backends: inotify (fast, local filesystems) and polling (network
/// filesystems where inotify misses remote changes).
public protocol FolderWatcher: Sendable {
    /// The events, until `stop()`.
    var events: AsyncStream<WatchEvent> { get }
    func stop()
}

/// A flag a watcher's thread polls to know when to stop.
final class StopFlag: Sendable {
    private let value = Atomic<Bool>(false)
    var isSet: Bool { value.load(ordering: .acquiring) }
    func set() { value.store(true, ordering: .releasing) }
}
