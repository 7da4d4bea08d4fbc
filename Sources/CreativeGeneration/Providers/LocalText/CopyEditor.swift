import Foundation

/// Ordered, duplicate-free suggestion list.
struct EditNotes: Sendable {
    private(set) var items: [String] = []
    mutating func add(_ suggestion: String) {
        if !items.contains(suggestion) { items.append(suggestion) }
    }
}

/// The rule-based editor behind ``LocalText/improveCopy(_:goal:)``.
///
/// Rewrites are limited to changes that are safe without understanding the text (filler,
/// wordy phrases, repeats, spacing, splitting at clear joints). Anything that needs judgment,
/// such as passive voice or vague sources, becomes a suggestion instead of a rewrite.
enum CopyEditor {
    static let longSentenceLimit = 25

    static func improve(_ original: String, goal: String) -> CopyImprovement {
        let trimmedOriginal = original.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmedOriginal.isEmpty else {
            // Whitespace-only input has nothing to edit; hand it back rather than an empty string.
            return CopyImprovement(
                improved: original, suggestions: ["The text is empty; write one sentence that states your main point."],
                readabilityBefore: 0, readabilityAfter: 0)
        }
        var notes = EditNotes()
        var text = original.replacingOccurrences(of: "\r\n", with: "\n")
        text = fixSpacing(text, notes: &notes)
        text = removePhrases(CopyRules.throatClearing, from: text, notes: &notes)
        var swaps: [String] = []
        text = replaceWordy(text, swaps: &swaps)
        text = strengthenIntensifiers(text, notes: &notes)
        text = removeFillers(text, notes: &notes)
        // Fillers can hide wordy phrases ("is actually able to"), so look again once they are gone.
        text = replaceWordy(text, swaps: &swaps)
        if !swaps.isEmpty {
            notes.add("Replaced wordy phrases with shorter ones (\(listed(swaps))) to make the copy tighter.")
        }
        text = removeRepeatedWords(text, notes: &notes)
        text = fixStackedPunctuation(text, notes: &notes)
        text = fixArticles(text)
        text = tidy(text)
        text = splitLongSentences(text, notes: &notes)
        CopyFlags.flagWeasels(in: text, notes: &notes)
        CopyFlags.flagHedges(in: text, notes: &notes)
        CopyFlags.flagPassive(in: text, notes: &notes)
        text = GoalAdvisor.apply(goal: goal, to: text, original: original, notes: &notes)
        text = tidy(text)

        if text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            // Every word was filler; keeping the original beats returning nothing.
            text = trimmedOriginal
            notes = EditNotes()
            notes.add("The text is made only of filler words; replace it with a concrete statement of your point.")
        }
        if notes.items.isEmpty {
            notes.add("No major issues found; read the text aloud once to catch anything that still sounds awkward.")
        }
        return CopyImprovement(
            improved: text, suggestions: notes.items,
            readabilityBefore: Readability.fleschReadingEase(original),
            readabilityAfter: Readability.fleschReadingEase(text)
        )
    }

    // MARK: Rewrites

    private static func fixSpacing(_ text: String, notes: inout EditNotes) -> String {
        // Leading indentation is structure (markdown lists), so only count gaps between words.
        if text.range(of: "[^ \\t\\n]  +[^ \\t\\n]", options: .regularExpression) != nil {
            notes.add("Fixed doubled spaces between words so the text looks clean when published.")
        }
        return text
    }

    private static func removePhrases(_ phrases: [String], from text: String, notes: inout EditNotes) -> String {
        var result = text
        for phrase in phrases {
            let pattern = "\\b" + TextTools.escapeRegex(phrase) + "\\b,?[ \\t]*"
            let outcome = TextTools.replaceMatches(pattern, in: result) { _, _ in "" }
            if outcome.count > 0 {
                notes.add("Cut the opener “\(phrase)” because it delays the point without adding information.")
            }
            result = outcome.text
        }
        return result
    }

    private static func replaceWordy(_ text: String, swaps: inout [String]) -> String {
        var result = text
        for (phrase, replacement) in CopyRules.wordyPhrases {
            let pattern = "\\b" + TextTools.escapeRegex(phrase) + "\\b"
            let outcome = TextTools.replaceMatches(pattern, in: result) { match, source in
                TextTools.matchCase(replacement, to: source.substring(with: match.range))
            }
            let swap = "“\(phrase)” → “\(replacement)”"
            if outcome.count > 0 && !swaps.contains(swap) { swaps.append(swap) }
            result = outcome.text
        }
        return result
    }

    private static func strengthenIntensifiers(_ text: String, notes: inout EditNotes) -> String {
        var result = text
        var swaps: [String] = []
        for (phrase, replacement) in CopyRules.intensified {
            let pattern = "\\b" + TextTools.escapeRegex(phrase) + "\\b"
            let outcome = TextTools.replaceMatches(pattern, in: result) { match, source in
                TextTools.matchCase(replacement, to: source.substring(with: match.range))
            }
            if outcome.count > 0 { swaps.append("“\(phrase)” → “\(replacement)”") }
            result = outcome.text
        }
        if !swaps.isEmpty {
            notes.add("Swapped weak intensifiers for stronger single words (\(listed(swaps))).")
        }
        return result
    }

    private static func removeFillers(_ text: String, notes: inout EditNotes) -> String {
        let alternation = CopyRules.fillers.joined(separator: "|")
        // Lookarounds keep hyphenated and contracted forms ("just-in-time") intact.
        let pattern = "(?<![-'’])\\b(\(alternation))\\b(?![-'’]),?[ \\t]*"
        var removed: [String] = []
        let outcome = TextTools.replaceMatches(pattern, in: text) { match, source in
            let word = TextTools.group(match, 1, in: source).lowercased()
            if !removed.contains(word) { removed.append(word) }
            return ""
        }
        if outcome.count > 0 {
            let phrase = outcome.count == 1 ? "filler word" : "filler words"
            let verb = outcome.count == 1 ? "it adds" : "they add"
            notes.add("Removed \(outcome.count) \(phrase) (\(removed.prefix(5).joined(separator: ", "))) because \(verb) length without adding meaning.")
        }
        return outcome.text
    }

    private static func removeRepeatedWords(_ text: String, notes: inout EditNotes) -> String {
        // "had had" and "that that" can be correct English, so they are never collapsed.
        let allowed: Set<String> = ["had", "that", "is", "bye", "ha", "no"]
        let outcome = TextTools.replaceMatches("\\b(\\w+)(?:[ \\t]+\\1\\b)+", in: text) { match, source in
            let word = TextTools.group(match, 1, in: source)
            guard !allowed.contains(word.lowercased()) else { return nil }
            notes.add("Removed the accidentally repeated word “\(word.lowercased()) \(word.lowercased())”.")
            return word
        }
        return outcome.text
    }

    private static func fixStackedPunctuation(_ text: String, notes: inout EditNotes) -> String {
        let outcome = TextTools.replaceMatches("([!?])[!?]+", in: text) { match, source in
            TextTools.group(match, 1, in: source)
        }
        if outcome.count > 0 {
            notes.add("Reduced stacked punctuation such as “!!!” to a single mark, which reads as more confident.")
        }
        return outcome.text
    }

    /// Removing a word can leave "a amazing" or "an great"; fix the article to match.
    private static func fixArticles(_ text: String) -> String {
        let soundsConsonant = ["use", "usu", "uni", "uti", "eu", "one", "once", "ubiq", "ura", "uro"]
        let silentH = ["hour", "honest", "honor", "honour", "heir"]
        return TextTools.replaceMatches("\\b(a|an)([ \\t]+)([A-Za-z][\\w'-]*)", in: text, caseInsensitive: true) { match, source in
            let article = TextTools.group(match, 1, in: source)
            let gap = TextTools.group(match, 2, in: source)
            let word = TextTools.group(match, 3, in: source)
            let lower = word.lowercased()
            // Acronyms are read letter by letter ("an FAQ", "a URL"); leave them to the writer.
            if word.count > 1 && word == word.uppercased() { return nil }
            let vowelSound =
                ("aeiou".contains(lower.prefix(1)) && !soundsConsonant.contains { lower.hasPrefix($0) })
                || silentH.contains { lower.hasPrefix($0) }
            let wanted = vowelSound ? "an" : "a"
            guard wanted != article.lowercased() else { return nil }
            return TextTools.matchCase(wanted, to: article) + gap + word
        }.text
    }

    /// Collapses spaces, fixes spacing around punctuation, drops sentences emptied by removals
    /// and capitalizes sentence starts. Line breaks and indentation are kept as structure.
    static func tidy(_ text: String) -> String {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map { rawLine -> String in
            let line = String(rawLine)
            let indent = String(line.prefix { $0 == " " || $0 == "\t" })
            var body = TextTools.collapseSpaces(line)
            body =
                TextTools.replaceMatches("[ \\t]+([,.;:!?])", in: body) { match, source in
                    TextTools.group(match, 1, in: source)
                }.text
            body =
                TextTools.replaceMatches(",[ \\t]*([,.;:!?])", in: body) { match, source in
                    TextTools.group(match, 1, in: source)
                }.text
            let sentences = TextTools.sentences(in: body)
                .filter { !$0.allSatisfy { ".!?,;: ".contains($0) } }
                .map(TextTools.capitalizingFirstLetter)
            return sentences.isEmpty ? "" : indent + sentences.joined(separator: " ")
        }
        return lines.joined(separator: "\n").trimmingCharacters(in: .whitespacesAndNewlines)
    }

    private static func splitLongSentences(_ text: String, notes: inout EditNotes) -> String {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map { rawLine -> String in
            let line = String(rawLine)
            let indent = String(line.prefix { $0 == " " || $0 == "\t" })
            let sentences = TextTools.sentences(in: line).flatMap { sentence -> [String] in
                let count = TextTools.wordCount(sentence)
                guard count > longSentenceLimit else { return [sentence] }
                let opening = TextTools.words(in: sentence).prefix(6).joined(separator: " ")
                let parts = SentenceSplitter.split(sentence, limit: longSentenceLimit)
                if parts.count > 1 {
                    notes.add("Split the \(count)-word sentence starting “\(opening)…” into shorter sentences so each one carries a single idea.")
                } else {
                    notes.add("The \(count)-word sentence starting “\(opening)…” is hard to follow; break it into two sentences of under 20 words each.")
                }
                return parts
            }
            return sentences.isEmpty ? "" : indent + sentences.joined(separator: " ")
        }
        return lines.joined(separator: "\n")
    }

    private static func listed(_ items: [String]) -> String {
        let shown = items.prefix(3).joined(separator: ", ")
        return items.count > 3 ? "\(shown) and \(items.count - 3) more" : shown
    }
}
