import CreativeModels
import Foundation

/// Sorting and keyset paging shared by every listing. The cursor holds the last item's sort key
/// and id, so a page never repeats or skips an item while others are added.
enum Listing {
    struct Cursor: Codable {
        var sort: SortField
        var order: ListOrder
        var key: String
        var id: String
    }

    /// A sort key as a string that orders like the value (timestamps are fixed-width ISO-8601,
    /// counts are zero-padded, names compare case-insensitively).
    static func key(_ date: Date) -> String { Timestamp.format(date) }
    static func key(_ count: Int) -> String { String(repeating: "0", count: max(0, 19 - String(count).count)) + String(count) }
    static func key(_ text: String) -> String { text.lowercased() }

    static func page<Item: Sendable & Codable>(
        _ items: [Item], sort: SortField, order: ListOrder?, limit: Int?, cursor: String?,
        key: (Item) -> String, id: (Item) -> String
    ) throws(CreativeError) -> Page<Item> {
        let limit = try Validation.limit(limit)
        let order = order ?? (sort == .title || sort == .name ? .asc : .desc)
        var keyed = items.map { (key: key($0), id: id($0), item: $0) }
        keyed.sort { a, b in order == .asc ? (a.key, a.id) < (b.key, b.id) : (a.key, a.id) > (b.key, b.id) }
        if let cursor {
            let after = try decode(cursor, sort: sort, order: order)
            keyed = keyed.filter { order == .asc ? ($0.key, $0.id) > (after.key, after.id) : ($0.key, $0.id) < (after.key, after.id) }
        }
        let pageItems = Array(keyed.prefix(limit))
        var next: String?
        if keyed.count > limit, let last = pageItems.last {
            next = encode(Cursor(sort: sort, order: order, key: last.key, id: last.id))
        }
        return Page(items: pageItems.map(\.item), nextCursor: next)
    }

    static func encode(_ cursor: Cursor) -> String {
        let data = (try? JSONEncoder().encode(cursor)) ?? Data()
        return data.base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    static func decode(_ text: String, sort: SortField, order: ListOrder) throws(CreativeError) -> Cursor {
        var b64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        b64 += String(repeating: "=", count: (4 - b64.count % 4) % 4)
        guard let data = Data(base64Encoded: b64), let cursor = try? JSONDecoder().decode(Cursor.self, from: data) else {
            throw .invalid("cursor", "cursor is not one this library handed out; start again without it.")
        }
        guard cursor.sort == sort, cursor.order == order else {
            throw .invalid("cursor", "cursor belongs to a listing with another sort; keep sort and order the same while paging.")
        }
        return cursor
    }

    /// True when every word of `text` appears in one of the fields (case-insensitive).
    static func matches(_ text: String?, in fields: [String?]) -> Bool {
        guard let text, !text.isEmpty else { return true }
        let haystack = fields.compactMap { $0?.lowercased() }.joined(separator: "\n")
        return text.lowercased().split(whereSeparator: \.isWhitespace).allSatisfy { haystack.contains($0) }
    }

    /// True when every wanted tag is among `tags` (case-insensitive).
    static func hasTags(_ wanted: [String]?, _ tags: [String]) -> Bool {
        guard let wanted, !wanted.isEmpty else { return true }
        let have = Set(tags.map { $0.lowercased() })
        return wanted.allSatisfy { have.contains($0.lowercased()) }
    }
}
