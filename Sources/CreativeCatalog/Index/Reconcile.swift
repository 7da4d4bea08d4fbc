import CLinux
import Foundation
import GRDB
import GRDBSQLite
import Synchronization

/// How the index and the disk differ, without changing either.
public struct DriftReport: Codable, Sendable {
    public var success = true
    /// Entity folders on disk that the index does not have.
    public var missing: [String] = []
    /// Folders whose sidecar changed (size, mtime or inode) since the index read it.
    public var stale: [String] = []
    /// Index entries whose folder is gone.
    public var orphaned: [String] = []
    /// Sidecars on disk that cannot be read or parsed (never indexed; not drift).
    public var problems: [SidecarProblem] = []
    /// Links, FIFOs, sockets and devices in the library (outside the inbox): skipped by every reader.
    public var notRegular: [SidecarProblem] = []
    public var indexed = 0
    public var onDisk = 0

    public var isClean: Bool { missing.isEmpty && stale.isEmpty && orphaned.isEmpty }
}

/// What the index last saw of one folder, keyed by a hash of its path (`FolderKey`): at
/// 1,000,000 folders a dictionary of path strings cost about 200 MB, this about 40.
struct IndexedFolder {
    var kind: EntityKind
    var stat: Int
    var rowid: Int64
}

/// Hashes of library-relative paths and of sidecar stats, for one process's comparisons (the
/// seed is per process; nothing stores them). Paths hash by their bytes, as the disk names them.
enum FolderKey {
    static func of(_ path: String) -> Int {
        var path = path
        return path.withUTF8 { of(UnsafeRawBufferPointer($0)) }
    }

    static func of(_ bytes: UnsafeRawBufferPointer) -> Int {
        var hasher = Hasher()
        hasher.combine(bytes: bytes)
        return hasher.finalize()
    }

    static func of(size: Int, mtime: Int64, inode: UInt64) -> Int {
        var hasher = Hasher()
        hasher.combine(size)
        hasher.combine(mtime)
        hasher.combine(inode)
        return hasher.finalize()
    }

    static func of(_ stat: SidecarStat) -> Int { of(size: stat.size, mtime: stat.mtime, inode: stat.inode) }
}

extension LibraryIndex {
    /// What the index last saw of each folder, read through SQLite's C API (no String per row).
    private func indexedFolders() throws(CreativeError) -> [Int: IndexedFolder] {
        try read { db in
            var result: [Int: IndexedFolder] = [:]
            result.reserveCapacity(try Int.fetchOne(db, sql: "SELECT count(*) FROM item") ?? 0)
            // The Statement owns the SQLite statement: it must outlive the loop.
            let owner = try db.makeStatement(sql: "SELECT kind, path, size, mtime, inode, rowid FROM item INDEXED BY item_folder")
            let statement = owner.sqliteStatement
            defer { withExtendedLifetime(owner) { _ = sqlite3_reset(statement) } }
            while sqlite3_step(statement) == SQLITE_ROW {
                let kind: EntityKind
                switch sqlite3_column_text(statement, 0)?.pointee {
                case UInt8(ascii: "a"): kind = .asset
                case UInt8(ascii: "t"): kind = .template
                case UInt8(ascii: "j"): kind = .job
                default: continue
                }
                let path = UnsafeRawBufferPointer(start: sqlite3_column_text(statement, 1), count: Int(sqlite3_column_bytes(statement, 1)))
                let stat = FolderKey.of(
                    size: Int(sqlite3_column_int64(statement, 2)), mtime: sqlite3_column_int64(statement, 3),
                    inode: UInt64(bitPattern: sqlite3_column_int64(statement, 4)))
                result[FolderKey.of(path)] = IndexedFolder(kind: kind, stat: stat, rowid: sqlite3_column_int64(statement, 5))
            }
            return result
        }
    }

