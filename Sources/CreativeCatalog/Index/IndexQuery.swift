import Foundation
import GRDB
import Synchronization

/// Listings and search, answered from the index.
extension LibraryIndex {
    /// A user's assets: filters, text search (FTS5), sort and keyset paging.
    /// - Throws: `invalid_input` for a bad sort, limit, cursor or search expression.
    public func listAssets(userId: String, filters f: AssetFilters) throws(CreativeError) -> Page<CreativeAsset> {
        var q = Query(kind: .asset)
        q.owned(by: userId)
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
        try q.search(f.text)
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
        _ q: Query, sort: SortField, order: ListOrder?, limit: Int?, cursor: String?, as type: T.Type
    ) throws(CreativeError) -> Page<T> {
        guard sort != .relevance || q.searching else {
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
            case .relevance: SearchRank.expression
            }
        let direction = order == .asc ? "ASC" : "DESC"
        // Relevance ties are broken by rowid, so that ranking can run on FTS5 alone (below).
        let tie = sort == .relevance ? "item_fts.rowid" : "i.id"
        var after: [Query.Filter] = []
        if let cursor {
            let last = try Cursor(decoding: cursor, sort: sort.rawValue, order: order)
            guard let position = sort == .relevance ? last.row?.databaseValue : last.id.databaseValue else {
                throw .invalid("cursor", "cursor is not one this library handed out; start again without it.")
            }
            after = [.init("(\(expression), \(tie)) \(order == .asc ? ">" : "<") (?, ?)", [last.key.databaseValue, position])]
        }
        let columns = "i.sidecar, i.path, i.size, i.mtime, i.inode, i.id"
        let sql: String
        let arguments: StatementArguments
        if q.searching {
            // A search sorts every match before the limit applies: the page's rows are chosen
            // first (SQLite would copy each match's sidecar into its sorter), then read. Ranked
            // within one owner's rowid range and nothing else, the choice is made in FTS5 alone,
            // without reading each match's row. CROSS JOIN keeps FTS5 as the outer loop otherwise:
            // SQLite may walk the user's rows and probe FTS5 for each, which measured ten times slower.
            let alone = sort == .relevance && q.owner != nil && q.filters.count == q.implied
            let inner = (alone ? [] : q.filters) + q.matching + after
            let outer = q.filters.prefix(q.implied)
            sql =
                "SELECT \(columns), p.sortKey, p.found FROM (SELECT item_fts.rowid AS found, \(expression) AS sortKey FROM "
                + (alone ? "item_fts" : "item_fts CROSS JOIN item i ON i.rowid = item_fts.rowid")
                + (sort == .relevance ? " \(SearchRank.join)" : "")
                + " WHERE \(Query.Filter.sql(inner)) ORDER BY sortKey \(direction), \(tie) \(direction) LIMIT ?)"
                + " p CROSS JOIN item i ON i.rowid = p.found WHERE \(Query.Filter.sql(outer))"
                + " ORDER BY p.sortKey \(direction), \(sort == .relevance ? "p.found" : "i.id") \(direction)"
            arguments = Query.Filter.arguments(inner) + [limit + 1] + Query.Filter.arguments(outer)
        } else {
            let filters = q.filters + after
            sql =
                "SELECT \(columns), \(expression) AS sortKey, i.rowid AS found FROM \(q.from) WHERE \(Query.Filter.sql(filters))"
                + " ORDER BY sortKey \(direction), i.id \(direction) LIMIT ?"
            arguments = Query.Filter.arguments(filters) + [limit + 1]
        }
        // The limit is bound, not spliced, so each filter combination prepares one cached statement.
        // Rows are read in place; a sidecar's bytes only for an item the memo does not hold.
        typealias Found = (value: T?, sidecar: Data?, stat: SidecarStat, sortKey: DatabaseValue, id: String, row: Int64)
        let rows: [Found]
        do {
            rows = try read(statement: true) { db in
                let cursor = try Row.fetchCursor(db.cachedStatement(sql: sql), arguments: arguments)
                var rows: [Found] = []
                rows.reserveCapacity(limit + 1)
                // Columns by position: a lookup by name lower-cases the name each time.
                while let row = try cursor.next() {
                    let stat = SidecarStat(path: row[1], size: row[2], mtime: row[3], inode: UInt64(bitPattern: row[4]))
                    let id: String = row[5]
                    let value = rows.count < limit ? memo.value(T.self, id: id, stat: stat) : nil
                    let sidecar: Data? = value == nil && rows.count < limit ? row[0] : nil
                    rows.append((value, sidecar, stat, row[6], id, row[7]))
                }
                return rows
            }
        }
        let page = rows.prefix(limit)
        var items = page.map(\.value)
        let missing = items.indices.filter { items[$0] == nil }
        for (i, value) in zip(missing, Self.decode(missing.map { page[$0].sidecar ?? Data() }, as: T.self)) {
            items[i] = value
            if let value, value.id == page[i].id { memo.insert(value, stat: page[i].stat) }
        }
        var next: String?
        if rows.count > limit, let last = page.last {
            next = Cursor(sort: sort.rawValue, order: order, key: JSONValue(last.sortKey), id: last.id, row: sort == .relevance ? last.row : nil).encoded
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

/// A listing query under construction: filters on `item i` and a text search.
struct Query {
    /// One SQL condition and the values of its placeholders.
    struct Filter {
        var sql: String
        var arguments: StatementArguments

        init(_ sql: String, _ arguments: StatementArguments = []) { (self.sql, self.arguments) = (sql, arguments) }

        static func sql(_ filters: some Collection<Filter>) -> String { filters.map(\.sql).joined(separator: " AND ") }
        static func arguments(_ filters: some Collection<Filter>) -> StatementArguments { filters.reduce([]) { $0 + $1.arguments } }
    }

    /// The columns of `item_fts` a search may name (`title:fox`).
    static let searchableColumns = ["title", "description", "prompt", "negativePrompt", "tags"]

    var kind: EntityKind
    var filters: [Filter]
    /// The user whose assets these are: a search reads only their rowid range (`Rowids`).
    var owner: String?
    /// How many leading filters (kind, owner) that range already implies.
    var implied = 1
    /// The FTS5 expression searched for.
    var text: String?
    /// An index to use when not searching: a selective filter whose index the planner would pass
    /// over for one that serves ORDER BY (children of an asset: `item_parent`).
    var index: String?

    var searching: Bool { text != nil }

    init(kind: EntityKind) {
        self.kind = kind
        filters = [Filter("i.kind = '\(kind.rawValue)'")]
    }

    /// The table a listing without a search reads.
    var from: String { index.map { "item i INDEXED BY \($0)" } ?? "item i" }

    /// The search's conditions on `item_fts`.
    var matching: [Filter] {
        guard let text else { return [] }
        return [Filter("item_fts MATCH ?", [text])] + (owner.map { [Filter("item_fts.rowid \(Rowids.userRangeSQL)", [$0, $0])] } ?? [])
    }

    mutating func `where`(_ condition: String, _ values: (any DatabaseValueConvertible)?...) {
        filters.append(Filter(condition, StatementArguments(values)))
    }

    /// Only `userId`'s items.
    mutating func owned(by userId: String) {
        self.where("i.userId = ?", userId)
        (owner, implied) = (userId, filters.count)
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
    mutating func search(_ text: String?) throws(CreativeError) {
        guard let text = text?.trimmingCharacters(in: .whitespacesAndNewlines), !text.isEmpty else { return }
        guard text.count <= 1000 else { throw .invalid("text", "text is longer than 1000 characters.") }
        let operators: Set<Substring> = ["AND", "OR", "NOT", "NEAR"]
        let plain =
            text.unicodeScalars.allSatisfy { CharacterSet.alphanumerics.contains($0) || $0 == " " || $0 == "-" || $0 == "'" }
            && !text.split(separator: " ").contains(where: operators.contains)
        // SQLite's own FTS5 parser judges the syntax (through GRDB), on the columns a search may name.
        guard plain || (try? FTS5Pattern(rawPattern: text, allowedColumns: Self.searchableColumns)) != nil else {
            throw .invalid("text", "text is not a search this engine understands: use words, \"exact phrases\", prefix*, AND, OR, NOT, column:word.")
        }
        self.text =
            plain
            ? text.split(separator: " ").map { "\"\($0.replacingOccurrences(of: "\"", with: ""))\"" }.joined(separator: " ")
            : text
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
