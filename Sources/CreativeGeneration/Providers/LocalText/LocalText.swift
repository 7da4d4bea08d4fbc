import Foundation

/// A deterministic, offline text provider: idea lists, rule-based copy editing, markdown
/// scaffolds for every ``ContentType`` and a readability score.
///
/// Everything here is a pure function of its inputs (no clocks, no randomness, no network),
/// so the same request always produces the same text. That makes it safe as the built-in
/// fallback provider and easy to snapshot in tests.
public enum LocalText {
    /// Returns exactly `count` content ideas about `topic`, with no case-insensitive duplicates.
    ///
    /// The selection is seeded by a stable hash of the trimmed topic, so the same topic always
    /// yields the same list while different topics get different mixes of idea patterns.
    /// - Parameters:
    ///   - topic: What the ideas are about. Surrounding whitespace is ignored; an empty topic
    ///     falls back to a generic subject instead of producing broken sentences.
    ///   - count: How many ideas to return (callers validate 1...100; values below 1 yield `[]`).
    public static func ideas(topic: String, count: Int) -> [String] {
        IdeaGenerator.ideas(topic: topic, count: count)
    }

    /// Edits `original` the way a careful human editor would: removes filler and wordy phrases,
    /// fixes repeated words and spacing, splits over-long sentences, and explains remaining
    /// issues (passive voice, vague attributions, hedges) as suggestions.
    /// - Parameters:
    ///   - original: The copy to improve. Non-empty input never yields empty `improved` text.
    ///   - goal: Free-form intent such as "clearer", "shorter", "more persuasive" or
    ///     "friendlier"; it adds goal-specific suggestions and, for friendlier copy, contractions.
    public static func improveCopy(_ original: String, goal: String) -> CopyImprovement {
        CopyEditor.improve(original, goal: goal)
    }

    /// Markdown copy for a content type, using `prompt` as the topic. Deterministic.
    /// - Parameters:
    ///   - type: Which scaffold to write (blog post, social post, ad copy, email, …).
    ///   - prompt: The topic. A leading instruction such as "Write a post about" is dropped.
    ///   - tone: "friendly", "professional", "playful", "bold" (or a close synonym); anything
    ///     else uses a neutral voice. `nil` means neutral.
    ///   - length: "short", "medium" or "long"; `nil` or unknown values mean medium. Controls
    ///     how many sections, bullets, options or scenes are written.
    ///   - audience: Who the copy is for; woven into the text where it reads naturally.
    public static func content(
        type: ContentType, prompt: String, tone: String?, length: String?, audience: String?
    ) -> String {
        ContentWriter.write(type: type, prompt: prompt, tone: tone, length: length, audience: audience)
    }

    /// Flesch reading ease of `text`, clamped to 0...100 (higher is easier to read).
    ///
    /// Syllables come from an English heuristic (vowel groups with silent-e and -ed/-es rules),
    /// so scores are estimates. Text without any words scores 0.
    public static func readability(_ text: String) -> Double {
        Readability.fleschReadingEase(text)
    }
}

/// The result of ``LocalText/improveCopy(_:goal:)``.
public struct CopyImprovement: Codable, Sendable, Equatable {
    /// The edited text.
    public var improved: String
    /// One plain-English sentence per issue, naming the problem and the fix. No duplicates.
    public var suggestions: [String]
    /// Flesch reading ease of the original text (0...100).
    public var readabilityBefore: Double
    /// Flesch reading ease of the improved text (0...100).
    public var readabilityAfter: Double

    public init(improved: String, suggestions: [String], readabilityBefore: Double, readabilityAfter: Double) {
        self.improved = improved
        self.suggestions = suggestions
        self.readabilityBefore = readabilityBefore
        self.readabilityAfter = readabilityAfter
    }
}
