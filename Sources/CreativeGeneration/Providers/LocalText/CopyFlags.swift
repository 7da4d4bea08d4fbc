import Foundation

/// Issues that need a writer's judgment, so they are reported rather than rewritten.
enum CopyFlags {
    /// More than this many instances of one issue become a single summary sentence.
    static let maxPerIssue = 3

    static func flagWeasels(in text: String, notes: inout EditNotes) {
        var found = 0
        for phrase in CopyRules.weaselPhrases where CopyRules.containsPhrase(phrase, in: text) {
            found += 1
            if found <= maxPerIssue {
                notes.add(
                    "“\(TextTools.capitalizingFirstLetter(phrase))” is a vague attribution; name the source or give a specific number so readers can trust the claim."
                )
            }
        }
        if found > maxPerIssue {
            notes.add("Several other vague attributions remain; back each claim with a named source, a number or a customer quote.")
        }
    }

    static func flagHedges(in text: String, notes: inout EditNotes) {
        let found = CopyRules.hedges.filter { CopyRules.containsPhrase($0, in: text) }
        guard !found.isEmpty else { return }
        let list = found.prefix(3).map { "“\($0 == "i think" || $0 == "i feel like" || $0 == "i believe" ? TextTools.capitalizingFirstLetter($0) : $0)”" }
        notes.add("Hedges such as \(list.joined(separator: ", ")) make the message sound unsure; state the point directly.")
    }

    /// A form of "to be", an optional adverb, then a past participle (regular "-ed" or a known
    /// irregular), optionally followed by "by <agent>" which tells us who should be the subject.
    static func flagPassive(in text: String, notes: inout EditNotes) {
        let irregular = CopyRules.irregularParticiples.joined(separator: "|")
        let pattern =
            "(?:\\b([\\w'-]+)[ \\t]+)?\\b(am|is|are|was|were|be|been|being)[ \\t]+"
            + "(?:(?:not|also|often|never|always|already|still|\\w+ly)[ \\t]+)?"
            + "(\\w+ed|\(irregular))\\b"
            + "(?:[ \\t]+by[ \\t]+((?:(?:the|a|an|our|their|his|her|my|your|its|this|that)[ \\t]+)?[\\w'-]+"
            + "(?:[ \\t]+(?!(?:of|to|in|on|and|or|but|because|for|with|who|that|which|when|as|at)\\b)[\\w'-]+)?))?"
        var instances: [(phrase: String, agent: String)] = []
        _ = TextTools.replaceMatches(pattern, in: text) { match, source in
            let participle = TextTools.group(match, 3, in: source).lowercased()
            guard !CopyRules.edExceptions.contains(participle) else { return nil }
            let phrase = source.substring(with: match.range).lowercased()
            // "It is believed" is already reported as a vague attribution; one note is enough.
            guard !CopyRules.weaselPhrases.contains(where: { phrase.contains($0) }) else { return nil }
            instances.append((source.substring(with: match.range), TextTools.group(match, 4, in: source)))
            return nil
        }
        for instance in instances.prefix(maxPerIssue) {
            if instance.agent.isEmpty {
                notes.add("“\(instance.phrase)” is passive voice; rewrite it in active voice by naming who does the action and making them the subject.")
            } else {
                notes.add("“\(instance.phrase)” is passive voice; rewrite it in active voice with “\(instance.agent)” as the subject.")
            }
        }
        if instances.count > maxPerIssue {
            notes.add("\(instances.count - maxPerIssue) more passive constructions remain; switch them to active voice where the actor matters.")
        }
    }
}

/// Splits an over-long sentence at a clear joint (semicolon or a comma before a conjunction)
/// closest to its middle. It never splits elsewhere, because a wrong split is worse than none.
enum SentenceSplitter {
    /// Joint → word that starts the second sentence (`nil` means drop the conjunction).
    static let joints: [(joint: String, lead: String?)] = [
        ("; ", nil), (", but ", "But"), (", so ", "So"), (", yet ", "Yet"), (", and ", nil),
        (", which means ", "This means"), (", because ", "That's because"), (" because ", "That's because"),
    ]

    static let minimumPartWords = 5

    static func split(_ sentence: String, limit: Int, depth: Int = 0) -> [String] {
        guard depth < 3, TextTools.wordCount(sentence) > limit, let best = bestJoint(in: sentence) else {
            return [sentence]
        }
        var first = String(sentence[..<best.range.lowerBound]).trimmingCharacters(in: .whitespaces)
        while let last = first.last, ",;:".contains(last) { first.removeLast() }
        first += "."
        let rest = String(sentence[best.range.upperBound...]).trimmingCharacters(in: .whitespaces)
        let second = best.lead.map { "\($0) \(rest)" } ?? TextTools.capitalizingFirstLetter(rest)
        return split(first, limit: limit, depth: depth + 1) + split(second, limit: limit, depth: depth + 1)
    }

    private static func bestJoint(in sentence: String) -> (range: Range<String.Index>, lead: String?)? {
        let total = TextTools.wordCount(sentence)
        var best: (range: Range<String.Index>, lead: String?, distance: Int)?
        for (joint, lead) in joints {
            var searchStart = sentence.startIndex
            while let range = sentence.range(of: joint, options: .caseInsensitive, range: searchStart..<sentence.endIndex) {
                searchStart = range.upperBound
                let before = TextTools.wordCount(String(sentence[..<range.lowerBound]))
                let after = TextTools.wordCount(String(sentence[range.upperBound...]))
                guard before >= minimumPartWords, after >= minimumPartWords else { continue }
                let distance = abs(before - total / 2)
                if best.map({ distance < $0.distance }) ?? true { best = (range, lead, distance) }
            }
        }
        return best.map { ($0.range, $0.lead) }
    }
}
