/// Finds sidecars changed in folders no watch covers (hand edits inside entity folders): each
/// pass stats every sidecar and compares with what the previous pass saw — a hash per folder,
/// no SQLite and no reads, so a pass costs the walk alone.
public struct SidecarSweep: Sendable {
    /// Folder key → stat hash, as the last pass saw them (about 25 MB at 1,000,000 folders).
    private var seen: [Int: Int] = [:]
    private var primed = false

    public init() {}

    /// What one pass found: folders new or changed since the last pass, and whether any went away.
    public struct Changes: Sendable {
        public var changed: [String] = []
        public var removed = false
    }

    /// One pass over every sidecar. The first pass only records what is there.
    public mutating func pass(_ store: LibraryStore) -> Changes {
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
        seen = now
        primed = true
        return changes
    }
}
