/// The optional fields saveAsset and updateAsset share, validated the same way for both.
struct Fields {
    var category, description, prompt, negativePrompt, model, sampler, provider: String?
    var parameters: [String: JSONValue]?
    var seed, steps: Int?
    var guidance, cost: Double?
    var tags: [String]?

    init(_ i: AssetInput) {
        (category, description, prompt, negativePrompt, model, sampler, provider) =
            (i.category, i.description, i.prompt, i.negativePrompt, i.model, i.sampler, i.provider)
        (parameters, seed, steps, guidance, cost, tags) = (i.parameters, i.seed, i.steps, i.guidance, i.cost, i.tags)
    }

    init(_ u: AssetUpdates) {
        (category, description, prompt, negativePrompt, model, sampler, provider) =
            (u.category, u.description, u.prompt, u.negativePrompt, u.model, u.sampler, u.provider)
        (parameters, seed, steps, guidance, cost, tags) = (u.parameters, u.seed, u.steps, u.guidance, u.cost, u.tags)
    }
}

/// Sets each given field on the asset after validating it; an empty string clears a text field.
func apply(_ f: Fields, to asset: inout CreativeAsset) throws(CreativeError) {
    let short = Validation.maxShortText
    if f.category != nil { asset.category = try Validation.optional(f.category, field: "category", max: short) }
    if f.description != nil { asset.description = try Validation.optional(f.description, field: "description", max: Validation.maxDescription) }
    if f.prompt != nil { asset.prompt = try Validation.optional(f.prompt, field: "prompt", max: Validation.maxPrompt) }
    if f.negativePrompt != nil {
        asset.negativePrompt = try Validation.optional(f.negativePrompt, field: "negativePrompt", max: Validation.maxPrompt)
    }
    if f.model != nil { asset.model = try Validation.optional(f.model, field: "model", max: short) }
    if f.sampler != nil { asset.sampler = try Validation.optional(f.sampler, field: "sampler", max: short) }
    if f.provider != nil { asset.provider = try Validation.optional(f.provider, field: "provider", max: short) }
    if let parameters = f.parameters { asset.parameters = parameters.isEmpty ? nil : parameters }
    if let seed = f.seed { asset.seed = try Validation.nonNegative(seed, field: "seed") }
    if let steps = f.steps {
        guard (1...1000).contains(steps) else { throw .invalid("steps", "steps must be between 1 and 1000.") }
        asset.steps = steps
    }
    if let guidance = f.guidance {
        guard guidance.isFinite, (0...100).contains(guidance) else { throw .invalid("guidance", "guidance must be between 0 and 100.") }
        asset.guidance = guidance
    }
    if let cost = f.cost {
        guard cost.isFinite else { throw .invalid("cost", "cost must be a number of US dollars.") }
        asset.cost = try Validation.nonNegative(cost, field: "cost")
    }
    if let tags = f.tags { asset.tags = try Validation.tags(tags) }
}