    /// Brings the index up to date with the disk (the warm start): re-reads only sidecars whose
    /// size, mtime or inode changed or that are new (moved or rsynced in), and drops entries
    /// whose folder is gone. Unreadable sidecars are reported and left out.
    @discardableResult
    public func reconcile(progress: IndexProgress? = nil) throws(CreativeError) -> IndexReport {
        let start = Date()
        // The walk of the disk and the read of the index take about as long: overlap them.
        // (A thread of its own, as for the decoders: this may run on a pool's thread.)
        let scanned = Mutex<[(EntityKind, [WalkedFolders])]>([])
        let walked = DispatchSemaphore(value: 0)
        Thread { [store] in
            let found = Self.kinds.map { kind in (kind, store.walk(kind, part: { WalkedFolders() }) { $0.append($1) }) }
            scanned.withLock { $0 = found }
            walked.signal()
        }.start()
        let read = Result { () throws(CreativeError) in try indexedFolders() }
        walked.wait()
        let known = try read.get()
        let walk = scanned.withLock { $0 }
        sweep.prime(walk)
        var matched = 0
        var changed: [(EntityKind, SidecarStat)] = []
        for (kind, parts) in walk {
            for part in parts {
                for (i, entry) in part.entries.enumerated() {
                    if let old = known[entry.key] {
                        matched += 1
                        if old.kind == kind, old.stat == entry.value { continue }
                    }
                    changed.append((kind, part.stat(i)))
                }
            }
        }
        // Paths on disk are unique: when each indexed folder was matched once, none is gone, and
        // with nothing changed either, there is nothing to look up.
        var seen = Set<Int>()
        if matched < known.count || !changed.isEmpty {
            seen = Set(walk.lazy.flatMap(\.1).flatMap(\.entries).map(\.key))
        }
        let gone = matched < known.count ? known.filter { !seen.contains($0.key) }.map(\.value.rowid) : []
        var report = try apply(
            changed: changed, gone: gone, known: { known[FolderKey.of($0)] }, onDisk: { seen.contains(FolderKey.of($0)) }, progress: progress)
        report.seconds = Date().timeIntervalSince(start)
        creative_malloc_trim()
        return report
    }

    /// Brings the index up to date for a few folders (library-relative: entity folders, or the
    /// collections holding them) that the watcher saw appear, change or go, without the walk of
    /// the whole library that `reconcile()` makes. Folders whose name does not end in an id are
    /// found through a walk below them; a collection that went away falls back to `reconcile()`.
    @discardableResult
    public func reconcile(folders: [String]) throws(CreativeError) -> IndexReport {
        let start = Date()
        var changed: [(EntityKind, SidecarStat)] = []
        var onDisk = Set<String>()
        var ids: [(EntityKind, String)] = []
        for folder in Set(folders) {
            let parts = folder.split(separator: "/")
            guard let top = parts.first, let kind = Self.kinds.first(where: { $0.folder == top }), parts.count > 1 else { continue }
            if let id = FolderName.id(in: String(parts[parts.count - 1])), Validation.isValidId(id) {
                ids.append((kind, id))
                if let stat = store.stat(kind, path: folder) { changed.append((kind, stat)) }
            } else if POSIX.info(store.rootDir, folder)?.isDirectory == true {
                let found = store.stat(kind, path: folder).map { [$0] } ?? store.scan(kind, under: folder)
                changed += found.map { (kind, $0) }
                ids += found.compactMap { stat in FolderName.id(in: String(stat.path.split(separator: "/").last ?? "")).map { (kind, $0) } }
            } else {
                return try reconcile()
            }
        }
        changed.forEach { onDisk.insert($0.1.path) }
        // What the index has for these folders: by the ids their names carry.
        let rows = try read { db in
            try ids.compactMap { kind, id in
                try Row.fetchOne(db, sql: "SELECT path, size, mtime, inode, rowid FROM item WHERE kind = ? AND id = ?", arguments: [kind.rawValue, id])
                    .map { row -> (String, IndexedFolder) in
                        let stat = FolderKey.of(size: row[1], mtime: row[2], inode: UInt64(bitPattern: row[3]))
                        return (row[0], IndexedFolder(kind: kind, stat: stat, rowid: row[4]))
                    }
            }
        }
        var known: [String: IndexedFolder] = [:]
        for (path, folder) in rows { known[path] = folder }
        changed = changed.filter { kind, stat in known[stat.path].map { $0.kind != kind || $0.stat != FolderKey.of(stat) } ?? true }
        // Rows whose folder is gone from where the index saw it (and not seen here again).
        let gone = known.filter { path, folder in !onDisk.contains(path) && store.stat(folder.kind, path: path) == nil }.map(\.value.rowid)
        var report = try apply(
            changed: changed, gone: gone, known: { known[$0] },
            onDisk: { path in onDisk.contains(path) || Self.kinds.contains { self.store.stat($0, path: path) != nil } }, progress: nil)
        report.seconds = Date().timeIntervalSince(start)
        return report
    }

