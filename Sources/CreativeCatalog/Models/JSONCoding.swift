import Foundation

/// How every sidecar and response is encoded: sorted keys (stable bytes, so an unchanged sidecar
/// is never rewritten), pretty-printed for people, timestamps ISO-8601 UTC with milliseconds.
public enum JSONCoding {
    public static func encoder(pretty: Bool = true) -> JSONEncoder {
        let e = JSONEncoder()
        e.outputFormatting = pretty ? [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes] : [.sortedKeys, .withoutEscapingSlashes]
        e.dateEncodingStrategy = .custom { date, encoder in
            var c = encoder.singleValueContainer()
            try c.encode(Timestamp.format(date))
        }
        return e
    }

    /// Deepest nesting of arrays and objects a request may have.
    public static let maxDepth = 32

    /// Whether `data` nests arrays and objects deeper than `limit`, judged by a scan of the bytes
    /// (brackets inside strings do not count), so a hostile file is refused before it is parsed.
    public static func nestsDeeper(_ data: Data, than limit: Int) -> Bool {
        var depth = 0
        var inString = false
        var escaped = false
        for byte in data {
            if inString {
                if escaped {
                    escaped = false
                } else if byte == UInt8(ascii: "\\") {
                    escaped = true
                } else if byte == UInt8(ascii: "\"") {
                    inString = false
                }
                continue
            }
            switch byte {
            case UInt8(ascii: "\""): inString = true
            case UInt8(ascii: "["), UInt8(ascii: "{"):
                depth += 1
                if depth > limit { return true }
            case UInt8(ascii: "]"), UInt8(ascii: "}"): depth -= 1
            default: break
            }
        }
        return false
    }

    /// Decodes a sidecar: through `JSONReader` when the model reads its own fields, and with
    /// JSONDecoder (whose answer or error stands) when either declines.
    public static func sidecar<T: Sidecar>(_ type: T.Type, from data: Data) throws -> T {
        if let value = T(json: data, parameters: true) { return value }
        return try decoder().decode(T.self, from: data)
    }

    public static func decoder() -> JSONDecoder {
        let d = JSONDecoder()
        d.dateDecodingStrategy = .custom { decoder in
            let c = try decoder.singleValueContainer()
            let s = try c.decode(String.self)
            guard let date = Timestamp.parse(s) else {
                throw DecodingError.dataCorruptedError(
                    in: c, debugDescription: "expected an ISO-8601 UTC timestamp such as 2026-01-31T09:30:00.000Z")
            }
            return date
        }
        return d
    }
}

/// ISO-8601 UTC timestamps with millisecond precision: `2026-11-25T08:30:00.123Z`.
public enum Timestamp {
    private static let withFraction = Date.ISO8601FormatStyle(includingFractionalSeconds: true, timeZone: .gmt)
    private static let withoutFraction = Date.ISO8601FormatStyle(includingFractionalSeconds: false, timeZone: .gmt)

    /// Formats from whole milliseconds (rounded), so parse → format gives back the same text.
    /// Integer arithmetic, no Calendar: every asset served or written formats two of these.
    public static func format(_ date: Date) -> String {
        let ms = Int64((date.timeIntervalSince1970 * 1000).rounded())
        let days = ms >= 0 ? ms / 86_400_000 : (ms - 86_399_999) / 86_400_000
        let inDay = ms - days * 86_400_000
        // The civil date of a day number (Howard Hinnant's algorithm, the inverse of the one below).
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        let year = yoe + era * 400 + (month <= 2 ? 1 : 0)
        guard (0...9999).contains(year) else { return withFraction.format(Date(timeIntervalSince1970: Double(ms) / 1000)) }
        var bytes = [UInt8](repeating: 0, count: 24)
        func put(_ value: Int64, at offset: Int, digits: Int) {
            var v = value
            for i in stride(from: offset + digits - 1, through: offset, by: -1) {
                bytes[i] = UInt8(48 + v % 10)
                v /= 10
            }
        }
        put(year, at: 0, digits: 4); put(month, at: 5, digits: 2); put(day, at: 8, digits: 2)
        put(inDay / 3_600_000, at: 11, digits: 2); put(inDay / 60_000 % 60, at: 14, digits: 2)
        put(inDay / 1000 % 60, at: 17, digits: 2); put(inDay % 1000, at: 20, digits: 3)
        for (offset, byte) in [(4, "-"), (7, "-"), (10, "T"), (13, ":"), (16, ":"), (19, "."), (23, "Z")] as [(Int, Unicode.Scalar)] {
            bytes[offset] = UInt8(ascii: byte)
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Parses with or without fractional seconds; the result is rounded to whole milliseconds.
    public static func parse(_ string: String) -> Date? {
        if let ms = canonicalMilliseconds(string) { return Date(timeIntervalSince1970: Double(ms) / 1000) }
        guard let date = (try? withFraction.parse(string)) ?? (try? withoutFraction.parse(string)) else { return nil }
        return Date(timeIntervalSince1970: (date.timeIntervalSince1970 * 1000).rounded() / 1000)
    }

    /// Milliseconds since 1970 for the exact form this engine writes (`2026-11-25T08:30:00.123Z`),
    /// without a formatter: a rebuild parses two timestamps per sidecar, 100,000 times.
    public static func canonicalMilliseconds(_ string: String) -> Int64? {
        let utf8 = string.utf8
        guard utf8.count == 24 else { return nil }
        return utf8.withContiguousStorageIfAvailable { b -> Int64? in
            func n(_ from: Int, _ count: Int) -> Int64? {
                var v: Int64 = 0
                for i in from..<(from + count) {
                    let d = b[i] &- 48
                    guard d < 10 else { return nil }
                    v = v * 10 + Int64(d)
                }
                return v
            }
            guard b[4] == 45, b[7] == 45, b[10] == 84, b[13] == 58, b[16] == 58, b[19] == 46, b[23] == 90,
                let y = n(0, 4), let mo = n(5, 2), let d = n(8, 2), let h = n(11, 2), let mi = n(14, 2),
                let s = n(17, 2), let ms = n(20, 3), (1...12).contains(mo), (1...31).contains(d), h < 24, mi < 60, s < 61
            else { return nil }
            // Days from the civil date (Howard Hinnant's algorithm).
            let yy = mo <= 2 ? y - 1 : y
            let era = (yy >= 0 ? yy : yy - 399) / 400
            let yoe = yy - era * 400
            let doy = (153 * (mo > 2 ? mo - 3 : mo + 9) + 2) / 5 + d - 1
            let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
            let days = era * 146_097 + doe - 719_468
            return ((days * 24 + h) * 60 + mi) * 60_000 + s * 1000 + ms
        } ?? nil
    }

    /// Now, truncated to whole milliseconds so a value survives a round trip through a sidecar.
    public static func now() -> Date {
        let ms = (Date().timeIntervalSince1970 * 1000).rounded(.down)
        return Date(timeIntervalSince1970: ms / 1000)
    }
}
