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
    public static func format(_ date: Date) -> String {
        let ms = Int64((date.timeIntervalSince1970 * 1000).rounded())
        let seconds = Int(ms >= 0 ? ms / 1000 : (ms - 999) / 1000)
        let c = utc.dateComponents([.year, .month, .day, .hour, .minute, .second], from: Date(timeIntervalSince1970: Double(seconds)))
        return String(format: "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", c.year ?? 0, c.month ?? 0, c.day ?? 0,
                      c.hour ?? 0, c.minute ?? 0, c.second ?? 0, Int(ms - Int64(seconds) * 1000))
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

    private static let utc: Calendar = {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = .gmt
        return calendar
    }()

    /// Now, truncated to whole milliseconds so a value survives a round trip through a sidecar.
    public static func now() -> Date {
        let ms = (Date().timeIntervalSince1970 * 1000).rounded(.down)
        return Date(timeIntervalSince1970: ms / 1000)
    }
}
