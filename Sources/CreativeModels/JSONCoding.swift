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
        guard let date = (try? withFraction.parse(string)) ?? (try? withoutFraction.parse(string)) else { return nil }
        return Date(timeIntervalSince1970: (date.timeIntervalSince1970 * 1000).rounded() / 1000)
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
