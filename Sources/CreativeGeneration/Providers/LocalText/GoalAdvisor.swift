import Foundation

/// Turns the free-form `goal` into extra suggestions (and, for a friendlier voice, contractions).
/// Goals are matched by word stems so "more persuasive", "persuade" and "Persuasion" all count.
enum GoalAdvisor {
    static func apply(goal: String, to text: String, original: String, notes: inout EditNotes) -> String {
        let wanted = goal.lowercased()
        func wants(_ stems: [String]) -> Bool { stems.contains { wanted.contains($0) } }
        var result = text
        var matched = false
        let lower = text.lowercased()
        let speaksToReader = CopyRules.containsPhrase("you", in: lower) || CopyRules.containsPhrase("your", in: lower)

        if wants(["clear", "clar", "simpl", "readab", "understand", "plain"]) {
            matched = true
            adviseClarity(text, notes: &notes)
        }
        if wants(["short", "concis", "brief", "tight", "trim", "cut", "succinct"]) {
            matched = true
            let before = TextTools.wordCount(original)
            let after = TextTools.wordCount(text)
            notes.add("The edit cut the text from \(before) to \(after) words; to trim further, delete any sentence that does not support your main point.")
            notes.add("Start with the key fact instead of an introduction that restates the headline.")
        }
        if wants(["persua", "convert", "convinc", "sell", "compel", "action", "sales", "marketing"]) {
            matched = true
            notes.add("Open with the benefit to the reader (what they gain) before explaining features or background.")
            if !CopyRules.callToActionWords.contains(where: { CopyRules.containsPhrase($0, in: lower) }) {
                notes.add("End with one concrete call to action, such as “Start your free trial today”, so readers know exactly what to do next.")
            }
            if !speaksToReader {
                notes.add("Speak to the reader directly with “you” and “your” so the benefit feels personal.")
            }
            if !text.contains(where: { $0.isNumber }) {
                notes.add("Add one piece of concrete proof, such as a number, a result or a customer quote, to back up your main claim.")
            }
        }
        if wants(["friend", "warm", "casual", "conversation", "approachab", "human", "personal"]) {
            matched = true
            let contracted = contract(result)
            if contracted.count > 0 {
                notes.add("Used contractions such as “we're” and “don't” so the copy sounds like a person talking.")
            }
            result = contracted.text
            if !speaksToReader {
                notes.add("Address the reader as “you” and write the way you would speak to them in person.")
            }
            notes.add("Add a warm touch, such as a short thank-you or a friendly sign-off, so the message feels personal.")
        }
        if wants(["formal", "professional", "corporate", "business"]) {
            matched = true
            if text.contains("!") {
                notes.add("Replace exclamation marks with periods to keep a professional, measured tone.")
            }
            if text.range(of: "\\w['’](s|re|ll|ve|t|d|m)\\b", options: .regularExpression) != nil {
                notes.add("Spell out contractions (for example “do not” instead of “don't”) for a more formal register.")
            }
            notes.add("Keep claims specific and verifiable; formal readers trust figures and sources more than adjectives.")
        }
        if wants(["engag", "excit", "catchy", "fun", "punch", "hook", "interest"]) {
            matched = true
            notes.add("Open with a question or a surprising fact so the first line hooks the reader.")
            notes.add("Vary sentence length by mixing short, punchy lines with longer ones to keep the rhythm lively.")
        }
        let trimmedGoal = goal.trimmingCharacters(in: .whitespacesAndNewlines)
        if !matched && !trimmedGoal.isEmpty {
            notes.add("Reread the text with your goal (“\(trimmedGoal)”) in mind and cut anything that does not serve it.")
        }
        return result
    }

    private static func adviseClarity(_ text: String, notes: inout EditNotes) {
        notes.add("Lead with your main point in the first sentence so readers know where the text is going.")
        let words = TextTools.words(in: text)
        var longWords: [String] = []
        for word in words where Readability.syllableCount(word) >= 4 {
            let lower = word.lowercased()
            if !longWords.contains(lower) { longWords.append(lower) }
        }
        if longWords.count >= 2 {
            let examples = longWords.prefix(3).map { "“\($0)”" }.joined(separator: ", ")
            notes.add("Swap long words such as \(examples) for everyday alternatives where you can.")
        }
        let sentences = max(1, TextTools.sentenceCount(in: text))
        let average = words.count / sentences
        if average > 20 {
            notes.add("Aim for an average sentence length under 20 words; yours is currently about \(average).")
        }
    }

    private static func contract(_ text: String) -> (text: String, count: Int) {
        var result = text
        var total = 0
        for (phrase, replacement) in CopyRules.contractions {
            // A contraction cannot end a clause ("that is what it is." → "what it's." is wrong).
            let pattern = "\\b" + phrase.replacingOccurrences(of: " ", with: "[ \\t]+") + "\\b(?![ \\t]*([.,;:!?]|$))"
            let outcome = TextTools.replaceMatches(pattern, in: result) { match, source in
                TextTools.matchCase(replacement, to: source.substring(with: match.range))
            }
            result = outcome.text
            total += outcome.count
        }
        return (result, total)
    }
}
