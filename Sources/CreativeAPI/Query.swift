import CreativeCatalog
import Foundation
import Hummingbird

/// Query parameters read as one of the shared request types, so a listing's parameters are
/// checked exactly like its JSON body would be (unknown names refused, types enforced).
enum QueryRequest {
    static let booleans: Set<String> = ["isFavorite", "isPublic", "isDefault", "mine"]
    static let integers: Set<String> = ["limit", "count"]
    static let lists: Set<String> = ["tags"]

    static func decode<T: CreativeCatalog.Request>(_ type: T.Type, from request: Hummingbird.Request) throws(CreativeError) -> T {
        var object: [String: JSONValue] = [:]
        for (key, value) in request.uri.queryParameters {
            let name = String(key)
            let text = String(value)
            if booleans.contains(name) {
                guard let flag = Bool(text) else { throw .invalid(name, "\(name) must be true or false.") }
                object[name] = .bool(flag)
            } else if integers.contains(name) {
                guard let number = Int(text) else { throw .invalid(name, "\(name) must be a whole number.") }
                object[name] = .int(number)
            } else if lists.contains(name) {
                let items = text.split(separator: ",").map { JSONValue.string(String($0)) }
                object[name] = .array((object[name]?.arrayValue ?? []) + items)
            } else {
                object[name] = .string(text)
            }
        }
        return try T.decode(object: object)
    }
}
