import Foundation

/// Builds idea lists by filling a topic into editorial patterns.
enum IdeaGenerator {
    /// Used when the topic is blank, chosen because it reads naturally in every pattern.
    static let fallbackTopic = "creative work"

    /// `{t}` is the topic and `{n}` a list size, so listicles do not all say "10".
    static let patterns: [String] = [
        "{n} {t} tips every beginner should know",
        "How to get started with {t} this weekend",
        "{n} myths about {t}, debunked",
        "Case study: what one year of {t} taught us",
        "The ultimate {t} checklist",
        "{t} vs. the popular alternatives: an honest comparison",
        "{t} for absolute beginners: a step-by-step guide",
        "Advanced {t}: techniques experts rarely share",
        "{n} common {t} mistakes (and how to fix them)",
        "{n} {t} trends to watch this year",
        "What nobody tells you about {t}",
        "Behind the scenes: how we approach {t}",
        "A free {t} template you can copy today",
        "{n} questions to ask before diving into {t}",
        "Is {t} worth it? An honest cost-benefit breakdown",
        "A brief history of {t}",
        "{t} on a budget: {n} ways to save",
        "The science behind {t}, explained simply",
        "{n} tools that make {t} easier",
        "Interview: an expert's take on {t}",
        "{t} FAQ: answers to the {n} most-asked questions",
        "How to measure success in {t}",
        "The {n}-minute guide to {t}",
        "Before and after: a {t} transformation story",
        "{t} in {n} steps: a simple framework",
        "Why most people get {t} wrong",
        "{n} lessons learned from failing at {t}",
        "A beginner's glossary of {t} terms",
        "{t}: DIY vs. hiring a pro",
        "How to teach {t} to someone else",
        "The future of {t}: predictions from the field",
        "{n} surprising facts about {t}",
        "How {t} has changed in the last decade",
        "A 7-day {t} challenge for your audience",
        "Quick wins: {n} {t} ideas you can try in under an hour",
        "The best {t} books, podcasts, and communities",
        "Myth vs. fact: the {t} edition",
        "The hidden costs of {t} no one talks about",
        "How to stay motivated with {t}",
        "Reader questions answered: {t} edition",
        "A {t} roadmap: from first try to confident expert",
        "{n} signs you're ready to level up your {t}",
        "The do's and don'ts of {t}",
        "How to explain {t} to a five-year-old",
        "Unpopular opinions about {t}",
        "Seasonal {t}: what to focus on each quarter",
        "A behind-the-scenes look at our {t} workflow",
        "{t} case study: from zero to first results in 30 days",
        "Checklist: is your {t} setup ready?",
        "Poll your audience: what is their biggest {t} challenge?",
        "{n} questions beginners ask about {t}",
        "{t} shortcuts that save real time",
        "A printable {t} cheat sheet",
        "The {t} starter kit: everything you need and nothing you don't",
    ]

    /// Appended to base ideas when `count` exceeds the pattern list, so large requests stay
    /// useful (a new audience or format) rather than padding with near-copies.
    static let angles: [String] = [
        "for complete beginners", "for busy professionals", "on a shoestring budget",
        "for small teams", "the advanced edition", "as a 30-day plan",
        "as a short video series", "as an email course", "as an infographic",
        "for students", "for families", "as a live Q&A",
    ]

    static let listSizes = [3, 5, 7, 9, 10, 12, 15]

    static func ideas(topic: String, count: Int) -> [String] {
        guard count > 0 else { return [] }
        let cleaned = TextTools.collapseSpaces(topic.trimmingCharacters(in: .whitespacesAndNewlines))
        let subject = cleaned.isEmpty ? fallbackTopic : cleaned
        var rng = SeededGenerator(seed: StableHash.fnv1a(subject.lowercased()))

        let bases = rng.shuffled(patterns).map { fill($0, topic: subject, rng: &rng) }
        var results: [String] = []
        var seen = Set<String>()
        func add(_ idea: String) {
            guard results.count < count, seen.insert(idea.lowercased()).inserted else { return }
            results.append(idea)
        }

        bases.forEach(add)
        // Pair each base idea with a shuffled angle so variants spread across many bases.
        let angleOrder = rng.shuffled(angles)
        var round = 0
        while results.count < count && round < angleOrder.count {
            for (offset, base) in bases.enumerated() where results.count < count {
                let angle = angleOrder[(offset + round) % angleOrder.count]
                add("\(base) — \(angle)")
            }
            round += 1
        }
        // Last resort for very large counts: numbered parts are still distinct and honest.
        var part = 2
        while results.count < count {
            add("\(bases[(part - 2) % bases.count]) (part \(part))")
            part += 1
        }
        return results
    }

    private static func fill(_ pattern: String, topic: String, rng: inout SeededGenerator) -> String {
        let size = rng.pick(listSizes, default: 10)
        let text =
            pattern
            .replacingOccurrences(of: "{n}", with: String(size))
            .replacingOccurrences(of: "{t}", with: topic)
        return TextTools.capitalizingFirstLetter(text)
    }
}
