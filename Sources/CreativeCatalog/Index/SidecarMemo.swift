import Foundation
import GRDB

/// Recently decoded sidecars, each with the stat of the file it was decoded from. Decoding JSON is
/// most of what serving one asset or a page of them costs; an entry is used only while the stat
/// it was read with still holds (the same test the index uses to tell a file changed), so the
/// memo never answers with something the file no longer says — except within ``trusted`` of the
/// last time that stat was checked (see ``recentlyChecked(_:id:)``).
final class SidecarMemo: Sendable {
    /// How long an entry whose stat was just checked is answered without checking it again: what
    /// a hand edit of a sidecar (or another process's write) may take to show in a get by id.
    /// This process's own writes drop their entries at once.
    static let trusted = Duration.milliseconds(250)

    private struct Key: Hashable, Sendable {
        var kind: EntityKind
        var id: String
    }

    private struct Entry: Sendable {
        var stat: SidecarStat
        var value: any Sidecar
        /// When a stat(2) of the file last matched `stat`; nil until one does (an entry from a
        /// listing carries the index row's stat, one from a write the stat it wrote).
        var checked: ContinuousClock.Instant?
    }

    private let entries: BoundedCache<Key, Entry>

    init(capacity: Int) {
        entries = BoundedCache(capacity: capacity)
    }

    /// The decoded sidecar if it was decoded from a file with exactly this stat.
    func value<T: Sidecar>(_ type: T.Type, id: String, stat: SidecarStat) -> T? {
        guard let entry = entries[Key(kind: T.kind, id: id)], entry.stat == stat else { return nil }
        return entry.value as? T
    }

    /// The last decoded sidecar and its stat, for a caller that checks the file itself.
    func last<T: Sidecar>(_ type: T.Type, id: String) -> (SidecarStat, T)? {
        guard let entry = entries[Key(kind: T.kind, id: id)], let value = entry.value as? T else { return nil }
        return (entry.stat, value)
    }

    /// The decoded sidecar if its stat was found to hold within ``trusted``: no file is touched,
    /// so any thread may ask.
    func recentlyChecked<T: Sidecar>(_ type: T.Type, id: String) -> T? {
        guard let entry = entries[Key(kind: T.kind, id: id)], let checked = entry.checked, ContinuousClock.now - checked < Self.trusted else {
            return nil
        }
        return entry.value as? T
    }

    /// Notes that `stat` was just found to be the file's (nothing changes if the entry was
    /// dropped or replaced meanwhile).
    func checked(_ kind: EntityKind, id: String, stat: SidecarStat) {
        let now = ContinuousClock.now
        entries.update(Key(kind: kind, id: id)) { entry in
            if entry.stat == stat { entry.checked = now }
        }
    }

    func insert<T: Sidecar>(_ value: T, stat: SidecarStat) {
        entries.insert(Entry(stat: stat, value: value, checked: nil), for: Key(kind: T.kind, id: value.id))
    }

    /// Called whenever this process changes the index's row for an id: the entity may now live in
    /// another folder (a duplicate that won), whose stat the entry cannot vouch for.
    func forget(_ kind: EntityKind, id: String) {
        entries.remove(Key(kind: kind, id: id))
    }

    func forgetAll() {
        entries.removeAll()
    }
}

extension LibraryIndex {
    /// The entity as its sidecar says now (nil when there is none), without reading the file when
    /// one stat(2) shows it is the file last decoded (memo) or last indexed (the index's copy);
    /// otherwise read through the store. A memo entry is dropped whenever this process changes
    /// the id's index row (the engine's reconcile brings other processes' changes here).
    public func current<T: Sidecar>(_ type: T.Type, id: String) throws(CreativeError) -> T? {
        if let (stat, value) = memo.last(T.self, id: id), store.stat(T.kind, path: stat.path) == stat {
            memo.checked(T.kind, id: id, stat: stat)
            return value
        }
        if let (stat, sidecar) = try? indexedSidecar(T.kind, id: id), store.stat(T.kind, path: stat.path) == stat,
            let value = try? JSONCoding.sidecar(T.self, from: sidecar), value.id == id
        {
            memo.insert(value, stat: stat)
            memo.checked(T.kind, id: id, stat: stat)
            return value
        }
        return try store.read(T.self, id: id)?.0
    }

    /// The entity as ``current(_:id:)`` found it at most ``SidecarMemo/trusted`` ago, from
    /// memory alone (nil when it has not): touches no file and no database, so a caller on an
    /// async thread may ask before it hops to a pool for ``current(_:id:)``.
    public func recentlyChecked<T: Sidecar>(_ type: T.Type, id: String) -> T? {
        memo.recentlyChecked(T.self, id: id)
    }

    /// The sidecar bytes the index holds for an entity, with the stat it had when read.
    private func indexedSidecar(_ kind: EntityKind, id: String) throws(CreativeError) -> (stat: SidecarStat, sidecar: Data)? {
        try read { db in
            guard
                let row = try Row.fetchOne(
                    db.cachedStatement(sql: "SELECT path, size, mtime, inode, sidecar FROM item WHERE kind = ? AND id = ?"),
                    arguments: [kind.rawValue, id])
            else { return nil }
            return (Self.stat(of: row), row["sidecar"])
        }
    }

    /// The sidecar stat an index row was made from.
    static func stat(of row: Row) -> SidecarStat {
        let inode: Int64 = row["inode"]
        return SidecarStat(path: row["path"], size: row["size"], mtime: row["mtime"], inode: UInt64(bitPattern: inode))
    }
}
