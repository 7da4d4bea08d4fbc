/// The bounds a template's text must keep before the Mustache parser sees it, wherever the text
/// came from (the API, a hand-edited or synced template.json). The parser recurses once per
/// section level, so 20,000 nested sections overflow a thread's stack and end the process; a
/// cheap linear scan of the tags refuses that first. The scan follows the parser's own rules
/// (swift-mustache: tag names, set-delimiter tags, sections ending in their parse) so that it
/// sees every section the parser would open. Where the parser would fail, the scan stops and
/// lets the parser report the error with its line and column.
public enum TemplateBounds {
    /// The schema's limit on `prompt` and `negativePrompt`, enforced on read too.
    public static let maxCharacters = Validation.maxPrompt
    /// Section levels (`{{#a}}{{#b}}…`): far more than any prompt needs, far fewer than a stack holds.
    public static let maxDepth = 32
    /// The most a rendering may produce (UTF-8 bytes).
    public static let maxRenderedBytes = 1 << 20

    /// Checks length and section nesting.
    /// - Throws: `invalid_template` naming `field` and what is over its bound.
    public static func check(_ text: String, field: String) throws(CreativeError) {
        _ = try scan(text, field: field, repeats: 1, variableBytes: 0)
    }

    /// Checks the bounds and returns an upper bound on the bytes a rendering can produce when a
    /// section repeats at most `repeats` times and a placeholder renders at most `variableBytes`.
    /// - Throws: `invalid_template` as ``check(_:field:)``.
    static func scan(_ text: String, field: String, repeats: Int, variableBytes: Int) throws(CreativeError) -> Int {
        if text.utf8.count > maxCharacters, text.index(text.startIndex, offsetBy: maxCharacters, limitedBy: text.endIndex) != text.endIndex {
            throw CreativeError(
                .invalidTemplate,
                "\(field) has more than \(maxCharacters) characters (\(text.utf8.count) bytes); a template may have at most \(maxCharacters).",
                field: field)
        }
        var scanner = Scanner(Array(text), repeats: max(1, repeats), variableBytes: variableBytes)
        if let line = scanner.run() {
            throw CreativeError(
                .invalidTemplate, "\(field) nests sections more than \(maxDepth) deep (line \(line)); a template may nest at most \(maxDepth).",
                field: field)
        }
        return scanner.bound
    }

    /// One pass over the characters (the parser reads characters, not bytes).
    private struct Scanner {
        let chars: [Character]
        let repeats: Int
        let variableBytes: Int
        var i = 0
        var start: [Character] = ["{", "{"]
        var end: [Character] = ["}", "}"]
        /// Per open section: the delimiters outside it (a section's delimiter changes end with
        /// it, as in the parser) and the bound of its content so far.
        var frames: [(start: [Character], end: [Character], bytes: Int, repeats: Int)] = []
        var top = 0
        var bound: Int { top }

        init(_ chars: [Character], repeats: Int, variableBytes: Int) {
            (self.chars, self.repeats, self.variableBytes) = (chars, repeats, variableBytes)
        }

        static let nameChars = Set<Character>("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-_?()*")
        static let partialNameChars = nameChars.union(["/"])
        static let plainNameChars = nameChars.subtracting(["(", ")"])

        /// Scans to the end, or to where the parser would fail. - Returns: the line where the
        /// nesting went past `maxDepth`, nil when it never did.
        mutating func run() -> Int? {
            while i < chars.count {
                guard let tag = nextTag() else { return nil }
                add(tag.textBytes)
                i = tag.at + start.count
                guard i < chars.count else { return nil }
                let sigil = chars[i]
                switch sigil {
                case "#", "^", "$":
                    i += 1
                    guard readName(Self.nameChars) else { return nil }
                    guard open(repeating: sigil == "#") else { return line(tag.at) }
                case "<":
                    i += 1
                    guard readName(Self.partialNameChars) else { return nil }
                    guard open(repeating: false) else { return line(tag.at) }
                case "/":
                    i += 1
                    guard readName(Self.nameChars), !frames.isEmpty else { return nil }
                    close()
                case "!":
                    guard let after = find(end, from: i + 1) else { return nil }
                    i = after
                case "{":
                    i += 1
                    guard readName(Self.nameChars), i < chars.count, chars[i] == "}" else { return nil }
                    i += 1
                    add(variableBytes)
                case ">":
                    i += 1
                    skipWhitespace()
                    if i < chars.count, chars[i] == "*" { i += 1 }
                    guard readName(Self.partialNameChars) else { return nil }
                case "=":
                    i += 1
                    guard setDelimiters() else { return nil }
                case "%":
                    i += 1
                    guard readPragma() else { return nil }
                case "&":
                    i += 1
                    guard readName(Self.nameChars) else { return nil }
                    add(variableBytes)
                default:
                    guard readName(Self.nameChars) else { return nil }
                    add(variableBytes)
                }
            }
            return nil
        }

