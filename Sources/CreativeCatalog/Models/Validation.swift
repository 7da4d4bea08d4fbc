import Foundation

/// Checks shared by every door. Each throws `invalid_input` naming the field and the fix.
public enum Validation {
    public static let maxTitle = 200
    public static let maxDescription = 5_000
    public static let maxPrompt = 10_000
    public static let maxShortText = 100
    public static let maxTags = 50
    public static let maxTagLength = 50
    /// Largest media a saveAsset accepts (bytes).
    public static let maxMediaBytes = 512 * 1024 * 1024

    /// ULIDs: 26 Crockford base-32 characters.
    public static func isValidId(_ id: String) -> Bool {
        id.utf8.count == 26 && id.utf8.allSatisfy(isIdByte)
    }

    static func isIdByte(_ byte: UInt8) -> Bool { byte < 0x80 && ulidAlphabet[Int(byte)] }

    /// Crockford's base 32, upper case: a table indexed by byte (a Set hashes each byte).
    private static let ulidAlphabet = (0..<128).map { byte in "0123456789ABCDEFGHJKMNPQRSTVWXYZ".utf8.contains(UInt8(byte)) }
    private static let userIdAlphabet = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._@-".utf8)

    /// Ids come from outside (URLs, CLI arguments, sidecars): only a strict pattern is ever used to
    /// build a path, so `../../etc` can never name a file.
    public static func id(_ id: String, field: String = "id") throws(CreativeError) -> String {
        guard isValidId(id) else {
            throw .invalid(field, "\(field) must be a 26-character id such as 01JD3YV6Q8M4T2C9X5N7B1K0PZ.")
        }
        return id
    }

    /// User ids: letters, digits and `._@-`, 1–64 characters, not starting with a dot.
    public static func userId(_ userId: String) throws(CreativeError) -> String {
        guard (1...64).contains(userId.utf8.count), userId.utf8.allSatisfy({ userIdAlphabet.contains($0) }),
            !userId.hasPrefix(".")
        else {
            throw .invalid("userId", "userId must be 1–64 letters, digits or . _ @ - and not start with a dot.")
        }
        return userId
    }

    /// A collection: a folder path under assets/ (`spring/shoot-2`), each part a plain folder name
    /// (no `.` start, no `..`, no control characters), at most 8 levels and 255 bytes.
    public static func collection(_ value: String) throws(CreativeError) -> String {
        let parts = value.split(separator: "/", omittingEmptySubsequences: true)
        guard !parts.isEmpty, parts.count <= 8, value.utf8.count <= 255,
            parts.allSatisfy({ !$0.hasPrefix(".") && !$0.unicodeScalars.contains { $0.value < 0x20 || $0 == "\\" } })
        else {
            throw .invalid(
                "collection", "collection must be a folder path under assets/ such as spring-campaign (no parts starting with a dot, at most 8 levels).")
        }
        return parts.joined(separator: "/")
    }

    /// Trims and bounds a required text field.
    public static func required(_ value: String, field: String, max: Int) throws(CreativeError) -> String {
        let trimmed = value.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else { throw .invalid(field, "\(field) must not be empty.") }
        return try bounded(trimmed, field: field, max: max)
    }

    /// Trims and bounds an optional text field; an empty string means "clear it" (nil).
    public static func optional(_ value: String?, field: String, max: Int) throws(CreativeError) -> String? {
        guard let value else { return nil }
        let trimmed = value.trimmingCharacters(in: .whitespacesAndNewlines)
        return trimmed.isEmpty ? nil : try bounded(trimmed, field: field, max: max)
    }

    private static func bounded(_ value: String, field: String, max: Int) throws(CreativeError) -> String {
        guard value.count <= max else {
            throw .invalid(field, "\(field) is \(value.count) characters long; the limit is \(max).")
        }
        guard !value.unicodeScalars.contains(where: { $0.value < 0x20 && $0 != "\n" && $0 != "\t" && $0 != "\r" }) else {
            throw .invalid(field, "\(field) contains control characters.")
        }
        return value
    }

    /// Tags: trimmed, de-duplicated case-insensitively (first spelling wins), at most 50 of at
    /// most 50 characters each.
    public static func tags(_ tags: [String], field: String = "tags") throws(CreativeError) -> [String] {
        var seen = Set<String>()
        var result: [String] = []
        for (i, raw) in tags.enumerated() {
            let tag = raw.trimmingCharacters(in: .whitespacesAndNewlines)
            guard !tag.isEmpty else { throw .invalid("\(field)[\(i)]", "Tags must not be empty.") }
            guard tag.count <= maxTagLength else {
                throw .invalid("\(field)[\(i)]", "The tag \"\(tag.prefix(20))…\" is longer than \(maxTagLength) characters.")
            }
            guard !tag.unicodeScalars.contains(where: { $0.value < 0x20 }) else {
                throw .invalid("\(field)[\(i)]", "Tags must not contain control characters.")
            }
            if seen.insert(tag.lowercased()).inserted { result.append(tag) }
        }
        guard result.count <= maxTags else {
            throw .invalid(field, "An item can have at most \(maxTags) tags; this one would have \(result.count).")
        }
        return result
    }

    public static func nonNegative<T: Comparable & Numeric>(_ value: T?, field: String) throws(CreativeError) -> T? {
        if let value, value < 0 { throw .invalid(field, "\(field) must not be negative.") }
        return value
    }

    /// Limit for listings: 1–500, default 50.
    public static func limit(_ limit: Int?) throws(CreativeError) -> Int {
        let value = limit ?? 50
        guard (1...500).contains(value) else { throw .invalid("limit", "limit must be between 1 and 500.") }
        return value
    }
}
