import Foundation

/// What an imported file says about how it was made, in the seed's fields, plus the blocks as
/// found. Generation fields come from the generator's block (A1111, Fooocus, ComfyUI, InvokeAI,
/// NovelAI); title, description and tags from XMP, IPTC or Eagle; a prompt from `NAME.txt`.
public struct ImportedMetadata: Sendable, Equatable {
    /// Whose format the metadata was in (docs/SCHEMA.md, Import): a1111, fooocus, comfyui …
    public var generator: String?
    public var prompt: String?
    public var negativePrompt: String?
    public var model: String?
    public var sampler: String?
    public var seed: Int?
    public var steps: Int?
    public var guidance: Double?
    public var title: String?
    public var description: String?
    public var tags: [String] = []
    /// The raw blocks by name (PNG text keyword, `UserComment`, `xmp`).
    public var embedded: [String: JSONValue] = [:]
    /// Sentences saying what could not be read.
    public var problems: [String] = []

    public init() {}

    /// Who made the media, when the file says so (our own export's XMP `creative:provider`).
    public var statedProvider: String?

    /// The provider an asset from this generator is credited to.
    public var provider: String? {
        if let statedProvider { return statedProvider }
        return switch generator {
        case "a1111" where hasSettings: "sdwebui"
        case "fooocus", "comfyui", "invokeai", "novelai": generator
        default: nil
        }
    }

    /// Whether sampler settings were found (a prompt alone says little about who made the media).
    var hasSettings: Bool { steps != nil || sampler != nil || seed != nil || guidance != nil }

    /// Everything the image's own blocks say.
    static func read(_ blocks: EmbeddedBlocks) -> ImportedMetadata {
        var m = ImportedMetadata()
        m.problems = blocks.problems
        var kept = 0
        for (key, value) in blocks.texts where m.embedded[key] == nil {
            kept += value.utf8.count
            guard kept <= 2 * EmbeddedBlocks.maxBlock else {
                m.problems.append("The \(key) text chunk was not kept: the file's metadata is larger than 2 MiB.")
                continue
            }
            m.embedded[key] = .string(value)
        }
        if let comment = blocks.userComment { m.embedded["UserComment"] = .string(comment) }
        if let xmp = blocks.xmp { m.embedded["xmp"] = .string(xmp) }

        if let parameters = blocks.text("parameters") {
            // Fooocus's own scheme is a JSON object; a prompt may also start with "{" (NovelAI's emphasis).
            if case .object(let fooocus)? = parameters.hasPrefix("{") ? Self.json(parameters) : nil {
                m.readFooocus(fooocus)
            } else {
                m.readA1111(parameters)
                if m.generator == "a1111", blocks.text("fooocus_scheme") != nil { m.generator = "fooocus" }
            }
        } else if let comment = blocks.userComment {
            m.readA1111(comment)
        }
        // A parameters text without settings is only a prompt: another tool's block may say more.
        var open: Bool { m.generator == nil || !m.hasSettings }
        if open, let graph = blocks.text("prompt") { m.readComfyUI(graph) }
        if open, let invoke = blocks.text("invokeai_metadata") { m.readInvokeAI(invoke) }
        if open, let comment = blocks.text("Comment"), blocks.text("Software") == "NovelAI" || comment.contains("\"uc\"") {
            m.readNovelAI(comment, source: blocks.text("Source"), description: blocks.text("Description"))
        }
        if let xmp = blocks.xmp { m.readDescriptive(XMPPacket.parse(xmp), generator: "xmp", what: "XMP packet") }
        if let iptc = blocks.iptc { m.readDescriptive(IPTCRecords.parse(iptc), generator: "iptc", what: "IPTC block") }
        return m
    }

    /// A1111's parameters text; without a settings line it is a prompt only (A1111 reads it so too).
    mutating func readA1111(_ text: String) {
        let parsed = A1111Parameters.parse(text)
        prompt = parsed.prompt.nilIfEmpty
        negativePrompt = parsed.negativePrompt
        guard prompt != nil || !parsed.settings.isEmpty else { return }
        generator = "a1111"
        let s = parsed.settings
        (steps, seed, guidance) = (s["Steps"].flatMap { Int($0) }, s["Seed"].flatMap { Int($0) }, s["CFG scale"].flatMap { Double($0) })
        sampler = s["Sampler"]
        model = s["Model"] ?? s["Model hash"]
    }

