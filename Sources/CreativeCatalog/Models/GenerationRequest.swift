import Foundation

/// What a generation request asks for. The inbox, the REST API and the CLI share this one
/// request type; `kind` says which of the seed's functions it calls.
public enum RequestKind: String, Codable, Sendable, CaseIterable {
    /// ImageGenerator.generateImage
    case image
    /// ContentCreator.generateContent
    case content
    /// ContentCreator.improveCopy
    case improve
    /// ContentCreator.generateIdeas
    case ideas
    /// ContentCreator.createFromTemplate
    case fromTemplate = "from-template"
    /// Speech: the prompt spoken (an audio asset).
    case audio
    /// A video: scenes of the prompt or script, optional narration.
    case video
}

/// A generation request (docs/SCHEMA.md, schemas/generation-request.schema.json). Fields that do
/// not apply to `kind` are refused, so a typo never silently does nothing.
public struct GenerationRequest: Request, Equatable {
    public var kind: RequestKind?
    public var prompt: String?
    public var negativePrompt: String?
    public var model: String?
    public var provider: String?
    public var width: Int?
    public var height: Int?
    public var seed: Int?
    public var steps: Int?
    public var guidance: Double?
    public var sampler: String?
    public var quality: String?
    public var style: String?
    /// Speech: the voice, the speed (1 is normal) and the file format (mp3, opus, aac, flac, wav, pcm).
    public var voice: String?
    public var speed: Double?
    public var format: String?
    /// Speech: how to speak it (OpenAI gpt-4o-mini-tts).
    public var instructions: String?
    /// Video: total seconds, one prompt per scene, text spoken over it.
    public var seconds: Double?
    public var script: [String]?
    public var narration: String?
    /// Video: the user's image asset to start from (image-to-video).
    public var imageAssetId: String?
    /// The seed's generateContent `type`: blog-post, social-post, ad-copy, email, …
    public var contentType: String?
    public var tone: String?
    public var length: String?
    public var audience: String?
    public var language: String?
    public var original: String?
    public var goal: String?
    public var topic: String?
    public var count: Int?
    public var templateId: String?
    public var variables: [String: JSONValue]?
    public var title: String?
    public var tags: [String]?
    public var category: String?
    public var isPublic: Bool?
    public var priority: Int?

    public enum CodingKeys: String, CodingKey, CaseIterable {
        case kind, prompt, negativePrompt, model, provider, width, height, seed, steps, guidance, sampler, quality, style
        case voice, speed, format, instructions, seconds, script, narration, imageAssetId
        case contentType, tone, length, audience, language, original, goal, topic, count, templateId, variables
        case title, tags, category, isPublic, priority
    }

    public static let fieldNames = CodingKeys.allCases.map(\.rawValue)
    public static let immutableFields: [String] = []

    /// Fields each kind accepts besides the shared ones (title, tags, category, isPublic, priority, model, provider).
    public static let fieldsByKind: [RequestKind: Set<String>] = [
        .image: ["prompt", "negativePrompt", "width", "height", "seed", "steps", "guidance", "sampler", "quality", "style"],
        .content: ["prompt", "contentType", "tone", "length", "audience", "language"],
        .improve: ["original", "goal"],
        .ideas: ["topic", "count"],
        .audio: ["prompt", "voice", "speed", "format", "instructions"],
        .video: [
            "prompt", "negativePrompt", "width", "height", "seed", "seconds", "script", "narration", "voice", "imageAssetId", "templateId", "variables",
        ],
        .fromTemplate: [
            "templateId", "variables", "negativePrompt", "width", "height", "seed", "steps", "guidance", "sampler",
            "tone", "length", "audience", "language",
        ],
    ]
    public static let sharedFields: Set<String> = ["kind", "title", "tags", "category", "isPublic", "priority", "model", "provider"]

    /// Fields a request of this kind refuses (they belong to other kinds).
    public static func refusedFields(_ kind: RequestKind) -> Set<String> {
        Set(fieldNames).subtracting(sharedFields).subtracting(fieldsByKind[kind] ?? [])
    }

    public init(kind: RequestKind = .image, prompt: String? = nil) {
        self.kind = kind
        self.prompt = prompt
    }

    public var resolvedKind: RequestKind { kind ?? .image }

    /// The fields this request sets, sorted (the keys its JSON has; a test checks).
    public var setFields: [String] {
        let set: [(CodingKeys, Bool)] = [
            (.kind, kind != nil), (.prompt, prompt != nil), (.negativePrompt, negativePrompt != nil), (.model, model != nil),
            (.provider, provider != nil), (.width, width != nil), (.height, height != nil), (.seed, seed != nil), (.steps, steps != nil),
            (.guidance, guidance != nil), (.sampler, sampler != nil), (.quality, quality != nil), (.style, style != nil), (.voice, voice != nil),
            (.speed, speed != nil), (.format, format != nil), (.instructions, instructions != nil), (.seconds, seconds != nil),
            (.script, script != nil), (.narration, narration != nil), (.imageAssetId, imageAssetId != nil), (.contentType, contentType != nil),
            (.tone, tone != nil), (.length, length != nil), (.audience, audience != nil), (.language, language != nil),
            (.original, original != nil), (.goal, goal != nil), (.topic, topic != nil), (.count, count != nil),
            (.templateId, templateId != nil), (.variables, variables != nil), (.title, title != nil), (.tags, tags != nil),
            (.category, category != nil), (.isPublic, isPublic != nil), (.priority, priority != nil),
        ]
        return set.filter(\.1).map(\.0.rawValue).sorted()
    }

