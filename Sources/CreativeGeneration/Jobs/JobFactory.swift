import CreativeCatalog
import Foundation

/// Turns a request into a queued GenerationJob with every parameter decided up front (the seed
/// included), so a crash loses nothing and a rerun makes the same thing.
package enum JobFactory {
    static let defaultModel = "local"

    package static func make(
        _ request: GenerationRequest, userId: String, id: String, source: String?, library: CreativeLibrary
    ) throws(CreativeError) -> GenerationJob {
        var request = request
        var kind = request.resolvedKind
        var type: MediaType =
            switch kind {
            case .image: .image
            case .audio: .audio
            case .video: .video
            default: .text
            }
        var prompt = request.prompt ?? request.original ?? request.topic ?? ""
        var subject: String?
        if kind == .fromTemplate, let templateId = request.templateId {
            let rendered = try library.templates.render(templateId, userId: userId, variables: request.variables ?? [:])
            _ = try library.templates.useTemplate(templateId, userId: userId)
            prompt = rendered.prompt
            request.negativePrompt = request.negativePrompt ?? rendered.negativePrompt
            request.model = request.model ?? rendered.template.model
            type = rendered.template.type == .image ? .image : .text
            if type == .image {
                if case .int(let w)? = rendered.template.parameters?["width"] { request.width = request.width ?? w }
                if case .int(let h)? = rendered.template.parameters?["height"] { request.height = request.height ?? h }
            } else {
                request.contentType = contentType(forCategory: rendered.template.category)
                subject = Self.subject(of: rendered.template, request.variables)
            }
            request.prompt = prompt
            request.title = request.title ?? rendered.template.name
            kind = type == .image ? .image : .content
        }
        let defaults = (try library.store.settings()).defaults
        var parent: String?
        var scriptModel: String?
        if kind == .video {
            if let templateId = request.templateId {
                // A text template (such as Short video script) whose answer becomes the scenes
                // and the narration when the job runs.
                let rendered = try library.templates.render(templateId, userId: userId, variables: request.variables ?? [:])
                guard rendered.template.type == .text else {
                    throw .invalid(
                        "templateId",
                        "A video is made from a text template (such as Short video script); \(rendered.template.name) is \(rendered.template.type.rawValue).")
                }
                _ = try library.templates.useTemplate(templateId, userId: userId)
                prompt = rendered.prompt
                subject = Self.subject(of: rendered.template, request.variables)
                scriptModel = rendered.template.model ?? defaults?.textModel ?? defaultModel
                request.title = request.title ?? [rendered.template.name, subject].compactMap { $0 }.joined(separator: ": ")
                if request.seconds == nil, case .string(let text)? = request.variables?["seconds"], let seconds = Double(text) {
                    request.seconds = min(120, max(1, seconds))
                }
            }
            if let imageId = request.imageAssetId {
                guard let image = try library.assets.getAsset(imageId, userId: userId), image.userId == userId else {
                    throw CreativeError(.notFound, "imageAssetId \(imageId) is not an asset of yours.", field: "imageAssetId")
                }
                guard image.type == .image else { throw .invalid("imageAssetId", "imageAssetId \(imageId) is a \(image.type.rawValue), not an image.") }
                parent = imageId
            }
        }
        let now = Timestamp.now()
        var job = GenerationJob(id: id, userId: userId, type: type, prompt: prompt, createdAt: now)
        job.negativePrompt = request.negativePrompt
        job.model = request.model ?? (type == .image ? defaults?.imageModel : type == .text ? defaults?.textModel : nil) ?? defaultModel
        job.provider = "local"
        job.templateId = request.templateId
        job.priority = request.priority ?? 0
        job.libraryId = library.store.libraryId.isEmpty ? nil : library.store.libraryId
        if type == .image {
            request.width = request.width ?? defaults?.width ?? 512
            request.height = request.height ?? defaults?.height ?? 512
            request.seed = request.seed ?? Int.random(in: 0..<4_294_967_296)
            request.steps = request.steps ?? defaults?.steps ?? 20
            request.guidance = request.guidance ?? 7
            request.sampler = request.sampler ?? "Euler a"
            job.totalSteps = request.steps
            // Measured: the local provider renders 512×512×20 in well under a second.
            job.estimatedTime = Double(request.steps ?? 20) * Double((request.width ?? 512) * (request.height ?? 512)) / 262_144 * 0.01
        } else if type == .video {
            // A template's scenes are known only when its script is written.
            let scenes = Double(request.script?.count ?? (request.templateId == nil ? 1 : 5))
            (request.width, request.height) = (request.width ?? 640, request.height ?? 360)
            request.seed = request.seed ?? Int.random(in: 0..<4_294_967_296)
            if request.templateId == nil { request.seconds = request.seconds ?? 4 * scenes }
            job.totalSteps = Int(scenes) + LocalVideo.encodeSteps
            // Measured here: about a second per scene to paint, and encoding near real time at 640×360.
            job.estimatedTime = scenes + (request.seconds ?? 4) * Double((request.width ?? 640) * (request.height ?? 360)) / 230_400
        } else if type == .audio {
            request.voice = request.voice ?? "en"
            request.format = request.format ?? "mp3"
            job.totalSteps = 1
            // eSpeak NG speaks about 100× faster than real time; ffmpeg encodes faster still.
            job.estimatedTime = 0.2 + Double(prompt.count) / 15 / 100
        } else {
            job.totalSteps = 1
            job.estimatedTime = 0.05
        }
        var parameters = (try? JSONCoding.decoder().decode([String: JSONValue].self, from: JSONCoding.encoder().encode(request))) ?? [:]
        parameters["kind"] = .string(kind.rawValue)
        if let source { parameters["source"] = .string(source) }
        parameters["attempts"] = .int(0)
        if let subject { parameters["subject"] = .string(subject) }
        if let parent { parameters["parentAssetId"] = .string(parent) }
        if let scriptModel { parameters["scriptModel"] = .string(scriptModel) }
        job.parameters = parameters
        return job
    }

    /// The request a job was made from (its parameters hold every request field).
    package static func request(of job: GenerationJob) -> GenerationRequest {
        let fields = (job.parameters ?? [:]).filter { GenerationRequest.fieldNames.contains($0.key) }
        let data = (try? JSONCoding.encoder().encode(fields)) ?? Data("{}".utf8)
        var request = (try? JSONCoding.decoder().decode(GenerationRequest.self, from: data)) ?? GenerationRequest()
        request.prompt = request.prompt ?? job.prompt
        return request
    }

    /// A text template's prompt instructs a chat model; the offline writer needs the subject
    /// itself: the value given for `topic`, else for the first placeholder given a value.
    static func subject(of template: CreativeTemplate, _ variables: [String: JSONValue]?) -> String? {
        let given = TemplateSyntax.variables(template.prompt).filter { variables?[$0]?.stringValue != nil }
        let name = given.contains("topic") ? "topic" : given.first
        return name.flatMap { variables?[$0]?.stringValue }
    }

    static func contentType(forCategory category: String?) -> String {
        switch category {
        case "social": "social-post"
        case "blog": "blog-post"
        case "advertising": "ad-copy"
        case "email": "email"
        case "ecommerce", "product": "product-description"
        case "video": "script"
        default: "blog-post"
        }
    }
}
