import CreativeModels
import CreativeStore
import Foundation
import GRDB

/// Row-level writes shared by rebuild, reconcile and live updates.
enum IndexWriter {
    static let insertSQL = """
        INSERT INTO item (kind, id, path, collection, userId, type, category, status, provider, model,
            isPublic, isFavorite, isDefault, usageCount, priority, titleKey, createdAt, updatedAt,
            size, mtime, inode, sidecar)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        """

    /// Inserts a row that is not in the index yet.
    static func insert(_ row: IndexRow, _ db: Database) throws {
        let statement = try db.cachedStatement(sql: insertSQL)
        statement.setUncheckedArguments([
            row.kind.rawValue, row.id, row.stat.path, row.collection, row.userId, row.type, row.category,
            row.status, row.provider, row.model, row.isPublic, row.isFavorite, row.isDefault, row.usageCount,
            row.priority, row.titleKey, row.createdAt, row.updatedAt, row.stat.size, row.stat.mtime,
            Int64(bitPattern: row.stat.inode), row.sidecar,
        ])
        try statement.execute()
        let rowid = db.lastInsertedRowID
        let tag = try db.cachedStatement(sql: "INSERT OR IGNORE INTO item_tag (tag, item) VALUES (?, ?)")
        for t in row.tags {
            tag.setUncheckedArguments([t, rowid])
            try tag.execute()
        }
        let fts = try db.cachedStatement(sql: "INSERT INTO item_fts (rowid, title, description, prompt, negativePrompt, tags, owner) VALUES (?, ?, ?, ?, ?, ?, ?)")
        fts.setUncheckedArguments(StatementArguments([rowid.databaseValue] + row.ftsValues))
        try fts.execute()
    }

    /// Replaces the entity's row (found by kind and id), or inserts it.
    static func upsert(_ row: IndexRow, _ db: Database) throws {
        try delete(kind: row.kind, id: row.id, db)
        try insert(row, db)
    }

    static func delete(kind: EntityKind, id: String, _ db: Database) throws {
        let rows = try Row.fetchAll(db, sql: "SELECT rowid, path, sidecar FROM item WHERE kind = ? AND id = ?", arguments: [kind.rawValue, id])
        for old in rows { try remove(old, kind: kind, db) }
    }

    static func delete(rowid: Int64, _ db: Database) throws {
        guard let old = try Row.fetchOne(db, sql: "SELECT rowid, kind, path, sidecar FROM item WHERE rowid = ?", arguments: [rowid]),
              let kind = EntityKind(rawValue: old["kind"])
        else { return }
        try remove(old, kind: kind, db)
    }

    /// Removes a row, its tags and its FTS entry. A contentless FTS5 table forgets a document
    /// only when given the exact values it indexed, which come from the stored sidecar.
    private static func remove(_ old: Row, kind: EntityKind, _ db: Database) throws {
        let rowid: Int64 = old["rowid"]
        let sidecar: Data = old["sidecar"]
        let stat = SidecarStat(path: old["path"], size: 0, mtime: 0, inode: 0)
        if let indexed = try? IndexRow.make(kind, sidecar: sidecar, stat: stat) {
            try db.execute(
                sql: "INSERT INTO item_fts (item_fts, rowid, title, description, prompt, negativePrompt, tags, owner) VALUES ('delete', ?, ?, ?, ?, ?, ?, ?)",
                arguments: StatementArguments([rowid.databaseValue] + indexed.ftsValues))
        }
        try db.execute(sql: "DELETE FROM item_tag WHERE item = ?", arguments: [rowid])
        try db.execute(sql: "DELETE FROM item WHERE rowid = ?", arguments: [rowid])
    }
}
