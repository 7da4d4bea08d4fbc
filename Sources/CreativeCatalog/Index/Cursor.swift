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
        // The JSON a JSONEncoder with sorted keys writes, put together directly: through
        // JSONEncoder, the cursor was an eighth of a listing's time.
        var json = #"{"id":"# + Self.literal(.string(id)) + #","key":"# + Self.literal(key) + #","order":"# + Self.literal(.string(order.rawValue))
        if let row { json += #","row":"# + String(row) }
        json += #","sort":"# + Self.literal(.string(sort)) + "}"
        // base64url without padding, so a cursor needs no escaping in a URL or in JSON.
        return Data(json.utf8).base64URLEncodedString()
    }

    /// A sort key as JSON: numbers in their shortest exact form, strings escaped.
    private static func literal(_ value: JSONValue) -> String {
        switch value {
        case .int(let i): return String(i)
        case .double(let d): return d.isFinite ? "\(d)" : "null"
        case .bool(let b): return b ? "true" : "false"
        case .string(let s):
            var out = "\""
            for scalar in s.unicodeScalars {
                switch scalar {
                case "\"": out += "\\\""
                case "\\": out += "\\\\"
                case _ where scalar.value < 0x20: out += String(format: "\\u%04x", scalar.value)
                default: out.unicodeScalars.append(scalar)
                }
            }
            return out + "\""
        case .null, .array, .object: return "null"
        }
    }

    /// - Throws: `invalid_input` for a cursor this library did not hand out, or one from a
    ///   listing with another sort.
    init(decoding text: String, sort: String, order: ListOrder) throws(CreativeError) {
        guard let data = Data(base64URLEncoded: text), let cursor = try? JSONDecoder().decode(Cursor.self, from: data),
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
