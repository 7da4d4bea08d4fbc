import CLinux
import Synchronization

/// Finds sidecars changed in folders no watch covers (hand edits inside entity folders): each
/// pass stats every sidecar and compares with what the previous pass saw — no SQLite and no
/// reads. It keeps each folder's listing (`FolderListing`, about 60 bytes per entity folder), so
/// a folder that did not change is not listed again: a pass costs one `fstatat` per sidecar.
public final class SidecarSweep: Sendable {
    private struct State {
        /// What the last pass saw, by folder path.
        var listings: [String: FolderListing] = [:]
        var primed = false
        /// Only a process that sweeps (the engine) keeps what reconciles walked.
        var enabled = false
    }

    private let state = Mutex(State())

    public init() {}

    /// What one pass found: folders new or changed since the last pass, and whether any went away.
    public struct Changes: Sendable {
        public var changed: [String] = []
        public var removed = false
    }

    /// From now on, full reconciles prime the sweep (call before the engine's first reconcile).
    public func enable() { state.withLock { $0.enabled = true } }

    /// Takes what a full reconcile just walked as the last pass (so an edit made before the
    /// sweep's first pass is not taken for the starting point). Its folders are listed again.
    func prime(_ walked: [(EntityKind, [WalkedFolders])]) {
        guard state.withLock({ $0.enabled }) else { return }
        var listings: [String: FolderListing] = [:]
        for (kind, parts) in walked where kind != .job {
            for part in parts { part.listings(into: &listings) }
        }
        state.withLock { $0 = State(listings: listings, primed: true, enabled: true) }
    }

    /// One pass over every sidecar (blocks for the walk). Unless a reconcile primed it, the first
    /// pass only records what is there.
    public func pass(_ store: LibraryStore) -> Changes {
        defer { creative_malloc_trim() }
        return state.withLock { state in
            var listings: [String: FolderListing] = [:]
            var changes = Changes()
            for kind in LibraryIndex.kinds where kind != .job {
                let found = store.sweep(kind, previous: state.listings)
                listings.merge(found.listings) { new, _ in new }
                changes.changed += found.changed
                changes.removed = changes.removed || found.removed
            }
            state.listings = listings
            defer { state.primed = true }
            return state.primed ? changes : Changes()
        }
    }
}
