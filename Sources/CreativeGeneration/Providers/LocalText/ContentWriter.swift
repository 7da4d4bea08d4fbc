import Foundation

/// The parsed request shared by all writers: topic, voice, size and reader.
struct ContentStyle: Sendable {
    enum Tone: String, Sendable { case neutral, friendly, professional, playful, bold }
    enum Length: String, Sendable { case short, medium, long }

    static let fallbackTopic = "your topic"

    /// The topic as the user wrote it (minus instructions), used verbatim in body text.
    let topic: String
    /// Title-cased topic for headings.
    let title: String
    let tone: Tone
    let length: Length
    /// Trimmed audience, or `nil` when none was given.
    let audience: String?
    let seed: UInt64

    init(prompt: String, tone: String?, length: String?, audience: String?) {
        let topic = Self.extractTopic(from: prompt)
        self.topic = topic
        self.title = TextTools.titleCase(topic)
        self.tone = Self.parseTone(tone)
        self.length = Self.parseLength(length)
        let trimmedAudience = audience?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        self.audience = trimmedAudience.isEmpty ? nil : trimmedAudience
        self.seed = StableHash.fnv1a(topic.lowercased())
    }

    func amount(short: Int, medium: Int, long: Int) -> Int {
        switch length {
        case .short: short
        case .medium: medium
        case .long: long
        }
    }

    func voice(neutral: String, friendly: String, professional: String, playful: String, bold: String) -> String {
        switch tone {
        case .neutral: neutral
        case .friendly: friendly
        case .professional: professional
        case .playful: playful
        case .bold: bold
        }
    }

    /// " for <audience>" or "", so sentences read naturally with or without an audience.
    var forAudience: String { audience.map { " for \($0)" } ?? "" }
    /// Who the copy talks about, as a plural noun phrase.
    var readers: String { audience ?? "readers" }
    /// Who the copy talks to, as an object ("walks you through").
    var readerObject: String { audience ?? "you" }

    /// A generator per purpose, so adding a choice in one writer does not reshuffle another.
    func generator(_ purpose: String) -> SeededGenerator {
        SeededGenerator(seed: seed ^ StableHash.fnv1a(purpose))
    }

    /// Drops a leading instruction ("Write a blog post about …") so the topic reads as a noun.
    static func extractTopic(from prompt: String) -> String {
        var text = TextTools.collapseSpaces(prompt.replacingOccurrences(of: "\n", with: " "))
        while let last = text.last, ".!?".contains(last) { text.removeLast() }
        let lower = text.lowercased()
        let verbs = ["write", "create", "generate", "draft", "compose", "make", "please write", "give me"]
        if verbs.contains(where: { lower.hasPrefix($0 + " ") }) {
            for marker in [" about ", " on ", " for "] {
                if let range = lower.range(of: marker) {
                    let offset = lower.distance(from: lower.startIndex, to: range.upperBound)
                    let candidate = String(text.dropFirst(offset)).trimmingCharacters(in: .whitespaces)
                    if !candidate.isEmpty { return candidate }
                }
            }
        }
        // A leading possessive ("our new shoes") clashes with templates that add their own
        // ("your our new shoes"), so it is dropped; the rest of the prompt is kept verbatim.
        for possessive in ["our ", "your ", "my ", "their "] where text.lowercased().hasPrefix(possessive) {
            let rest = String(text.dropFirst(possessive.count))
            if !rest.isEmpty { text = rest }
            break
        }
        return text.isEmpty ? fallbackTopic : text
    }

    static func parseTone(_ raw: String?) -> Tone {
        let value = raw?.lowercased() ?? ""
        let stems: [(Tone, [String])] = [
            (.playful, ["play", "fun", "witty", "humor", "humour", "quirky", "cheeky", "silly"]),
            (.bold, ["bold", "confident", "urgent", "edgy", "punchy", "direct", "energetic", "inspir", "motivat"]),
            (.professional, ["professional", "formal", "corporate", "business", "authoritative", "expert", "serious"]),
            (.friendly, ["friend", "warm", "casual", "conversational", "approachable", "empath", "kind"]),
        ]
        return stems.first { $0.1.contains { value.contains($0) } }?.0 ?? .neutral
    }

    static func parseLength(_ raw: String?) -> Length {
        let value = raw?.lowercased().trimmingCharacters(in: .whitespaces) ?? ""
        if ["short", "brief", "small", "s"].contains(value) { return .short }
        if ["long", "long-form", "longform", "detailed", "large", "l"].contains(value) { return .long }
        return .medium
    }
}

/// Dispatches to the per-type writers and holds helpers they share.
enum ContentWriter {
    static func write(type: ContentType, prompt: String, tone: String?, length: String?, audience: String?) -> String {
        let style = ContentStyle(prompt: prompt, tone: tone, length: length, audience: audience)
        switch type {
        case .blogPost: return LongFormWriter.blogPost(style)
        case .email: return LongFormWriter.email(style)
        case .script: return LongFormWriter.script(style)
        case .socialPost: return ShortFormWriter.socialPost(style)
        case .adCopy: return ShortFormWriter.adCopy(style)
        case .productDescription: return ShortFormWriter.productDescription(style)
        case .headline: return ShortFormWriter.headlines(style)
        case .slogan: return ShortFormWriter.slogans(style)
        }
    }

    static let stopwords: Set<String> = [
        "a", "an", "the", "and", "or", "but", "of", "to", "in", "on", "for", "with", "at", "by",
        "from", "about", "your", "our", "my", "their", "how", "why", "what", "is", "are", "new",
        "into", "vs", "this", "that", "it", "its", "be", "we", "you",
    ]

    /// Three hashtags from the topic: the whole phrase, then its strongest single words, then
    /// generic suffixes when the topic is too short to supply three.
    static func hashtags(for style: ContentStyle) -> [String] {
        let words = TextTools.words(in: style.topic)
            .map { $0.filter { $0.isLetter || $0.isNumber } }
            .filter { !$0.isEmpty && !stopwords.contains($0.lowercased()) }
        let camel = { (parts: [String]) in parts.map { TextTools.capitalizingFirstLetter($0.lowercased()) }.joined() }
        var candidates: [String] = []
        if words.count >= 2 { candidates.append(camel(Array(words.prefix(3)))) }
        candidates += words.filter { $0.count >= 3 }.sorted { $0.count > $1.count }.map { camel([$0]) }
        let base = words.first.map { camel([$0]) } ?? "Creative"
        candidates += [base + "Tips", base + "Community", "HowTo", "Inspiration"]
        var seen = Set<String>()
        return candidates.filter { seen.insert($0.lowercased()).inserted }.prefix(3).map { "#" + $0 }
    }

    /// Table cells cannot contain pipes or line breaks.
    static func cell(_ text: String) -> String {
        text.replacingOccurrences(of: "|", with: "/").replacingOccurrences(of: "\n", with: " ")
    }
}
