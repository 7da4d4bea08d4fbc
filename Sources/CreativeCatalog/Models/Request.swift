import Foundation

/// A request type shared by every door (CLI, REST body, inbox file). Decoding is strict: unknown
/// fields and immutable fields are refused with a sentence naming the field.
public protocol Request: Codable, Sendable {
    static var fieldNames: [String] { get }
    /// Fields that exist on the model but may not be set through this request.
    static var immutableFields: [String] { get }
}

extension Request {
    /// Decodes a request from JSON bytes, reporting the first problem as `invalid_input`.
    public static func decode(json data: Data) throws(CreativeError) -> Self {
        guard !JSONCoding.nestsDeeper(data, than: JSONCoding.maxDepth) else {
            throw CreativeError(
                .invalidInput, "The request nests lists or objects more than \(JSONCoding.maxDepth) levels deep; a request is a flat object of fields.")
        }
        guard let raw = JSONReader.value(data) else { throw CreativeError(.invalidInput, "The request is not valid JSON.") }
        guard case .object(let object) = raw else {
            throw CreativeError(.invalidInput, "The request must be a JSON object, not \(raw.schemaType).")
        }
        try checkKeys(object.keys)
        return try decodeChecked(data)
    }

    /// Decodes a request already parsed into a JSON object (query parameters, front matter).
    public static func decode(object: [String: JSONValue]) throws(CreativeError) -> Self {
        try checkKeys(object.keys)
        return try decodeChecked((try? JSONCoding.encoder(pretty: false).encode(object)) ?? Data("{}".utf8))
    }

    private static func decodeChecked(_ data: Data) throws(CreativeError) -> Self {
        do {
            return try JSONCoding.decoder().decode(Self.self, from: data)
        } catch let error as DecodingError {
            throw CreativeError(decoding: error)
        } catch {
            throw CreativeError(.invalidInput, "The request could not be read.")
        }
    }

    /// Refuses keys this request does not define.
    public static func checkKeys(_ keys: some Sequence<String>) throws(CreativeError) {
        for key in keys.sorted() where !fieldNames.contains(key) {
            if immutableFields.contains(key) {
                throw .invalid(key, "\(key) cannot be changed.")
            }
            throw .invalid(key, "Unknown field \(key); allowed fields are \(fieldNames.joined(separator: ", ")).")
        }
    }
}

extension CreativeError {
    /// A field-level sentence for a Codable decoding failure.
    public init(decoding error: DecodingError) {
        func path(_ context: DecodingError.Context, _ extra: CodingKey? = nil) -> String {
            let keys = context.codingPath + (extra.map { [$0] } ?? [])
            let text = keys.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
            return text.hasPrefix(".") ? String(text.dropFirst()) : text
        }
        switch error {
        case .typeMismatch(let type, let context):
            let field = path(context)
            self.init(.invalidInput, "\(field) must be \(Self.describe(type)).", field: field)
        case .valueNotFound(let type, let context):
            let field = path(context)
            self.init(.invalidInput, "\(field) must be \(Self.describe(type)), not null.", field: field)
        case .keyNotFound(let key, let context):
            let field = path(context, key)
            self.init(.invalidInput, "\(field) is required.", field: field)
        case .dataCorrupted(let context):
            let field = path(context)
            let detail = context.debugDescription
            if field.isEmpty {
                self.init(.invalidInput, "The JSON could not be read: \(detail).")
            } else if let allowed = Self.allowedValues(in: detail) {
                self.init(.invalidInput, "\(field) must be one of \(allowed).", field: field)
            } else {
                self.init(.invalidInput, "\(field) is invalid: \(detail).", field: field)
            }
        @unknown default:
            self.init(.invalidInput, "The request could not be read.")
        }
    }

    /// Swift's message for a bad enum value names the type; turn it into the allowed values.
    private static func allowedValues(in detail: String) -> String? {
        let enums: [(String, [String])] = [
            ("MediaType", MediaType.allCases.map(\.rawValue)),
            ("AssetStatus", AssetStatus.allCases.map(\.rawValue)),
            ("JobStatus", JobStatus.allCases.map(\.rawValue)),
            ("SortField", SortField.allCases.map(\.rawValue)),
            ("ListOrder", ListOrder.allCases.map(\.rawValue)),
        ]
        guard detail.contains("Cannot initialize") else { return nil }
        return enums.first { detail.contains($0.0) }.map { $0.1.joined(separator: ", ") }
    }

    private static func describe(_ type: Any.Type) -> String {
        switch "\(type)" {
        case "String": "a string"
        case "Int", "Int64": "an integer"
        case "Double": "a number"
        case "Bool": "true or false"
        case let t where t.hasPrefix("Array"): "an array"
        case let t where t.hasPrefix("Dictionary"): "an object"
        default: "a valid value"
        }
    }
}