    /// Title, description and keywords from XMP or IPTC; the first block that has them wins.
    mutating func readDescriptive(_ found: XMPPacket.Found?, generator name: String, what: String) {
        guard let found else {
            problems.append("The \(what) could not be read.")
            return
        }
        statedProvider = statedProvider ?? found.provider
        model = model ?? found.model
        guard found.title != nil || found.description != nil || !found.keywords.isEmpty else { return }
        title = title ?? found.title
        description = description ?? found.description
        if tags.isEmpty { tags = found.keywords }
        if generator == nil { generator = name }
    }

    /// A JSON document from a metadata block: strict, depth-capped; nil when it is not JSON.
    static func json(_ text: String) -> JSONValue? {
        JSONReader.value(Data(text.utf8)) ?? (try? JSONCoding.decoder().decode(JSONValue.self, from: Data(text.utf8)))
    }
}

extension JSONValue {
    /// A whole number from an int, a whole double or a numeric string (Fooocus writes seeds as strings).
    var intValue: Int? {
        switch self {
        case .int(let i): i
        case .double(let d) where d == d.rounded() && abs(d) < 9e15: Int(d)
        case .string(let s): Int(s.trimmingCharacters(in: .whitespaces))
        default: nil
        }
    }

    var doubleValue: Double? {
        switch self {
        case .int(let i): Double(i)
        case .double(let d): d
        case .string(let s): Double(s.trimmingCharacters(in: .whitespaces))
        default: nil
        }
    }
}

extension ImportedMetadata {
    /// Cuts what the sidecar schema does not allow, saying so in `problems`.
    mutating func fitSchema() {
        func cut(_ value: inout String?, _ field: String, _ max: Int) {
            guard let text = value?.trimmingCharacters(in: .whitespacesAndNewlines) else { return }
            let clean = String(String.UnicodeScalarView(text.unicodeScalars.filter { $0.value >= 0x20 || "\n\t\r".unicodeScalars.contains($0) }))
            value = clean.isEmpty ? nil : String(clean.prefix(max))
            if clean.count > max { problems.append("The \(field) was \(clean.count) characters long and was cut to \(max).") }
        }
        cut(&prompt, "prompt", Validation.maxPrompt)
        cut(&negativePrompt, "negative prompt", Validation.maxPrompt)
        cut(&model, "model name", Validation.maxShortText)
        cut(&sampler, "sampler name", Validation.maxShortText)
        cut(&title, "title", Validation.maxTitle)
        cut(&description, "description", Validation.maxDescription)
        if let s = seed, s < 0 { seed = nil }
        if let s = steps, !(1...1000).contains(s) {
            problems.append("steps \(s) is outside 1–1000 and was left out.")
            steps = nil
        }
        if let g = guidance, !(g.isFinite && (0...100).contains(g)) {
            problems.append("guidance \(g) is outside 0–100 and was left out.")
            guidance = nil
        }
        let kept = tags.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }.filter { !$0.isEmpty && $0.count <= Validation.maxTagLength }
        if kept.count < tags.count { problems.append("Tags longer than \(Validation.maxTagLength) characters were left out.") }
        tags = Array(kept.prefix(Validation.maxTags))
    }

    /// The saveAsset input an imported file becomes (without a title, saveAsset takes the prompt, then the file name).
    func assetInput(_ data: Data, fileName: String) -> AssetInput {
        var input = AssetInput(media: .bytes(data, fileName: fileName))
        input.title = title
        (input.description, input.prompt, input.negativePrompt, input.model) = (description, prompt, negativePrompt, model)
        (input.seed, input.steps, input.guidance, input.sampler) = (seed, steps, guidance, sampler)
        (input.provider, input.tags) = (provider, tags.isEmpty ? nil : tags)
        var parameters: [String: JSONValue] = ["importedFrom": .string(fileName)]
        if let generator { parameters["generator"] = .string(generator) }
        if !embedded.isEmpty { parameters["embedded"] = .object(embedded) }
        if !problems.isEmpty { parameters["metadataProblems"] = .array(problems.map(JSONValue.string)) }
        input.parameters = parameters
        return input
    }
}