    /// Writes a reconcile's findings: drops what is gone first, then (re)inserts by id — a folder
    /// moved elsewhere is a new path with a known id, and upsert by id moves the entry.
    private func apply(
        changed: [(EntityKind, SidecarStat)], gone: [Int64], known: (String) -> IndexedFolder?, onDisk: (String) -> Bool,
        progress: IndexProgress?
    ) throws(CreativeError) -> IndexReport {
        var report = IndexReport()
        // Copies of kept folders (duplicate ids) stay unindexed; while nothing else changed, they
        // are not read again on every pass.
        let copies = skippedCopies.withLock { $0 }
        if gone.isEmpty && changed.allSatisfy({ copies[$0.1.path] == $0.1 }) { return report }
        skippedCopies.withLock { $0 = [:] }
        let changedPaths = Set(changed.map(\.1.path))
        var processed = Set<String>()
        var seen: [LibraryEvent] = []
        try write { db in
            for rowid in gone {
                if let event = try IndexWriter.delete(rowid: rowid, db) { seen.append(event) }
                report.removed += 1
            }
            try Self.decodeInParallel(changed, store: store, progress: progress) { rows, problems in
                for row in try Rowids.order(rows, db) {
                    let indexedAt = try String.fetchOne(db, sql: "SELECT path FROM item WHERE kind = ? AND id = ?", arguments: [row.kind.rawValue, row.id])
                    // The id is also in another folder that still holds it (unchanged, or indexed
                    // earlier in this pass): keep one (see Duplicates).
                    if let other = indexedAt, other != row.stat.path, onDisk(other),
                        !changedPaths.contains(other) || processed.contains(other)
                    {
                        guard LibraryStore.keeps(row.stat.path, over: other, id: row.id) else {
                            report.problems.append(Duplicates.problem(row.kind, copy: row.stat.path, kept: other))
                            skippedCopies.withLock { $0[row.stat.path] = row.stat }
                            continue
                        }
                        report.problems.append(Duplicates.problem(row.kind, copy: other, kept: row.stat.path))
                    }
                    // The folder's previous row goes too: its sidecar may now carry another id.
                    let previous = known(row.stat.path)
                    if let previous { try IndexWriter.delete(rowid: previous.rowid, ifAt: row.stat.path, db) }
                    memo.forget(row.kind, id: row.id)
                    try IndexWriter.upsert(row, db)
                    seen.append(LibraryEvent(kind: row.kind, id: row.id, userId: row.userId, removed: false))
                    processed.insert(row.stat.path)
                    if previous != nil || indexedAt != nil { report.updated += 1 } else { report.added += 1 }
                }
                for problem in problems {
                    // The folder's sidecar is broken now: what the index had for it is no longer true.
                    let folder = String(problem.path.split(separator: "/").dropLast().joined(separator: "/"))
                    if let previous = known(folder), let event = try IndexWriter.delete(rowid: previous.rowid, ifAt: folder, db) { seen.append(event) }
                }
                report.problems += problems
            }
        }
        // A folder moved within the library is gone at one path and stored at another: it stays.
        let stored = Set(seen.filter { !$0.removed }.map(\.id))
        events.publish(seen.filter { !$0.removed || !stored.contains($0.id) })
        report.problems.sort { $0.path < $1.path }
        return report
    }

