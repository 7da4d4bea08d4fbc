import GRDB

/// Lookups by content hash and by parent. INDEXED BY: without statistics SQLite prefers the
/// (kind, userId, createdAt) index for its ORDER BY and walks every asset of the user.
extension LibraryIndex {
    /// The id of one of the user's assets whose media has this content hash, if any.
    public func assetId(withHash hash: String, userId: String) throws(CreativeError) -> String? {
        try read { db in
            try String.fetchOne(
                db, sql: "SELECT id FROM item INDEXED BY item_hash WHERE hash = ? AND userId = ? AND kind = 'asset' ORDER BY createdAt, id LIMIT 1",
                arguments: [hash, userId])
        }
    }

    /// For each hash one of the user's assets has, that asset's id (the oldest): one query for a
    /// whole import batch (a query per file cost more than reading the file).
    public func assetIds(withHashes hashes: [String], userId: String) throws(CreativeError) -> [String: String] {
        guard !hashes.isEmpty else { return [:] }
        return try read { db in
            var found: [String: String] = [:]
            for chunk in stride(from: 0, to: hashes.count, by: 500).map({ Array(hashes[$0..<min(hashes.count, $0 + 500)]) }) {
                let marks = Array(repeating: "?", count: chunk.count).joined(separator: ",")
                let rows = try Row.fetchAll(
                    db,
                    sql:
                        "SELECT hash, id FROM item INDEXED BY item_hash WHERE hash IN (\(marks)) AND userId = ? AND kind = 'asset' ORDER BY createdAt DESC, id DESC",
                    arguments: StatementArguments(chunk + [userId]))
                for row in rows { found[row["hash"]] = row["id"] }
            }
            return found
        }
    }

    /// The ids of the user's assets whose parentAssetId is `assetId`, oldest first.
    public func childIds(of assetId: String, userId: String) throws(CreativeError) -> [String] {
        try read { db in
            try String.fetchAll(
                db, sql: "SELECT id FROM item INDEXED BY item_parent WHERE parent = ? AND userId = ? AND kind = 'asset' ORDER BY createdAt, id",
                arguments: [assetId, userId])
        }
    }
}
