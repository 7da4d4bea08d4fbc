import CLinux
import Synchronization

/// Finds sidecars changed in folders no watch covers (hand edits inside entity folders): each
/// pass stats every sidecar and compares with what the previous pass saw — a hash per folder,
/// no SQLite and no reads, so a pass costs the walk alone.
public final class SidecarSweep: Sendable {
    private struct State {
        /// Folder key → stat hash, as the last pass saw them (about 25 MB at 1,000,000 folders).
        var seen: [Int: Int] = [:]
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
    /// sweep's first pass is not taken for the starting point).
    func prime(_ scanned: [(EntityKind, [SidecarStat])]) {
        guard state.withLock({ $0.enabled }) else { return }
        var seen: [Int: Int] = [:]
        for (kind, stats) in scanned where kind != .job {
            for stat in stats { seen[FolderKey.of(stat.path)] = FolderKey.of(stat) }
        }
        state.withLock { $0 = State(seen: seen, primed: true, enabled: true) }
    }

    /// One pass over every sidecar (blocks for the walk). Unless a reconcile primed it, the first
    /// pass only records what is there.
    public func pass(_ store: LibraryStore) -> Changes {
        defer { creative_malloc_trim() }
        return state.withLock { pass(store, &$0) }
    }

    private func pass(_ store: LibraryStore, _ state: inout State) -> Changes {
        let (seen, primed) = (state.seen, state.primed)
        var changes = Changes()
        var now: [Int: Int] = [:]
        now.reserveCapacity(seen.count)
        var added = 0
        for kind in LibraryIndex.kinds where kind != .job {
            for stat in store.scan(kind) {
                let key = FolderKey.of(stat.path)
                let value = FolderKey.of(stat)
                now[key] = value
                let before = seen[key]
                if before == nil { added += 1 }
                if primed && before != value { changes.changed.append(stat.path) }
            }
        }
        // Every key seen before and still here was matched once: fewer such keys means some went.
        changes.removed = primed && now.count - added < seen.count
        (state.seen, state.primed) = (now, true)
        return changes
    }
}
