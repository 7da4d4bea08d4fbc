import Foundation
import GRDB
import Synchronization

/// Listings and search, answered from the index.
extension LibraryIndex {
    /// A user's assets: filters, text search (FTS5), sort and keyset paging.
    /// - Throws: `invalid_input` for a bad sort, limit, cursor or search expression.
    public func listAssets(userId: String, filters f: AssetFilters) throws(CreativeError) -> Page<CreativeAsset> {
        var q = Query(kind: .asset)
        q.where("i.userId = ?", userId)
        if let type = f.type { q.where("i.type = ?", type.rawValue) }
        if let category = f.category { q.where("i.category = ?", category.lowercased()) }
        if let isFavorite = f.isFavorite { q.where("i.isFavorite = ?", isFavorite) }
        if let isPublic = f.isPublic { q.where("i.isPublic = ?", isPublic) }
        if let status = f.status { q.where("i.status = ?", status.rawValue) }
        if let provider = f.provider { q.where("i.provider = ?", provider) }
        if let model = f.model { q.where("i.model = ?", model) }
        if let after = f.createdAfter { q.where("i.createdAt >= ?", Self.milliseconds(after)) }
        if let before = f.createdBefore { q.where("i.createdAt < ?", Self.milliseconds(before)) }
        if let collection = f.collection?.trimmingCharacters(in: CharacterSet(charactersIn: "/")), !collection.isEmpty {
            q.where("(i.collection = ? OR substr(i.collection, 1, ?) = ?)", collection, collection.utf8.count + 1, collection + "/")
        }
        if let parent = f.parentAssetId {
            q.where("i.parent = ?", try Validation.id(parent, field: "parentAssetId"))
            q.index = "item_parent"
        }
        if let source = f.source { q.where("i.source = ?", source.rawValue) }
        q.tags(f.tags)
        try q.search(f.text, owner: userId)
        let sort = f.sort ?? (q.searching ? .relevance : .createdAt)
        guard [.createdAt, .updatedAt, .title, .relevance].contains(sort) else {
            throw .invalid("sort", "Assets sort by createdAt, updatedAt, title or relevance.")
        }
        return try pageOf(q, sort: sort, order: f.order, limit: f.limit, cursor: f.cursor, as: CreativeAsset.self)
    }

    /// The folders a user's assets are in (`assets/<collection>/…`) with how many each holds.
    /// Reads every one of the user's rows: callers keep the answer until the library changes.
    public func collections(userId: String) throws(CreativeError) -> [(name: String, count: Int)] {
        try read { db in
            try Row.fetchAll(
                db, sql: "SELECT collection, COUNT(*) AS n FROM item WHERE kind = 'asset' AND userId = ? GROUP BY collection ORDER BY collection",
                arguments: [userId]
            ).map { (name: ($0["collection"] as String?) ?? "", count: $0["n"] as Int) }
        }
    }

    /// Templates a user can see (their own, public ones, defaults).
    public func listTemplates(userId: String, filters f: TemplateFilters) throws(CreativeError) -> Page<CreativeTemplate> {
        var q = Query(kind: .template)
        if f.mine == true {
            q.where("i.userId = ?", userId)
        } else {
            q.where("(i.userId = ? OR i.isPublic = 1 OR i.isDefault = 1)", userId)
        }
        if let type = f.type { q.where("i.type = ?", type.rawValue) }
        if let category = f.category { q.where("i.category = ?", category.lowercased()) }
        if let isPublic = f.isPublic { q.where("i.isPublic = ?", isPublic) }
        if let isDefault = f.isDefault { q.where("i.isDefault = ?", isDefault) }
        q.tags(f.tags)
        try q.search(f.text)
        let sort = f.sort ?? (q.searching ? .relevance : .usageCount)
        guard [.createdAt, .updatedAt, .name, .usageCount, .relevance].contains(sort) else {
            throw .invalid("sort", "Templates sort by createdAt, updatedAt, name, usageCount or relevance.")
        }
        return try pageOf(q, sort: sort, order: f.order, limit: f.limit, cursor: f.cursor, as: CreativeTemplate.self)
    }