    /// Compares index and disk by stat (reading only sidecars the index lacks) and reports the
    /// drift; changes nothing.
    public func check() throws(CreativeError) -> DriftReport {
        let known = try indexedFolders()
        var report = DriftReport()
        report.indexed = known.count
        var seen = Set<Int>(minimumCapacity: known.count)
        var unindexed: [(EntityKind, String, String)] = []
        for kind in Self.kinds {
            for stat in store.scan(kind) {
                let key = FolderKey.of(stat.path)
                seen.insert(key)
                report.onDisk += 1
                guard let old = known[key], old.kind == kind else {
                    // Not indexed: drift only if a reconcile would add it, i.e. it parses (and is
                    // not a copy of a folder the index keeps).
                    do throws(CreativeError) {
                        let row = try IndexRow.make(kind, sidecar: try store.readScanned(kind, stat), stat: stat)
                        unindexed.append((kind, row.id, stat.path))
                    } catch {
                        report.problems.append(SidecarProblem(path: "\(stat.path)/\(kind.sidecarName)", reason: error.message))
                    }
                    continue
                }
                if old.stat != FolderKey.of(stat) { report.stale.append(stat.path) }
            }
        }
        let orphans = known.filter { !seen.contains($0.key) }.map(\.value.rowid)
        report.orphaned = try read { db in
            try orphans.compactMap { try String.fetchOne(db, sql: "SELECT path FROM item WHERE rowid = ?", arguments: [$0]) }
        }.sorted()
        for (kind, id, path) in unindexed {
            let indexedAt = try read { db in
                try String.fetchOne(db, sql: "SELECT path FROM item WHERE kind = ? AND id = ?", arguments: [kind.rawValue, id])
            }
            if let other = indexedAt, seen.contains(FolderKey.of(other)), !LibraryStore.keeps(path, over: other, id: id) {
                report.problems.append(Duplicates.problem(kind, copy: path, kept: other))
            } else {
                report.missing.append(path)
            }
        }
        report.problems.sort { $0.path < $1.path }
        report.notRegular = store.specialFiles()
        report.missing.sort()
        report.stale.sort()
        return report
    }

    /// Counts for `creative index stats`.
    public struct Stats: Codable, Sendable {
        public var success = true
        public var assets: Int
        public var templates: Int
        public var jobs: Int
        public var tags: Int
        public var file: String
        public var bytes: Int
        public var builtAt: String?
        public var schemaVersion = IndexSchema.version
    }

    public func stats() throws(CreativeError) -> Stats {
        let counts = try read { db -> ([String: Int], Int, String?) in
            var byKind: [String: Int] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT kind, count(*) AS n FROM item GROUP BY kind") {
                byKind[row["kind"]] = row["n"]
            }
            let tags = try Int.fetchOne(db, sql: "SELECT count(DISTINCT tag) FROM item_tag") ?? 0
            let built = try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'builtAt'")
            return (byKind, tags, built)
        }
        let name = state.withLock { $0?.name } ?? ""
        let bytes = ["", "-wal"].reduce(0) { sum, suffix in
            sum + ((try? FileManager.default.attributesOfItem(atPath: "\(directory)/\(name)\(suffix)"))?[.size] as? Int ?? 0)
        }
        return Stats(
            assets: counts.0["asset"] ?? 0, templates: counts.0["template"] ?? 0, jobs: counts.0["job"] ?? 0,
            tags: counts.1, file: ".index/\(name)", bytes: bytes, builtAt: counts.2)
    }
}
