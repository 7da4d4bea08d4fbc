import Foundation

/// Flesch reading ease with an English syllable heuristic.
enum Readability {
    static func fleschReadingEase(_ text: String) -> Double {
        let words = TextTools.words(in: text)
        guard !words.isEmpty else { return 0 }
        let sentences = max(1, TextTools.sentenceCount(in: text))
        let syllables = words.reduce(0) { $0 + syllableCount($1) }
        let wordsPerSentence = Double(words.count) / Double(sentences)
        let syllablesPerWord = Double(syllables) / Double(words.count)
        let score = 206.835 - 1.015 * wordsPerSentence - 84.6 * syllablesPerWord
        return min(100, max(0, score))
    }

    /// Counts vowel groups, then corrects for the common silent endings that would otherwise
    /// inflate the count ("make", "jumped", "makes") without breaking "table" or "wanted".
    static func syllableCount(_ word: String) -> Int {
        let letters = Array(word.lowercased().filter { $0.isLetter && $0.isASCII })
        guard letters.count > 3 else { return 1 }
        var chars = letters
        let count = chars.count
        if chars[count - 1] == "e" {
            let consonantLe = chars[count - 2] == "l" && !isVowel(chars[count - 3])
            if !consonantLe { chars.removeLast() }
        } else if chars[count - 1] == "d", chars[count - 2] == "e", !"td".contains(chars[count - 3]) {
            chars.removeLast(2)
        } else if chars[count - 1] == "s", chars[count - 2] == "e", !"sxzcg".contains(chars[count - 3]),
            !(chars[count - 3] == "h" && "cs".contains(chars[max(0, count - 4)]))
        {
            chars.removeLast(2)
        }
        var groups = 0
        var previousWasVowel = false
        for (index, char) in chars.enumerated() {
            let vowel = isVowel(char) || (char == "y" && index > 0)
            if vowel && !previousWasVowel { groups += 1 }
            previousWasVowel = vowel
        }
        return max(1, groups)
    }

    private static func isVowel(_ char: Character) -> Bool {
        "aeiou".contains(char)
    }
}

/// Small text utilities shared by the editor, the idea generator and the writers.
enum TextTools {
    /// Word tokens: runs of letters, digits and apostrophes that contain a letter or digit.
    static func words(in text: String) -> [String] {
        text.split { !($0.isLetter || $0.isNumber || $0 == "'" || $0 == "’") }
            .map(String.init)
            .filter { $0.contains { $0.isLetter || $0.isNumber } }
    }

    static func wordCount(_ text: String) -> Int { words(in: text).count }

    /// Lines count as sentence boundaries too, so headings and bullets are not merged into one
    /// giant "sentence" that would wreck the score for markdown.
    static func sentenceCount(in text: String) -> Int {
        text.split(separator: "\n").reduce(0) { total, line in
            total + sentences(in: String(line)).filter { !words(in: $0).isEmpty }.count
        }
    }

    /// Splits one line into sentences, keeping terminal punctuation and closing quotes. A period
    /// only ends a sentence when whitespace (or the end) follows, so "3.5" and URLs survive.
    static func sentences(in line: String) -> [String] {
        var result: [String] = []
        var current = ""
        let chars = Array(line)
        var index = 0
        while index < chars.count {
            let char = chars[index]
            current.append(char)
            if ".!?".contains(char) {
                var next = index + 1
                while next < chars.count, ".!?\"')]”’".contains(chars[next]) {
                    current.append(chars[next])
                    next += 1
                }
                index = next
                if next >= chars.count || chars[next].isWhitespace {
                    appendTrimmed(current, to: &result)
                    current = ""
                }
                continue
            }
            index += 1
        }
        appendTrimmed(current, to: &result)
        return result
    }

    private static func appendTrimmed(_ sentence: String, to result: inout [String]) {
        let trimmed = sentence.trimmingCharacters(in: .whitespaces)
        if !trimmed.isEmpty { result.append(trimmed) }
    }

    /// Uppercases the first letter, but leaves words such as "iPhone" or "eBay" alone because
    /// their casing is deliberate.
    static func capitalizingFirstLetter(_ text: String) -> String {
        // A sentence that opens with a number ("9 surprising facts") keeps the next word as is.
        guard let index = text.firstIndex(where: { $0.isLetter || $0.isNumber }), text[index].isLetter else { return text }
        let wordEnd = text[index...].firstIndex(where: { !$0.isLetter }) ?? text.endIndex
        if text[index..<wordEnd].contains(where: { $0.isUppercase }) { return text }
        return text.replacingCharacters(in: index...index, with: text[index].uppercased())
    }

    /// Gives `replacement` the capitalization of `matched` (first letter only).
    static func matchCase(_ replacement: String, to matched: String) -> String {
        guard let first = matched.first(where: { $0.isLetter }), first.isUppercase else { return replacement }
        return capitalizingFirstLetter(replacement)
    }

    /// Title case that keeps short joining words lowercase and respects existing capitals.
    static func titleCase(_ text: String) -> String {
        let small: Set<String> = ["a", "an", "the", "and", "or", "but", "of", "to", "in", "on", "for", "with", "at", "by", "vs."]
        return text.split(separator: " ").enumerated().map { index, word in
            let value = String(word)
            if index > 0 && small.contains(value.lowercased()) { return value.lowercased() }
            return capitalizingFirstLetter(value)
        }.joined(separator: " ")
    }

    /// Collapses runs of spaces and tabs into one space and trims the ends.
    static func collapseSpaces(_ text: String) -> String {
        text.split(whereSeparator: { $0 == " " || $0 == "\t" }).joined(separator: " ")
    }

    /// Replaces every match of `pattern`. `transform` returns the replacement, or `nil` to keep
    /// the match. Returns the new text and the number of replacements made. An invalid pattern
    /// leaves the text unchanged instead of crashing.
    static func replaceMatches(
        _ pattern: String, in text: String, caseInsensitive: Bool = true,
        _ transform: (_ match: NSTextCheckingResult, _ source: NSString) -> String?
    ) -> (text: String, count: Int) {
        let options: NSRegularExpression.Options = caseInsensitive ? [.caseInsensitive] : []
        guard let regex = try? NSRegularExpression(pattern: pattern, options: options) else { return (text, 0) }
        let source = NSString(string: text)
        let matches = regex.matches(in: text, range: NSRange(location: 0, length: source.length))
        guard !matches.isEmpty else { return (text, 0) }
        var output = ""
        var cursor = 0
        var replaced = 0
        for match in matches {
            guard let replacement = transform(match, source) else { continue }
            output += source.substring(with: NSRange(location: cursor, length: match.range.location - cursor))
            output += replacement
            cursor = match.range.location + match.range.length
            replaced += 1
        }
        output += source.substring(from: cursor)
        return (output, replaced)
    }

    /// The text of capture group `group`, or "" when the group did not participate.
    static func group(_ match: NSTextCheckingResult, _ group: Int, in source: NSString) -> String {
        guard group < match.numberOfRanges else { return "" }
        let range = match.range(at: group)
        return range.location == NSNotFound ? "" : source.substring(with: range)
    }

    static func escapeRegex(_ text: String) -> String {
        NSRegularExpression.escapedPattern(for: text)
    }
}
