import CreativeLibraries
import CreativeModels
import CreativeProviders
import Foundation

/// The seed's content-creator. generateContent and createFromTemplate make text assets (content.md
/// beside asset.json) through jobs; improveCopy and generateIdeas answer directly.
public struct ContentCreator: Sendable {
    let generation: Generation

    public init(generation: Generation) {
        self.generation = generation
    }

    /// The seed's improveCopy result.
    public struct Improvement: Codable, Sendable, Equatable {
        public var improved: String
        public var suggestions: [String]
        public var readabilityBefore: Double
        public var readabilityAfter: Double
    }

    public struct Ideas: Codable, Sendable, Equatable {
        public var ideas: [String]
    }

    /// Writes copy of a type (blog-post, social-post, ad-copy, email, product-description,
    /// headline, slogan, script) and saves it as a text asset. `options` carries tone, length,
    /// audience, language, title and tags. Runs now and returns `{ success, content, assetId }`.
    public func generateContent(userId: String, type: String, prompt: String, options: GenerationRequest = GenerationRequest()) throws(CreativeError) -> GenerateResult {
        var request = options
        request.kind = .content
        request.contentType = type
        request.prompt = prompt
        return try generation.generate(request, userId: userId, wait: true)
    }

    /// A rule-based edit of `original` toward `goal`, with the suggestions that explain it.
    /// - Throws: `invalid_input` for empty or oversize text.
    public func improveCopy(_ original: String, goal: String) throws(CreativeError) -> Improvement {
        var request = GenerationRequest(kind: .improve)
        (request.original, request.goal) = (original, goal)
        try request.validate()
        let result = LocalText.improveCopy(original, goal: goal)
        return Improvement(improved: result.improved, suggestions: result.suggestions,
                           readabilityBefore: result.readabilityBefore, readabilityAfter: result.readabilityAfter)
    }

    /// Exactly `count` distinct ideas for `topic`.
    /// - Throws: `invalid_input` for an empty topic or a count outside 1–100.
    public func generateIdeas(_ topic: String, count: Int) throws(CreativeError) -> Ideas {
        var request = GenerationRequest(kind: .ideas)
        (request.topic, request.count) = (topic, count)
        try request.validate()
        return Ideas(ideas: LocalText.ideas(topic: topic, count: count))
    }

    /// Renders a template with `variables` (missing ones are an error naming them), counts the
    /// use, and runs the job: an image for image templates, copy for text ones.
    public func createFromTemplate(userId: String, templateId: String, variables: [String: JSONValue], wait: Bool = true) throws(CreativeError) -> GenerateResult {
        var request = GenerationRequest(kind: .fromTemplate)
        (request.templateId, request.variables) = (templateId, variables)
        return try generation.generate(request, userId: userId, wait: wait)
    }
}
