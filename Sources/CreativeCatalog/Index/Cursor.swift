import Foundation

/// An opaque paging cursor: the last item's sort key and id (and, sorted by relevance, its
/// rowid, which breaks ties there). Keyset paging never repeats or skips an item while others
/// are added.
struct Cursor: Codable {
    var sort: String
    var order: ListOrder
    var key: JSONValue
    var id: String
    var row: Int64?

    var encoded: String {
        // Sorted keys: the same position always gives the same cursor.
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let data = (try? encoder.encode(self)) ?? Data()
        // base64url without padding, so a cursor needs no escaping in a URL or in JSON.
        return String(
            decoding: data.base64EncodedString().utf8.compactMap { byte -> UInt8? in
                switch byte {
                case UInt8(ascii: "+"): UInt8(ascii: "-")
                case UInt8(ascii: "/"): UInt8(ascii: "_")
                case UInt8(ascii: "="): nil
                default: byte
                }
            }, as: UTF8.self)
    }

    /// - Throws: `invalid_input` for a cursor this library did not hand out, or one from a
    ///   listing with another sort.
    init(decoding text: String, sort: String, order: ListOrder) throws(CreativeError) {
        var b64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        b64 += String(repeating: "=", count: (4 - b64.count % 4) % 4)
        guard let data = Data(base64Encoded: b64), let cursor = try? JSONDecoder().decode(Cursor.self, from: data),
            Validation.isValidId(cursor.id)
        else {
            throw .invalid("cursor", "cursor is not one this library handed out; start again without it.")
        }
        guard cursor.sort == sort, cursor.order == order else {
            throw .invalid("cursor", "cursor belongs to a listing with another sort; keep sort and order the same while paging.")
        }
        self = cursor
    }

    init(sort: String, order: ListOrder, key: JSONValue, id: String, row: Int64? = nil) {
        (self.sort, self.order, self.key, self.id, self.row) = (sort, order, key, id, row)
    }
}
