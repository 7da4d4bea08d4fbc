import CreativeCatalog
import CreativeGeneration
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
    public func generateContent(
        userId: String, type: String, prompt: String, options: GenerationRequest = GenerationRequest()
    ) async throws(CreativeError) -> GenerateResult {
        var request = options
        request.kind = .content
        request.contentType = type
        request.prompt = prompt
        return try await generation.generate(request, userId: userId, wait: true)
    }

    /// An edit of `original` toward `goal`, with the suggestions that explain it: rule-based with
    /// no `model`, else by that chat model (saved as a text asset for `userId`).
    /// - Throws: `invalid_input` for empty or oversize text; provider errors with a model.
    public func improveCopy(_ original: String, goal: String, model: String? = nil, userId: String = "local") async throws(CreativeError) -> Improvement {
        var request = GenerationRequest(kind: .improve)
        (request.original, request.goal, request.model) = (original, goal, model)
        try request.validate()
        if let model, model != "local" {
            let asset = try await savedAsset(try await generation.generate(request, userId: userId, wait: true), userId: userId)
            let improved = asset.parameters?["improved"]?.stringValue ?? ""
            let suggestions = asset.parameters?["suggestions"]?.arrayValue?.compactMap(\.stringValue) ?? []
            return Improvement(
                improved: improved, suggestions: suggestions,
                readabilityBefore: LocalText.readability(original), readabilityAfter: LocalText.readability(improved))
        }
        let result = LocalText.improveCopy(original, goal: goal)
        return Improvement(
            improved: result.improved, suggestions: result.suggestions,
            readabilityBefore: result.readabilityBefore, readabilityAfter: result.readabilityAfter)
    }

    /// Exactly `count` distinct ideas for `topic`: from the built-in generator with no `model`,
    /// else from that chat model (structured output asked for, parsed robustly, gaps filled).
    /// With `save` (or a model) the ideas are also kept as a text asset for `userId`.
    /// - Throws: `invalid_input` for an empty topic or a count outside 1–100; provider errors.
    public func generateIdeas(
        _ topic: String, count: Int, model: String? = nil, userId: String = "local", save: Bool = false
    ) async throws(CreativeError) -> Ideas {
        var request = GenerationRequest(kind: .ideas)
        (request.topic, request.count, request.model) = (topic, count, model)
        try request.validate()
        guard save || (model != nil && model != "local") else { return Ideas(ideas: LocalText.ideas(topic: topic, count: count)) }
        let asset = try await savedAsset(try await generation.generate(request, userId: userId, wait: true), userId: userId)
        return Ideas(ideas: asset.parameters?["ideas"]?.arrayValue?.compactMap(\.stringValue) ?? [])
    }

    /// The asset a waited job made, or its failure as an error.
    private func savedAsset(_ result: GenerateResult, userId: String) async throws(CreativeError) -> CreativeAsset {
        guard result.success, let id = result.assetId,
            let asset = try await AssetManager(library: generation.library).getAsset(id, userId: userId)
        else {
            throw CreativeError(.providerError, result.error ?? "The job made no asset.")
        }
        return asset
    }

    /// Renders a template with `variables` (missing ones are an error naming them), counts the
    /// use, and runs the job: an image for image templates, copy for text ones.
    public func createFromTemplate(
        userId: String, templateId: String, variables: [String: JSONValue], wait: Bool = true
    ) async throws(CreativeError) -> GenerateResult {
        var request = GenerationRequest(kind: .fromTemplate)
        (request.templateId, request.variables) = (templateId, variables)
        return try await generation.generate(request, userId: userId, wait: wait)
    }
}