    static func milliseconds(_ date: Date) -> Int64 { Int64((date.timeIntervalSince1970 * 1000).rounded()) }

    /// Runs a listing query with keyset paging; rows whose sidecar no longer decodes are skipped.
    func pageOf<T: Sidecar>(
        _ query: Query, sort: SortField, order: ListOrder?, limit: Int?, cursor: String?, as type: T.Type
    ) throws(CreativeError) -> Page<T> {
        guard sort != .relevance || query.searching else {
            throw .invalid("sort", "sort=relevance needs a text search.")
        }
        let limit = try Validation.limit(limit)
        let order = order ?? ([.title, .name, .relevance].contains(sort) ? .asc : .desc)
        let expression: String =
            switch sort {
            case .createdAt: "i.createdAt"
            case .updatedAt: "i.updatedAt"
            case .title, .name: "i.titleKey"
            case .usageCount: "i.usageCount"
            case .relevance: "\(SearchRank.name)(item_fts, 10.0, 2.0, 1.0, 0.5, 5.0, 0.0)"
            }
        var q = query
        if let cursor {
            let after = try Cursor(decoding: cursor, sort: sort.rawValue, order: order)
            q.where("(\(expression), i.id) \(order == .asc ? ">" : "<") (?, ?)", after.key.databaseValue, after.id)
        }
        let direction = order == .asc ? "ASC" : "DESC"
        let filtered = "FROM \(q.from) WHERE \(q.conditions.joined(separator: " AND ")) ORDER BY sortKey \(direction), i.id \(direction) LIMIT ?"
        // A search sorts every match before the limit applies; SQLite would read each match's
        // sidecar into its sorter, so the page's rows are chosen first and their sidecars read after.
        let sql =
            q.searching
            ? "SELECT i.sidecar, i.path, i.size, i.mtime, i.inode, p.sortKey, i.id FROM (SELECT i.rowid AS found, \(expression) AS sortKey "
                + filtered + ") p CROSS JOIN item i ON i.rowid = p.found ORDER BY p.sortKey \(direction), i.id \(direction)"
            : "SELECT i.sidecar, i.path, i.size, i.mtime, i.inode, \(expression) AS sortKey, i.id " + filtered
        // The limit is bound, not spliced, so each filter combination prepares one cached statement.
        let arguments = q.arguments + [limit + 1]
        let rows: [(sidecar: Data, stat: SidecarStat, sortKey: DatabaseValue, id: String)]
        do {
            rows = try read { db in
                try Row.fetchAll(db.cachedStatement(sql: sql), arguments: arguments).map { ($0["sidecar"], Self.stat(of: $0), $0["sortKey"], $0["id"]) }
            }
        }
        let page = rows.prefix(limit)
        var items = page.map { memo.value(T.self, id: $0.id, stat: $0.stat) }
        let missing = items.indices.filter { items[$0] == nil }
        for (i, value) in zip(missing, Self.decode(missing.map { page[$0].sidecar }, as: T.self)) {
            items[i] = value
            if let value, value.id == page[i].id { memo.insert(value, stat: page[i].stat) }
        }
        var next: String?
        if rows.count > limit, let last = page.last {
            next = Cursor(sort: sort.rawValue, order: order, key: JSONValue(last.sortKey), id: last.id).encoded
        }
        return Page(items: items.compactMap { $0 }, nextCursor: next)
    }
}

extension LibraryIndex {
    /// Decodes a page of sidecars (nil for one that no longer decodes), on all cores when it is
    /// long (decoding dominates a page of 50).
    static func decode<T: Sidecar>(_ blobs: [Data], as type: T.Type) -> [T?] {
        guard blobs.count > 12 else { return blobs.map { try? JSONCoding.sidecar(T.self, from: $0) } }
        let parts = 2
        let results = Mutex<[Int: [T?]]>([:])
        DispatchQueue.concurrentPerform(iterations: parts) { part in
            let slice = stride(from: part, to: blobs.count, by: parts).map { try? JSONCoding.sidecar(T.self, from: blobs[$0]) }
            results.withLock { $0[part] = slice }
        }
        return results.withLock { all in
            (0..<blobs.count).map { i in all[i % parts]?[i / parts] ?? nil }
        }
    }
}

