import Foundation

/// A strict RFC 8259 reader from bytes to `JSONValue`, for the two hot paths that decode sidecars
/// by the hundred thousand: a rebuild's index fields and a listing's page. Foundation's
/// JSONDecoder is exact but generic (Codable's containers, an error thrown per failed `try?` in
/// `JSONValue`), and no faster JSON library is among the packages we may use (docs/DECISIONS.md).
///
/// It answers nil for anything it does not accept — invalid JSON or UTF-8, nesting deeper than
/// `JSONCoding.maxDepth`, a number out of range — and callers then decode with JSONDecoder, whose
/// answer (or error message) stands. So where both accept a document they agree (the test
/// `JSONReaderTests` checks this on random sidecars), and nothing is accepted that JSONDecoder
/// would refuse.
struct JSONReader {
    private let bytes: UnsafeRawBufferPointer
    private var at = 0

    private init(_ bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    /// The document's top-level object, or nil.
    static func object(_ data: Data) -> [String: JSONValue]? {
        data.withUnsafeBytes { raw in
            var reader = JSONReader(raw)
            guard case .object(let fields)? = reader.value(depth: 0) else { return nil }
            reader.skipSpace()
            return reader.at == raw.count ? fields : nil
        }
    }

    /// The document's value, whatever its type, or nil.
    static func value(_ data: Data) -> JSONValue? {
        data.withUnsafeBytes { raw in
            var reader = JSONReader(raw)
            guard let value = reader.value(depth: 0) else { return nil }
            reader.skipSpace()
            return reader.at == raw.count ? value : nil
        }
    }

    /// Reads the top-level object field by field: `field` gets each key with the reader at its
    /// value, and must read or skip that value (returning false to give up; it also judges
    /// repeated keys). No dictionary is built. False for invalid JSON or when `field` gave up.
    static func fields(_ data: Data, _ field: (String, inout JSONReader) -> Bool) -> Bool {
        data.withUnsafeBytes { raw in
            var reader = JSONReader(raw)
            reader.skipSpace()
            guard reader.members(field) else { return false }
            reader.skipSpace()
            return reader.at == raw.count
        }
    }

    /// Reads the object at the reader (at its `{`), handing each key to `member` with the reader
    /// at its value, which `member` must read or skip (false gives up). False for invalid JSON.
    private mutating func members(_ member: (String, inout JSONReader) -> Bool) -> Bool {
        guard at < bytes.count, bytes[at] == UInt8(ascii: "{") else { return false }
        at += 1
        skipSpace()
        if at < bytes.count && bytes[at] == UInt8(ascii: "}") {
            at += 1
            return true
        }
        while true {
            skipSpace()
            guard let key = string() else { return false }
            skipSpace()
            guard at < bytes.count, bytes[at] == UInt8(ascii: ":") else { return false }
            at += 1
            skipSpace()
            guard member(key, &self), let more = more(until: UInt8(ascii: "}")) else { return false }
            if !more { return true }
        }
    }

    /// Reads the list at the reader (at its `[`), with `element` reading each item (false gives
    /// up). False for invalid JSON.
    private mutating func elements(_ element: (inout JSONReader) -> Bool) -> Bool {
        guard at < bytes.count, bytes[at] == UInt8(ascii: "[") else { return false }
        at += 1
        skipSpace()
        if at < bytes.count && bytes[at] == UInt8(ascii: "]") {
            at += 1
            return true
        }
        while true {
            skipSpace()
            guard element(&self), let more = more(until: UInt8(ascii: "]")) else { return false }
            if !more { return true }
        }
    }

    /// After an item: true at its `,` (more follow), false at `closing` (the end); nil otherwise.
    private mutating func more(until closing: UInt8) -> Bool? {
        skipSpace()
        guard at < bytes.count else { return nil }
        at += 1
        switch bytes[at - 1] {
        case UInt8(ascii: ","): return true
        case closing: return false
        default: return nil
        }
    }

    /// The value here, read whole (for free-form fields).
    mutating func value() -> JSONValue? { value(depth: 1) }

    /// Skips the value here (checked as strictly as it would be read).
    mutating func skip() -> Bool { value(depth: 1) != nil }

    mutating func isNull() -> Bool {
        guard at < bytes.count, bytes[at] == UInt8(ascii: "n") else { return false }
        return literal("null", .null) != nil
    }

    /// A string, or nil when the value is something else (or broken).
    mutating func string() -> String? {
        guard at < bytes.count, bytes[at] == UInt8(ascii: "\"") else { return nil }
        return quoted()
    }

    /// null → .some(nil); a string → .some(it); anything else → nil.
    mutating func optionalString() -> String?? {
        if isNull() { return .some(nil) }
        return string().map { .some($0) }
    }

    mutating func bool() -> Bool? {
        guard case .bool(let b)? = value(depth: 1) else { return nil }
        return b
    }

    mutating func optionalInt() -> Int?? {
        switch value(depth: 1) {
        case .null?: return .some(nil)
        case .int(let i)?: return .some(i)
        default: return nil
        }
    }

    mutating func optionalDouble() -> Double?? {
        switch value(depth: 1) {
        case .null?: return .some(nil)
        case .int(let i)?: return .some(Double(i))
        case .double(let d)?: return .some(d)
        default: return nil
        }
    }

    mutating func strings() -> [String]? {
        var result: [String] = []
        let read = elements { r in
            guard let item = r.string() else { return false }
            result.append(item)
            return true
        }
        return read ? result : nil
    }

    mutating func date() -> Date? { string().flatMap(Timestamp.parse) }

    private mutating func skipSpace() {
        while at < bytes.count {
            switch bytes[at] {
            case 0x20, 0x0A, 0x0D, 0x09: at += 1
            default: return
            }
        }
    }

    private mutating func value(depth: Int) -> JSONValue? {
        skipSpace()
        guard at < bytes.count else { return nil }
        switch bytes[at] {
        case UInt8(ascii: "{"):
            guard depth < JSONCoding.maxDepth else { return nil }
            var fields: [String: JSONValue] = [:]
            let read = members { key, r in
                // A repeated key: JSONDecoder decides which one counts.
                guard let item = r.value(depth: depth + 1), fields.updateValue(item, forKey: key) == nil else { return false }
                return true
            }
            return read ? .object(fields) : nil
        case UInt8(ascii: "["):
            guard depth < JSONCoding.maxDepth else { return nil }
            var items: [JSONValue] = []
            let read = elements { r in
                guard let item = r.value(depth: depth + 1) else { return false }
                items.append(item)
                return true
            }
            return read ? .array(items) : nil
        case UInt8(ascii: "\""):
            return quoted().map(JSONValue.string)
        case UInt8(ascii: "t"):
            return literal("true", .bool(true))
        case UInt8(ascii: "f"):
            return literal("false", .bool(false))
        case UInt8(ascii: "n"):
            return literal("null", .null)
        default:
            return number()
        }
    }

    private mutating func literal(_ word: StaticString, _ result: JSONValue) -> JSONValue? {
        let count = word.utf8CodeUnitCount
        guard at + count <= bytes.count,
            memcmp(bytes.baseAddress! + at, word.utf8Start, count) == 0
        else { return nil }
        at += count
        return result
    }

    /// A string starting at the opening quote. Plain runs are copied as they are (validated as
    /// UTF-8); escapes are decoded, `\u` surrogate pairs joined.
    private mutating func quoted() -> String? {
        at += 1
        let start = at
        var ascii = true
        while at < bytes.count {
            let byte = bytes[at]
            if byte == UInt8(ascii: "\"") {
                let run = UnsafeRawBufferPointer(rebasing: bytes[start..<at])
                at += 1
                // ASCII needs no validation (and the generic validating initializer is slow).
                return ascii ? String(decoding: run.assumingMemoryBound(to: UInt8.self), as: UTF8.self) : String(validating: run, as: UTF8.self)
            }
            if byte == UInt8(ascii: "\\") { break }
            guard byte >= 0x20 else { return nil }
            ascii = ascii && byte < 0x80
            at += 1
        }
        var out = [UInt8](UnsafeRawBufferPointer(rebasing: bytes[start..<at]))
        while at < bytes.count {
            let byte = bytes[at]
            at += 1
            switch byte {
            case UInt8(ascii: "\""):
                return String(validating: out, as: UTF8.self)
            case UInt8(ascii: "\\"):
                guard at < bytes.count else { return nil }
                at += 1
                switch bytes[at - 1] {
                case UInt8(ascii: "\""): out.append(0x22)
                case UInt8(ascii: "\\"): out.append(0x5C)
                case UInt8(ascii: "/"): out.append(0x2F)
                case UInt8(ascii: "b"): out.append(0x08)
                case UInt8(ascii: "f"): out.append(0x0C)
                case UInt8(ascii: "n"): out.append(0x0A)
                case UInt8(ascii: "r"): out.append(0x0D)
                case UInt8(ascii: "t"): out.append(0x09)
                case UInt8(ascii: "u"):
                    guard var scalar = hex4() else { return nil }
                    if (0xD800..<0xDC00).contains(scalar) {
                        guard at + 1 < bytes.count, bytes[at] == UInt8(ascii: "\\"), bytes[at + 1] == UInt8(ascii: "u") else { return nil }
                        at += 2
                        guard let low = hex4(), (0xDC00..<0xE000).contains(low) else { return nil }
                        scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    }
                    guard let unicode = Unicode.Scalar(scalar) else { return nil }
                    out.append(contentsOf: String(Character(unicode)).utf8)
                default: return nil
                }
            default:
                guard byte >= 0x20 else { return nil }
                out.append(byte)
            }
        }
        return nil
    }

    private mutating func hex4() -> UInt32? {
        guard at + 4 <= bytes.count else { return nil }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let byte = bytes[at]
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: return nil
            }
            value = value << 4 | UInt32(digit)
            at += 1
        }
        return value
    }

    /// A number in JSON's grammar: whole numbers that fit become `.int` (as `JSONValue`'s
    /// Codable does), others `.double` through strtod.
    private mutating func number() -> JSONValue? {
        let start = at
        func digits() -> Int {
            let from = at
            while at < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[at]) { at += 1 }
            return at - from
        }
        if at < bytes.count && bytes[at] == UInt8(ascii: "-") { at += 1 }
        let intStart = at
        let intDigits = digits()
        guard intDigits > 0, !(intDigits > 1 && bytes[intStart] == UInt8(ascii: "0")) else { return nil }
        var whole = true
        if at < bytes.count && bytes[at] == UInt8(ascii: ".") {
            at += 1
            guard digits() > 0 else { return nil }
            whole = false
        }
        if at < bytes.count && (bytes[at] == UInt8(ascii: "e") || bytes[at] == UInt8(ascii: "E")) {
            at += 1
            if at < bytes.count && (bytes[at] == UInt8(ascii: "+") || bytes[at] == UInt8(ascii: "-")) { at += 1 }
            guard digits() > 0 else { return nil }
            whole = false
        }
        let text = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<at]), as: UTF8.self)
        if whole, intDigits <= 15, let int = Int(text) { return .int(int) }
        guard let double = Double(text), double.isFinite else { return nil }
        if double.rounded() == double, abs(double) < 9.0e15, let int = Int(exactly: double) { return .int(int) }
        // Beyond 2^53 a whole number keeps its digits as an Int, as JSONValue's Codable does.
        if whole, let int = Int(text) { return .int(int) }
        return .double(double)
    }
}
