import CreativeCatalog
import Foundation

/// A video provider that can start from one of the user's images (image-to-video).
protocol ImageToVideoExecutor: JobExecutor {
    /// - Parameter image: the first frame, or nil for a video from the prompt alone.
    func run(
        _ job: GenerationJob, _ request: GenerationRequest, image: Data?, progress: @escaping @Sendable (Int, Int) -> Void
    ) async throws(CreativeError) -> GenerationOutput
}

extension ImageToVideoExecutor {
    func run(
        _ job: GenerationJob, _ request: GenerationRequest, progress: @escaping @Sendable (Int, Int) -> Void
    ) async throws(CreativeError) -> GenerationOutput {
        try await run(job, request, image: nil, progress: progress)
    }
}

extension JobRunner {
    /// Images larger than this are not sent to a video provider (Runway takes data URIs to 5 MB).
    static let maxStartImageBytes = 16 << 20

    /// The provider call, with what a video needs first: its script written from a template by
    /// the text provider, its starting image read from the library.
    func call(
        _ executor: any JobExecutor, _ job: GenerationJob, _ request: GenerationRequest, progress: @escaping @Sendable (Int, Int) -> Void
    ) async throws(CreativeError) -> GenerationOutput {
        guard job.type == .video else { return try await executor.run(job, request, progress: progress) }
        var (job, request) = (job, request)
        var written: (text: String, cost: Double, provider: String)?
        if request.templateId != nil && request.script == nil {
            let (script, text, cost, provider) = try await writeScript(job)
            request.script = script.scenes
            request.narration = request.narration ?? script.narration
            request.seconds = request.seconds ?? script.seconds
            // Remote providers take one prompt: the scenes, in order.
            job.prompt = String(script.scenes.joined(separator: ". ").prefix(Validation.maxPrompt))
            written = (text, cost, provider)
        }
        var output: GenerationOutput
        if let imageId = request.imageAssetId {
            guard let starter = executor as? any ImageToVideoExecutor else {
                throw .invalid("imageAssetId", "\(executor.provider) cannot start a video from an image; use gen4_turbo, a veo model or local.")
            }
            let image = try await startImage(imageId, userId: job.userId)
            output = try await starter.run(job, request, image: image, progress: progress)
            output.parameters["imageAssetId"] = .string(imageId)
        } else {
            output = try await executor.run(job, request, progress: progress)
        }
        if let written {
            output.cost += written.cost
            output.parameters["scriptText"] = .string(written.text)
            output.parameters["scriptProvider"] = .string(written.provider)
            output.parameters["script"] = .array((request.script ?? []).map { .string($0) })
        }
        return output
    }

    /// The template's script from the text provider (the template's model, else the library's
    /// text model, else the built-in writer).
    private func writeScript(_ video: GenerationJob) async throws(CreativeError) -> (VideoScript, String, Double, String) {
        var job = video
        job.type = .text
        job.model = video.parameters?["scriptModel"]?.stringValue ?? "local"
        job.parameters?["kind"] = .string(RequestKind.content.rawValue)
        job.prompt = "\(video.prompt)\n\n\(VideoScript.format)"
        var request = GenerationRequest(kind: .content, prompt: job.prompt)
        request.contentType = "script"
        let executor = try Router.choose(job, request, environment, retryPolicy).executor
        try await BlockingPool.io.run { [self, job] () throws(CreativeError) in try checkBudget(job, provider: executor.provider) }
        let output = try await executor.run(job, request) { _, _ in }
        let text = String(decoding: output.data, as: UTF8.self)
        guard let script = VideoScript.parse(text) else {
            throw CreativeError(.providerError, "\(executor.provider) wrote a script without scenes; nothing to film.")
        }
        return (script, text, output.cost, executor.provider)
    }

    /// The bytes of the user's image asset.
    private func startImage(_ id: String, userId: String) async throws(CreativeError) -> Data {
        let library = library
        return try await BlockingPool.io.run { () throws(CreativeError) -> Data in
            guard let (asset, location) = try library.assets.find(id, userId: userId), asset.userId == userId, asset.type == .image,
                let data = try library.store.readFile(at: location, name: asset.url, limit: Self.maxStartImageBytes)
            else {
                throw CreativeError(.notFound, "imageAssetId \(id) is not an image of yours (or it is over 16 MiB).", field: "imageAssetId")
            }
            return data
        }
    }
}
