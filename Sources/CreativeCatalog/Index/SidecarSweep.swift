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
    func prime(_ walked: [(EntityKind, [WalkedFolders])]) {
        guard state.withLock({ $0.enabled }) else { return }
        var seen: [Int: Int] = [:]
        for (kind, parts) in walked where kind != .job {
            for entry in parts.lazy.flatMap(\.entries) { seen[entry.key] = entry.value }
        }
        state.withLock { $0 = State(seen: seen, primed: true, enabled: true) }
    }

    /// One pass over every sidecar (blocks for the walk). Unless a reconcile primed it, the first
    /// pass only records what is there.
    public func pass(_ store: LibraryStore) -> Changes {
        defer { creative_malloc_trim() }
        return state.withLock { pass(store, &$0) }
    }

    /// What one folder (month, collection) of a pass found.
    private struct Part: Sendable {
        var keys: [Int] = []
        /// Folders new or changed since the last pass: key, stat hash, path.
        var changed: [(Int, Int, String)] = []
    }

    private func pass(_ store: LibraryStore, _ state: inout State) -> Changes {
        let seen = state.seen
        var parts: [Part] = []
        for kind in LibraryIndex.kinds where kind != .job {
            parts += store.walk(kind, part: { Part() }) { part, found in
                let key = found.key
                part.keys.append(key)
                let value = found.value
                if seen[key] != value { part.changed.append((key, value, found.path)) }
            }
        }
        var changes = Changes()
        let count = parts.reduce(0) { $0 + $1.keys.count }
        let added = parts.reduce(0) { sum, part in sum + part.changed.count { seen[$0.0] == nil } }
        // Every key seen before and still here was matched once: fewer such keys means some went.
        let gone = count - added < seen.count
        if state.primed {
            changes.changed = parts.flatMap { $0.changed.map(\.2) }
            changes.removed = gone
        }
        if gone {
            let here = Set(parts.flatMap(\.keys))
            state.seen = state.seen.filter { here.contains($0.key) }
        }
        for part in parts {
            for (key, value, _) in part.changed { state.seen[key] = value }
        }
        state.primed = true
        return changes
    }
}
