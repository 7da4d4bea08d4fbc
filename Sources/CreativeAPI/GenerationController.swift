import CreativeCatalog
import CreativeGeneration
import CreativeLibraries
import Foundation
import Hummingbird

/// Image: POST /image/generate, GET /image/:id/status (a job id), POST /image/:id/regenerate (an asset id),
/// GET /images. Speech and video: POST /audio/generate, /video/generate (their jobs' status is the same route). Content: POST /content/generate|improve|ideas|from-template. Generation answers
/// 202 with a Location to the job's status, unless the body asks to `wait`.
struct GenerationController {
    let images: ImageGenerator
    let content: ContentCreator
    let responses: AssetResponses

    /// What the routes that call a narrow seed function read from the body; anything else is
    /// refused rather than silently ignored. `OpenAPI` documents the same sets.
    static let improveFields: Set<String> = ["kind", "original", "goal", "model"]
    static let ideasFields: Set<String> = ["kind", "topic", "count", "model"]
    static let fromTemplateFields: Set<String> = ["kind", "templateId", "variables"]

    static func only(_ fields: Set<String>, in body: GenerationRequest) throws(CreativeError) -> GenerationRequest {
        if let extra = body.setFields.first(where: { !fields.contains($0) }) {
            throw .invalid(extra, "\(extra) is not read by this route; it takes \(fields.subtracting(["kind"]).sorted().joined(separator: ", ")).")
        }
        return body
    }

    func accepted(_ result: GenerateResult) -> EditedResponse<GenerateResult> {
        guard let jobId = result.jobId, result.assetId == nil, result.error == nil, result.content == nil else {
            return EditedResponse(status: result.success ? .ok : .unprocessableContent, response: result)
        }
        return EditedResponse(status: .accepted, headers: [.location: "/api/creative/image/\(jobId)/status"], response: result)
    }

    func add(to group: RouterGroup<APIContext>) {
        group.post("image/generate") { request, context in
            let wait = request.uri.queryParameters.get("wait") == "true"
            return try await Self.untilClientLeaves(request, context: context, wait: wait) { request in
                var body = try await request.decode(as: GenerationRequest.self, context: context)
                let prompt = body.prompt ?? ""
                body.kind = .image
                return accepted(try await images.generateImage(userId: context.userId, prompt: prompt, options: body, wait: wait))
            }
        }
        // Speech and video: the request kind the route names; answered like image/generate.
        for kind in [RequestKind.audio, .video] {
            group.post("\(kind.rawValue)/generate") { request, context in
                let wait = request.uri.queryParameters.get("wait") == "true"
                return try await Self.untilClientLeaves(request, context: context, wait: wait) { request in
                    var body = try await request.decode(as: GenerationRequest.self, context: context)
                    body.kind = kind
                    return accepted(try await images.generation.generate(body, userId: context.userId, wait: wait))
                }
            }
        }
        group.get("image/:id/status") { _, context in
            let id = try context.parameters.require("id")
            guard let job = try await images.getImageStatus(id, userId: context.userId) else { throw CreativeError.notFound("job", id) }
            return Presented.job(job)
        }
        group.post("image/:id/regenerate") { request, context in
            let wait = request.uri.queryParameters.get("wait") == "true"
            let id = try context.parameters.require("id")
            return try await Self.untilClientLeaves(request, context: context, wait: wait) { request in
                let modifications = try await request.decode(as: ImageModifications.self, context: context)
                return accepted(try await images.regenerateImage(id, userId: context.userId, modifications: modifications, wait: wait))
            }
        }
        group.get("images") { request, context in
            responses.page(try await images.listUserImages(userId: context.userId, filters: try QueryRequest.decode(AssetFilters.self, from: request)))
        }
        group.post("content/generate") { request, context in
            try await Self.untilClientLeaves(request, context: context) { request in
                let body = try await request.decode(as: GenerationRequest.self, context: context)
                return try await content.generateContent(userId: context.userId, type: body.contentType ?? "", prompt: body.prompt ?? "", options: body)
            }
        }
        group.post("content/improve") { request, context in
            try await Self.untilClientLeaves(request, context: context) { request in
                let body = try Self.only(
                    Self.improveFields, in: try await request.decode(as: GenerationRequest.self, context: context))
                return try await content.improveCopy(body.original ?? "", goal: body.goal ?? "clearer", model: body.model, userId: context.userId)
            }
        }
        group.post("content/ideas") { request, context in
            try await Self.untilClientLeaves(request, context: context) { request in
                let body = try Self.only(
                    Self.ideasFields, in: try await request.decode(as: GenerationRequest.self, context: context))
                return try await content.generateIdeas(body.topic ?? "", count: body.count ?? 10, model: body.model, userId: context.userId)
            }
        }
        group.post("content/from-template") { request, context in
            try await Self.untilClientLeaves(request, context: context) { request in
                let body = try Self.only(
                    Self.fromTemplateFields, in: try await request.decode(as: GenerationRequest.self, context: context))
                return try await content.createFromTemplate(userId: context.userId, templateId: body.templateId ?? "", variables: body.variables ?? [:])
            }
        }
    }

    /// Runs a route that waits for generation so that a client who hangs up cancels it: the
    /// provider call is aborted and the job ends `cancelled`. Routes that only queue a job
    /// (`wait` false) run as usual.
    /// `operation` reads the body from the request it is given.
    static func untilClientLeaves(
        _ request: Request, context: APIContext, wait: Bool = true, _ operation: (Request) async throws -> some ResponseGenerator
    ) async throws -> Response {
        guard wait else { return try await operation(request).response(from: request, context: context) }
        return try await request.body.consumeWithCancellationOnInboundClose { body in
            try await operation(Request(head: request.head, body: body)).response(from: request, context: context)
        }
    }
}