        /// The next start delimiter from `i`, with the text's bytes before it; nil at the end.
        func nextTag() -> (at: Int, textBytes: Int)? {
            var bytes = 0
            var j = i
            while j < chars.count {
                if chars[j] == start[0], matches(start, at: j) { return (j, bytes) }
                bytes += chars[j].utf8.count
                j += 1
            }
            return nil
        }

        func matches(_ delimiter: [Character], at j: Int) -> Bool {
            j + delimiter.count <= chars.count && chars[j..<j + delimiter.count].elementsEqual(delimiter)
        }

        /// Where a comment ends: just past `delimiter`, matched as the parser matches it (a
        /// mismatch restarts the match at the next character without looking back).
        func find(_ delimiter: [Character], from j: Int) -> Int? {
            var matched = 0
            var k = j
            while k < chars.count {
                if chars[k] == delimiter[matched] {
                    matched += 1
                    if matched == delimiter.count { return k + 1 }
                } else {
                    matched = 0
                }
                k += 1
            }
            return nil
        }

        /// `{{% CONTENT_TYPE: TEXT}}`, read as the parser reads it.
        mutating func readPragma() -> Bool {
            skipWhitespace()
            while i < chars.count, Self.plainNameChars.contains(chars[i]) { i += 1 }
            skipWhitespace()
            guard i < chars.count, chars[i] == ":" else { return false }
            i += 1
            return readName(Self.plainNameChars)
        }

        mutating func skipWhitespace() {
            while i < chars.count, chars[i].isWhitespace { i += 1 }
        }

        /// Whitespace, a name, whitespace and the end delimiter, as the parser reads a tag's name.
        mutating func readName(_ allowed: Set<Character>) -> Bool {
            skipWhitespace()
            while i < chars.count, allowed.contains(chars[i]) { i += 1 }
            skipWhitespace()
            guard matches(end, at: i) else { return false }
            i += end.count
            return true
        }

        /// `{{=<% %>=}}`: the new delimiters, read as the parser reads them.
        mutating func setDelimiters() -> Bool {
            skipWhitespace()
            let newStart = i
            while i < chars.count, !chars[i].isWhitespace { i += 1 }
            guard i < chars.count else { return false }
            let startDelimiter = Array(chars[newStart..<i])
            skipWhitespace()
            let newEnd = i
            while i < chars.count, chars[i] != "=", !chars[i].isWhitespace { i += 1 }
            guard i < chars.count else { return false }
            let endDelimiter = Array(chars[newEnd..<i])
            skipWhitespace()
            guard i < chars.count, chars[i] == "=", matches(end, at: i + 1), !startDelimiter.isEmpty, !endDelimiter.isEmpty else { return false }
            i += 1 + end.count
            (start, end) = (startDelimiter, endDelimiter)
            return true
        }

        /// Enters a section; false past `maxDepth`.
        mutating func open(repeating: Bool) -> Bool {
            guard frames.count < TemplateBounds.maxDepth else { return false }
            frames.append((start, end, top, repeating ? repeats : 1))
            top = 0
            return true
        }

        mutating func close() {
            let frame = frames.removeLast()
            // A byte for each time the section is entered: a section of nothing still costs a pass.
            let (content, overflow) = (top == Int.max ? top : top + 1).multipliedReportingOverflow(by: frame.repeats)
            (start, end) = (frame.start, frame.end)
            top = frame.bytes
            add(overflow ? Int.max : content)
        }

        /// Adds to the current bound, saturating.
        mutating func add(_ bytes: Int) {
            let (sum, overflow) = top.addingReportingOverflow(bytes)
            top = overflow ? Int.max : sum
        }

        func line(_ at: Int) -> Int {
            1 + chars[..<at].reduce(0) { $0 + ($1.isNewline ? 1 : 0) }
        }
    }
}
