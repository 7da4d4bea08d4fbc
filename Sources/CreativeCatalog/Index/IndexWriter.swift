import Foundation
import GRDB
import GRDBSQLite

/// Binds values to a prepared statement in order, through SQLite's C API.
private final class Binder {
    private let statement: SQLiteStatement
    private let db: Database
    private var index: Int32 = 0
    /// SQLite's "copy the value now" destructor marker, which Swift cannot import as a constant.
    private static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

    init(_ statement: Statement, _ db: Database) {
        self.statement = statement.sqliteStatement
        self.db = db
        sqlite3_reset(self.statement)
        sqlite3_clear_bindings(self.statement)
    }

    func text(_ values: String?...) {
        for value in values {
            index += 1
            guard var value else {
                sqlite3_bind_null(statement, index)
                continue
            }
            // Bytes and length straight from the String: passing it as a C string copied every
            // short (inline) one to the heap, and SQLite then measured it again.
            value.withUTF8 { bytes in
                bytes.withMemoryRebound(to: CChar.self) {
                    // SQLite reads a null pointer as NULL: an empty string gets a literal's.
                    if let base = $0.baseAddress {
                        sqlite3_bind_text(statement, index, base, Int32($0.count), Self.transient)
                    } else {
                        sqlite3_bind_text(statement, index, "", 0, Self.transient)
                    }
                }
            }
        }
    }

    func int(_ values: Int64...) {
        for value in values {
            index += 1
            sqlite3_bind_int64(statement, index, value)
        }
    }

    func double(_ value: Double?) {
        index += 1
        if let value { sqlite3_bind_double(statement, index, value) } else { sqlite3_bind_null(statement, index) }
    }

    func blob(_ data: Data) {
        index += 1
        data.withUnsafeBytes { _ = sqlite3_bind_blob(statement, index, $0.baseAddress, Int32($0.count), Self.transient) }
    }

    func run() throws {
        let code = sqlite3_step(statement)
        sqlite3_reset(statement)
        guard code == SQLITE_DONE else {
            throw DatabaseError(resultCode: ResultCode(rawValue: code), message: String(cString: sqlite3_errmsg(db.sqliteConnection)))
        }
    }
}

/// Row-level writes shared by rebuild, reconcile and live updates.
enum IndexWriter {
    static let insertSQL = """
        INSERT INTO item (rowid, kind, id, path, collection, userId, type, category, status, provider, model,
            isPublic, isFavorite, isDefault, usageCount, priority, titleKey, createdAt, updatedAt,
            size, mtime, inode, sidecar, cost, parent, hash, source)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        """

    /// Inserts a row that is not in the index yet, at `rowid` or at the next one of its slot
    /// (`Rowids`). Values are bound through SQLite's C API: a rebuild inserts 100,000 rows, and
    /// GRDB's boxing of each value was 15% of it (callgrind).
    static func insert(_ row: IndexRow, _ db: Database, rowid: Int64? = nil) throws {
        let rowid = try rowid ?? Rowids.next(for: row, db)
        let item = try Binder(db.cachedStatement(sql: insertSQL), db)
        item.int(rowid)
        item.text(
            row.kind.rawValue, row.id, row.stat.path, row.collection, row.userId, row.type, row.category,
            row.status, row.provider, row.model)
        item.int(row.isPublic ? 1 : 0, row.isFavorite ? 1 : 0, row.isDefault ? 1 : 0, Int64(row.usageCount), Int64(row.priority))
        item.text(row.titleKey)
        item.int(row.createdAt, row.updatedAt, Int64(row.stat.size), row.stat.mtime, Int64(bitPattern: row.stat.inode))
        item.blob(row.sidecar)
        item.double(row.cost)
        item.text(row.parent, row.hash, row.source)
        try item.run()
        let tagSQL = "INSERT OR IGNORE INTO item_tag (tag, item) VALUES (?, ?)"
        for t in row.tags {
            let tag = try Binder(db.cachedStatement(sql: tagSQL), db)
            tag.text(t)
            tag.int(rowid)
            try tag.run()
        }
        let fts = try Binder(
            db.cachedStatement(sql: "INSERT INTO item_fts (rowid, title, description, prompt, negativePrompt, tags) VALUES (?, ?, ?, ?, ?, ?)"), db)
        fts.int(rowid)
        for value in row.text { fts.text(value) }
        try fts.run()
    }

    /// Replaces the entity's row (found by kind and id), or inserts it.
    static func upsert(_ row: IndexRow, _ db: Database) throws {
        try delete(kind: row.kind, id: row.id, db)
        try insert(row, db)
    }

    /// - Returns: the owner of the removed row, nil when there was none.
    @discardableResult
    static func delete(kind: EntityKind, id: String, _ db: Database) throws -> String? {
        let rows = try Row.fetchAll(db, sql: "SELECT rowid, path, sidecar, userId FROM item WHERE kind = ? AND id = ?", arguments: [kind.rawValue, id])
        for old in rows { try remove(old, kind: kind, db) }
        return rows.first?["userId"]
    }

    /// Deletes a row by rowid; with `ifAt`, only while the row is still that folder's (a rowid
    /// freed earlier in a pass may have been given to another folder's new row).
    /// - Returns: what was removed, nil when nothing was.
    @discardableResult
    static func delete(rowid: Int64, ifAt path: String? = nil, _ db: Database) throws -> LibraryEvent? {
        guard let old = try Row.fetchOne(db, sql: "SELECT rowid, kind, id, userId, path, sidecar FROM item WHERE rowid = ?", arguments: [rowid]),
            let kind = EntityKind(rawValue: old["kind"]), path == nil || old["path"] == path
        else { return nil }
        try remove(old, kind: kind, db)
        return LibraryEvent(kind: kind, id: old["id"], userId: old["userId"] ?? "", removed: true)
    }

    /// Removes a row, its tags and its FTS entry. A contentless FTS5 table forgets a document
    /// only when given the exact values it indexed, which come from the stored sidecar.
    private static func remove(_ old: Row, kind: EntityKind, _ db: Database) throws {
        let rowid: Int64 = old["rowid"]
        let sidecar: Data = old["sidecar"]
        let stat = SidecarStat(path: old["path"], size: 0, mtime: 0, inode: 0)
        if let indexed = try? IndexRow.make(kind, sidecar: sidecar, stat: stat) {
            try db.execute(
                sql: "INSERT INTO item_fts (item_fts, rowid, title, description, prompt, negativePrompt, tags) VALUES ('delete', ?, ?, ?, ?, ?, ?)",
                arguments: StatementArguments([rowid.databaseValue] + indexed.ftsValues))
        }
        try db.execute(sql: "DELETE FROM item_tag WHERE item = ?", arguments: [rowid])
        try db.execute(sql: "DELETE FROM item WHERE rowid = ?", arguments: [rowid])
    }
}
