import GRDB

extension LibraryIndex {
    /// The id of one of the user's assets whose media has this content hash, if any.
    public func assetId(withHash hash: String, userId: String) throws(CreativeError) -> String? {
        try read { db in
            try String.fetchOne(
                db, sql: "SELECT id FROM item WHERE hash = ? AND userId = ? AND kind = 'asset' ORDER BY createdAt, id LIMIT 1",
                arguments: [hash, userId])
        }
    }

    /// The ids of the user's assets whose parentAssetId is `assetId`, oldest first.
    public func childIds(of assetId: String, userId: String) throws(CreativeError) -> [String] {
        try read { db in
            try String.fetchAll(
                db, sql: "SELECT id FROM item WHERE parent = ? AND userId = ? AND kind = 'asset' ORDER BY createdAt, id",
                arguments: [assetId, userId])
        }
    }
}