/// A listing query under construction: FROM, WHERE conditions and their arguments.
struct Query {
    /// The columns of `item_fts` a search may name (`title:fox`); `owner` is the engine's own.
    static let searchableColumns = ["title", "description", "prompt", "negativePrompt", "tags"]

    var kind: EntityKind
    var conditions: [String]
    var arguments = StatementArguments()
    var searching = false
    /// An index to use when not searching: a selective filter whose index the planner would pass
    /// over for one that serves ORDER BY (children of an asset: `item_parent`).
    var index: String?

    init(kind: EntityKind) {
        self.kind = kind
        conditions = ["i.kind = '\(kind.rawValue)'"]
    }

    /// CROSS JOIN keeps FTS5 as the outer loop: otherwise SQLite may walk the user's rows and
    /// probe FTS5 once per row, which measured ten times slower.
    var from: String {
        if searching { return "item_fts CROSS JOIN item i ON i.rowid = item_fts.rowid" }
        return index.map { "item i INDEXED BY \($0)" } ?? "item i"
    }

    mutating func `where`(_ condition: String, _ values: (any DatabaseValueConvertible)?...) {
        conditions.append(condition)
        arguments += StatementArguments(values)
    }

    /// Every tag must be on the item (tags are stored lower-cased).
    mutating func tags(_ tags: [String]?) {
        for tag in tags ?? [] {
            self.where("i.rowid IN (SELECT item FROM item_tag WHERE tag = ?)", tag.trimmingCharacters(in: .whitespaces).lowercased())
        }
    }

    /// FTS5 query syntax is passed through; plain words must all appear as whole words (quoted,
    /// so a stray `-` or `'` is not read as syntax). Prefixes are asked for with `*` (`light*`):
    /// matching every plain word as a prefix made `over` find the "oversaturated" in nearly every
    /// negative prompt, and such a query cost 25 ms at 100,000 assets.
    mutating func search(_ text: String?, owner: String? = nil) throws(CreativeError) {
        guard let text = text?.trimmingCharacters(in: .whitespacesAndNewlines), !text.isEmpty else { return }
        guard text.count <= 1000 else { throw .invalid("text", "text is longer than 1000 characters.") }
        let operators: Set<Substring> = ["AND", "OR", "NOT", "NEAR"]
        let plain =
            text.unicodeScalars.allSatisfy { CharacterSet.alphanumerics.contains($0) || $0 == " " || $0 == "-" || $0 == "'" }
            && !text.split(separator: " ").contains(where: operators.contains)
        let expression =
            plain
            ? text.split(separator: " ").map { "\"\($0.replacingOccurrences(of: "\"", with: ""))\"" }.joined(separator: " ")
            : text
        // SQLite's own FTS5 parser judges the syntax (through GRDB), on the columns a search may name.
        guard plain || (try? FTS5Pattern(rawPattern: text, allowedColumns: Self.searchableColumns)) != nil else {
            throw .invalid("text", "text is not a search this engine understands: use words, \"exact phrases\", prefix*, AND, OR, NOT, column:word.")
        }
        searching = true
        // Narrow to the owner inside FTS5; the join still checks userId exactly.
        let scoped = owner.map { "owner:\(IndexRow.ownerToken($0)) AND (\(expression))" } ?? expression
        self.where("item_fts MATCH ?", scoped)
    }
}

extension JSONValue {
    init(_ value: DatabaseValue) {
        switch value.storage {
        case .int64(let i): self = .int(Int(i))
        case .double(let d): self = .double(d)
        case .string(let s): self = .string(s)
        case .blob, .null: self = .null
        }
    }

    var databaseValue: DatabaseValue {
        switch self {
        case .int(let i): i.databaseValue
        case .double(let d): d.databaseValue
        case .string(let s): s.databaseValue
        case .bool(let b): b.databaseValue
        default: .null
        }
    }
}