    /// Checks the request is complete and in range for its kind.
    /// - Throws: `invalid_input` naming the field and the fix.
    public func validate() throws(CreativeError) {
        let kind = resolvedKind
        let refused = Self.refusedFields(kind)
        for key in setFields where refused.contains(key) {
            throw .invalid(key, "\(key) does not apply to a \(kind.rawValue) request; remove it or set kind to the request you meant.")
        }
        switch kind {
        case .image:
            _ = try Validation.required(prompt ?? "", field: "prompt", max: Validation.maxPrompt)
        case .content:
            _ = try Validation.required(prompt ?? "", field: "prompt", max: Validation.maxPrompt)
            guard let contentType, Self.contentTypes.contains(contentType) else {
                throw .invalid("contentType", "contentType must be one of \(Self.contentTypes.joined(separator: ", ")).")
            }
            if let length, !["short", "medium", "long"].contains(length) {
                throw .invalid("length", "length must be short, medium or long.")
            }
        case .improve:
            _ = try Validation.required(original ?? "", field: "original", max: Validation.maxDescription * 4)
        case .ideas:
            _ = try Validation.required(topic ?? "", field: "topic", max: Validation.maxTitle)
            guard let count, (1...100).contains(count) else { throw .invalid("count", "count must be between 1 and 100.") }
        case .audio:
            _ = try Validation.required(prompt ?? "", field: "prompt", max: Validation.maxPrompt)
            if let speed, !(speed.isFinite && (0.25...4).contains(speed)) { throw .invalid("speed", "speed must be between 0.25 and 4.") }
            if let format, !Self.audioFormats.contains(format) {
                throw .invalid("format", "format must be one of \(Self.audioFormats.joined(separator: ", ")).")
            }
            _ = try Validation.optional(voice, field: "voice", max: 64)
            _ = try Validation.optional(instructions, field: "instructions", max: 1000)
            if instructions != nil, let model, model.lowercased().hasPrefix("tts-1") {
                throw .invalid("instructions", "\(model) does not take instructions; use gpt-4o-mini-tts for them.")
            }
        case .video:
            if let templateId {
                _ = try Validation.id(templateId, field: "templateId")
                _ = try Validation.optional(prompt, field: "prompt", max: Validation.maxPrompt)
            } else {
                _ = try Validation.required(prompt ?? "", field: "prompt", max: Validation.maxPrompt)
            }
            if let imageAssetId { _ = try Validation.id(imageAssetId, field: "imageAssetId") }
            if let seconds, !(seconds.isFinite && (1...120).contains(seconds)) { throw .invalid("seconds", "seconds must be between 1 and 120.") }
            if let script {
                guard (1...20).contains(script.count) else { throw .invalid("script", "script must hold 1 to 20 scenes.") }
                for scene in script { _ = try Validation.required(scene, field: "script", max: 1000) }
            }
            _ = try Validation.optional(narration, field: "narration", max: 4096)
            _ = try Validation.optional(voice, field: "voice", max: 64)
        case .fromTemplate:
            guard let templateId else { throw .invalid("templateId", "templateId is required for a from-template request.") }
            _ = try Validation.id(templateId, field: "templateId")
        }
        if let width, !(64...2048).contains(width) { throw .invalid("width", "width must be between 64 and 2048 pixels.") }
        if let height, !(64...2048).contains(height) { throw .invalid("height", "height must be between 64 and 2048 pixels.") }
        if let seed, seed < 0 { throw .invalid("seed", "seed must not be negative.") }
        if let steps, !(1...150).contains(steps) { throw .invalid("steps", "steps must be between 1 and 150.") }
        if let guidance, !(0...30).contains(guidance) { throw .invalid("guidance", "guidance must be between 0 and 30.") }
        if let priority, !(-100...100).contains(priority) { throw .invalid("priority", "priority must be between -100 and 100.") }
        if let tags { _ = try Validation.tags(tags) }
        _ = try Validation.optional(title, field: "title", max: Validation.maxTitle)
        _ = try Validation.optional(negativePrompt, field: "negativePrompt", max: Validation.maxPrompt)
    }

    /// Speech file formats (OpenAI's speech endpoint offers the same).
    public static let audioFormats = ["mp3", "opus", "aac", "flac", "wav", "pcm"]

    /// The seed's content types (ContentCreator.generateContent).
    public static let contentTypes = ["blog-post", "social-post", "ad-copy", "email", "product-description", "headline", "slogan", "script"]
}
