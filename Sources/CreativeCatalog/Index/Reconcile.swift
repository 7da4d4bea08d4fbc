import Foundation
import GRDB

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

extension LibraryIndex {
    /// What the index last saw of each folder: path → (kind, stat, rowid).
    private func indexedStats() throws(CreativeError) -> [String: (EntityKind, SidecarStat, Int64)] {
        try read { db in
            var result: [String: (EntityKind, SidecarStat, Int64)] = [:]
            result.reserveCapacity(try Int.fetchOne(db, sql: "SELECT max(rowid) FROM item") ?? 0)
            let rows = try Row.fetchCursor(db, sql: "SELECT kind, path, size, mtime, inode, rowid FROM item")
            while let row = try rows.next() {
                guard let kind = EntityKind(rawValue: row[0]) else { continue }
                let path: String = row[1]
                let inode: Int64 = row[4]
                result[path] = (kind, SidecarStat(path: path, size: row[2], mtime: row[3], inode: UInt64(bitPattern: inode)), row[5])
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
        let known = try indexedStats()
        var seen = Set<String>()
        var changed: [(EntityKind, SidecarStat)] = []
        for kind in Self.kinds {
            for stat in store.scan(kind) {
                seen.insert(stat.path)
                if let (indexedKind, old, _) = known[stat.path], indexedKind == kind, old == stat { continue }
                changed.append((kind, stat))
            }
        }
        let gone = known.filter { !seen.contains($0.key) }
        var report = IndexReport()
        // Copies of kept folders (duplicate ids) stay unindexed; while nothing else changed, they
        // are not read again on every pass.
        let copies = skippedCopies.withLock { $0 }
        if gone.isEmpty && changed.allSatisfy({ copies[$0.1.path] == $0.1 }) {
            report.seconds = Date().timeIntervalSince(start)
            return report
        }
        skippedCopies.withLock { $0 = [:] }
        let changedPaths = Set(changed.map(\.1.path))
        var processed = Set<String>()
        try write { db in
            // Drop what is gone first, then (re)insert by id: a folder moved elsewhere is a new
            // path with a known id, and upsert by id moves the entry.
            for (_, (_, _, rowid)) in gone {
                try IndexWriter.delete(rowid: rowid, db)
                report.removed += 1
            }
            try Self.decodeInParallel(changed, store: store, progress: progress) { rows, problems in
                for row in rows {
                    let indexedAt = try String.fetchOne(db, sql: "SELECT path FROM item WHERE kind = ? AND id = ?", arguments: [row.kind.rawValue, row.id])
                    // The id is also in another folder that still holds it (unchanged, or indexed
                    // earlier in this pass): keep one (see Duplicates).
                    if let other = indexedAt, other != row.stat.path, seen.contains(other),
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
                    if let (_, _, rowid) = known[row.stat.path] { try IndexWriter.delete(rowid: rowid, ifAt: row.stat.path, db) }
                    let existed = known[row.stat.path] != nil || indexedAt != nil
                    memo.forget(row.kind, id: row.id)
                    try IndexWriter.upsert(row, db)
                    processed.insert(row.stat.path)
                    if existed { report.updated += 1 } else { report.added += 1 }
                }
                for problem in problems {
                    // The folder's sidecar is broken now: what the index had for it is no longer true.
                    let folder = String(problem.path.split(separator: "/").dropLast().joined(separator: "/"))
                    if let (_, _, rowid) = known[folder] { try IndexWriter.delete(rowid: rowid, ifAt: folder, db) }
                }
                report.problems += problems
            }
        }
        report.problems.sort { $0.path < $1.path }
        report.seconds = Date().timeIntervalSince(start)
        return report
    }

    /// Compares index and disk by stat (reading only sidecars the index lacks) and reports the
    /// drift; changes nothing.
    public func check() throws(CreativeError) -> DriftReport {
        let known = try indexedStats()
        var report = DriftReport()
        report.indexed = known.count
        var seen = Set<String>()
        var unindexed: [(EntityKind, String, String)] = []
        for kind in Self.kinds {
            for stat in store.scan(kind) {
                seen.insert(stat.path)
                report.onDisk += 1
                guard let (indexedKind, old, _) = known[stat.path], indexedKind == kind else {
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
                if old != stat { report.stale.append(stat.path) }
            }
        }
        report.orphaned = known.keys.filter { !seen.contains($0) }.sorted()
        for (kind, id, path) in unindexed {
            let indexedAt = try read { db in
                try String.fetchOne(db, sql: "SELECT path FROM item WHERE kind = ? AND id = ?", arguments: [kind.rawValue, id])
            }
            if let other = indexedAt, seen.contains(other), !LibraryStore.keeps(path, over: other, id: id) {
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
