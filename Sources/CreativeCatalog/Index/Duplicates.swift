import GRDB

/// Two folders with one id happen when a folder is copied in a file manager. The index keeps one
/// (`LibraryStore.keeps`) on every rebuild, reconcile and check, and reports the other as a
/// problem instead of failing the rebuild or flipping between the two on each pass.
enum Duplicates {
    static func problem(_ kind: EntityKind, copy: String, kept: String) -> SidecarProblem {
        SidecarProblem(
            path: "\(copy)/\(kind.sidecarName)",
            reason: "has the same id as \(kept), which the index keeps; delete one of the two folders or move it out of the library.")
    }

    /// The ids a rebuild has inserted, as 64-bit hashes (about 2 MB at 100,000; the bulk insert
    /// runs before the unique index exists). A hash seen twice — a duplicate, or rarely a hash
    /// collision — is settled by looking the id up.
    struct Seen {
        private var hashes = Set<Int>()
        /// Made at the first repeat, so that a copied month of folders costs one index build, not
        /// a full scan per copy; `finish` drops it before the real indexes are built.
        private var lookupIndex = false

        /// Whether to insert `row`; when an earlier row has its id, keeps one (removing the earlier
        /// row if `row` wins) and reports the other. `beforeLookup` writes rows the caller holds back.
        mutating func admit(_ row: IndexRow, _ db: Database, _ report: inout IndexReport, beforeLookup: () throws -> Void) throws -> Bool {
            var hasher = Hasher()
            hasher.combine(row.kind)
            hasher.combine(row.id)
            guard !hashes.insert(hasher.finalize()).inserted else { return true }
            try beforeLookup()
            if !lookupIndex {
                try db.execute(sql: "CREATE INDEX rebuild_kind_id ON item(kind, id)")
                lookupIndex = true
            }
            guard
                let other = try Row.fetchOne(
                    db, sql: "SELECT rowid, path FROM item WHERE kind = ? AND id = ?",
                    arguments: [row.kind.rawValue, row.id])
            else { return true }
            let otherPath: String = other["path"]
            guard LibraryStore.keeps(row.stat.path, over: otherPath, id: row.id) else {
                report.problems.append(problem(row.kind, copy: row.stat.path, kept: otherPath))
                return false
            }
            try IndexWriter.delete(rowid: other["rowid"], db)
            report.problems.append(problem(row.kind, copy: otherPath, kept: row.stat.path))
            report.count(row.kind, -1)
            return true
        }

        func finish(_ db: Database) throws {
            if lookupIndex { try db.execute(sql: "DROP INDEX rebuild_kind_id") }
        }
    }
}
