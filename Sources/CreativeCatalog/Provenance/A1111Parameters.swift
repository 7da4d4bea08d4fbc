import Foundation

/// AUTOMATIC1111's "parameters" text (also Forge, Fooocus in its A1111 scheme, SD.Next): the
/// prompt, an optional `Negative prompt:` part, then one settings line `Steps: 20, Sampler: …`.
/// Written into PNGs by the built-in provider and by export; read back by import.
public enum A1111Parameters {
    /// The text A1111 writes. The negative part is left out when empty, as A1111 does, and so is
    /// a settings line of fewer than three pairs: A1111 would read it back as part of the prompt.
    public static func format(prompt: String, negativePrompt: String?, settings: [(String, String)]) -> String {
        var text = prompt
        if let negative = negativePrompt, !negative.isEmpty { text += "\nNegative prompt: \(negative)" }
        guard settings.count >= 3 else { return text }
        return text + "\n" + settings.map { "\($0): \(quote($1))" }.joined(separator: ", ")
    }

    /// The settings line of an asset's generation fields, in A1111's order.
    public static func settings(
        steps: Int?, sampler: String?, guidance: Double?, seed: Int?, width: Int?, height: Int?, model: String?
    ) -> [(String, String)] {
        var out: [(String, String)] = []
        if let steps { out.append(("Steps", String(steps))) }
        if let sampler { out.append(("Sampler", sampler)) }
        if let guidance { out.append(("CFG scale", formatNumber(guidance))) }
        if let seed { out.append(("Seed", String(seed))) }
        if let width, let height { out.append(("Size", "\(width)x\(height)")) }
        if let model { out.append(("Model", model)) }
        return out
    }

    /// What the text says. As A1111 reads it, a last line of three or more `key: value` pairs is
    /// the settings line (so is an earlier one with three of Steps, Sampler, CFG scale and Seed,
    /// as sd-parsers finds it); without one, the whole text is the prompt.
    public static func parse(_ text: String) -> (prompt: String, negativePrompt: String?, settings: [String: String]) {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        while lines.count > 1, lines.last?.trimmingCharacters(in: .whitespaces).isEmpty == true { lines.removeLast() }
        let index =
            lines.count > 1 && settingsPairs(lines[lines.count - 1]).count >= 3
            ? lines.count - 1
            : lines.lastIndex { line in Set(settingsPairs(line).map(\.0)).intersection(["Steps", "Sampler", "CFG scale", "Seed"]).count >= 3 }
        let settings = index.map { Dictionary(settingsPairs(lines[$0]), uniquingKeysWith: { first, _ in first }) } ?? [:]
        let head = lines[..<(index ?? lines.count)].joined(separator: "\n")
        guard let negative = head.range(of: "Negative prompt:") else {
            return (head.trimmingCharacters(in: .whitespacesAndNewlines), nil, settings)
        }
        let prompt = head[..<negative.lowerBound].trimmingCharacters(in: .whitespacesAndNewlines)
        let rest = head[negative.upperBound...].trimmingCharacters(in: .whitespacesAndNewlines)
        return (prompt, rest.isEmpty ? nil : rest, settings)
    }

    /// `key: value, key: "quoted, value", …` — A1111 JSON-quotes values holding `,` `:` or a newline.
    static func settingsPairs(_ line: String) -> [(String, String)] {
        var pairs: [(String, String)] = []
        var rest = Substring(line)
        while let colon = rest.firstIndex(of: ":") {
            let key = rest[..<colon].trimmingCharacters(in: .whitespaces)
            var value = rest[rest.index(after: colon)...].drop { $0 == " " }
            let text: String
            if value.first == "\"", let (quoted, after) = unquote(value) {
                text = quoted
                value = after
            } else {
                let end = value.firstIndex(of: ",") ?? value.endIndex
                text = value[..<end].trimmingCharacters(in: .whitespaces)
                value = value[end...]
            }
            if !key.isEmpty, !key.contains(",") { pairs.append((key, text)) }
            rest = value.drop { $0 == "," || $0 == " " }
        }
        return pairs
    }

    /// A JSON string at the start of `text` and what follows it.
    private static func unquote(_ text: Substring) -> (String, Substring)? {
        var escaped = false
        for index in text.indices.dropFirst() {
            let c = text[index]
            if escaped {
                escaped = false
            } else if c == "\\" {
                escaped = true
            } else if c == "\"" {
                let literal = text[...index]
                guard let value = JSONReader.value(Data(literal.utf8))?.stringValue else { return nil }
                return (value, text[text.index(after: index)...])
            }
        }
        return nil
    }

    /// A1111 prints the CFG scale as Python prints the number: "7" for a whole slider value, "7.5" otherwise.
    public static func formatNumber(_ value: Double) -> String {
        if value.isFinite, value == value.rounded(), abs(value) < 1e15 { return String(Int(value)) }
        return String(value)
    }

    /// A1111's `quote`: values containing ",", ":" or a newline are JSON-quoted so its parser
    /// can split the "k: v, k: v" line back apart.
    public static func quote(_ value: String) -> String {
        guard value.unicodeScalars.contains(where: { $0 == "," || $0 == ":" || $0 == "\n" }) else { return value }
        var out = "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\u{08}": out += "\\b"
            case "\u{0C}": out += "\\f"
            default:
                if scalar.value < 0x20 {
                    out += String(format: "\\u%04x", scalar.value)
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }
}
