import CreativeCatalog
import Foundation
import Synchronization

/// What a provider made for a job.
struct GenerationOutput {
    var data: Data
    /// A downloaded file holding the media instead of `data` (see ``DownloadedMedia``).
    var file: String? = nil
    var fileName: String
    /// USD.
    var cost: Double
    /// Provider details kept in the asset's parameters (revised prompt, token usage, …).
    var parameters: [String: JSONValue] = [:]
    /// The image's thumbnail, when the provider made it from its own pixels.
    var thumbnail: Data?
}

/// Runs one kind of job against one provider. `progress(step, total)` may be called often and
/// from any thread; the runner throttles what it writes. Cancelling the calling task cancels the
/// provider call.
protocol JobExecutor: Sendable {
    var provider: String { get }
    func run(
        _ job: GenerationJob, _ request: GenerationRequest, progress: @escaping @Sendable (Int, Int) -> Void
    ) async throws(CreativeError) -> GenerationOutput
}

/// The built-in offline image provider: a real PNG composed from prompt and seed.
struct LocalImageExecutor: JobExecutor {
    let provider = "local"

    func run(
        _ job: GenerationJob, _ request: GenerationRequest, progress: @escaping @Sendable (Int, Int) -> Void
    ) async throws(CreativeError) -> GenerationOutput {
        let input = LocalImageRequest(
            prompt: job.prompt, negativePrompt: job.negativePrompt, width: request.width ?? 512, height: request.height ?? 512,
            seed: request.seed ?? 0, steps: request.steps ?? 20, guidance: request.guidance ?? 7,
            sampler: request.sampler ?? "Euler a", model: job.model ?? "local")
        let parameters = LocalImage.parametersText(input)
        let rgb = try await BlockingPool.media.run { () throws(CreativeError) in
            do { return try LocalImage.pixels(input, progress: progress) } catch { throw Self.failure(error) }
        }
        // The thumbnail is made from the pixels on the other core while the PNG is encoded.
        async let thumbnail = BlockingPool.media.run { MediaProbe.thumbnail(rgb: rgb, width: input.width, height: input.height) }
        let png = try await BlockingPool.media.run { () throws(CreativeError) in
            do {
                return try LocalImage.encodePNG(rgb, width: input.width, height: input.height, parameters: parameters)
            } catch { throw Self.failure(error) }
        }
        return GenerationOutput(
            data: png, fileName: "image.png", cost: 0, parameters: ["pngInfo": .string(parameters)],
            // Without one, the store makes it from the PNG.
            thumbnail: (try? await thumbnail) ?? nil)
    }

    private static func failure(_ error: any Error) -> CreativeError {
        error as? CreativeError ?? CreativeError(.storage, "The local image provider failed: \(error).")
    }
}

/// The built-in offline speech provider: eSpeak NG, encoded by ffmpeg.
struct LocalSpeechExecutor: JobExecutor {
    let provider = "local"

    func run(
        _ job: GenerationJob, _ request: GenerationRequest, progress: @escaping @Sendable (Int, Int) -> Void
    ) async throws(CreativeError) -> GenerationOutput {
        let format = request.format.flatMap(LocalSpeech.Format.init(rawValue:)) ?? .mp3
        let (voice, speed) = (request.voice ?? "en", request.speed ?? 1)
        let data = try await BlockingPool.media.run { () throws(CreativeError) in
            try LocalSpeech.speak(job.prompt, voice: voice, speed: speed, format: format)
        }
        progress(1, 1)
        return GenerationOutput(
            data: data, fileName: "speech.\(format.fileExtension)", cost: 0,
            parameters: ["voice": .string(voice), "speed": .double(speed), "format": .string(format.rawValue)])
    }
}

/// The built-in offline video provider: scenes from the local image provider, moved and
/// crossfaded by ffmpeg, narrated by the local speech provider.
struct LocalVideoExecutor: ImageToVideoExecutor {
    let provider = "local"

    /// A start image is the first scene, moved like a painted one.
    func run(
        _ job: GenerationJob, _ request: GenerationRequest, image: Data?, progress: @escaping @Sendable (Int, Int) -> Void
    ) async throws(CreativeError) -> GenerationOutput {
        let input = LocalVideo.Request(
            scenes: request.script ?? [job.prompt], negativePrompt: job.negativePrompt, width: request.width ?? 640, height: request.height ?? 360,
            seed: request.seed ?? 0, seconds: request.seconds, narration: request.narration, voice: request.voice ?? "en", startImage: image)
        // ffmpeg may run for minutes: a cancelled job stops it.
        let cancelled = Atomic(false)
        let made: Result<Data, CreativeError> = await withTaskCancellationHandler {
            do throws(CreativeError) {
                return .success(
                    try await BlockingPool.media.run { () throws(CreativeError) in
                        try LocalVideo.make(input, progress: progress) { cancelled.load(ordering: .relaxed) }
                    })
            } catch {
                return .failure(error)
            }
        } onCancel: {
            cancelled.store(true, ordering: .relaxed)
        }
        let video = try made.get()
        var parameters: [String: JSONValue] = ["scenes": .int(input.scenes.count), "seconds": .double(input.seconds)]
        if let narration = input.narration { parameters["narration"] = .string(narration) }
        return GenerationOutput(data: video, fileName: "video.mp4", cost: 0, parameters: parameters)
    }
}

/// The built-in offline text provider: rule-based copy, edits and ideas.
struct LocalTextExecutor: JobExecutor {
    let provider = "local"

    func run(
        _ job: GenerationJob, _ request: GenerationRequest, progress: @escaping @Sendable (Int, Int) -> Void
    ) async throws(CreativeError) -> GenerationOutput {
        try await BlockingPool.media.run { Self.write(job, request, progress: progress) }
    }

    /// The copy itself: CPU work of a few milliseconds.
    static func write(_ job: GenerationJob, _ request: GenerationRequest, progress: (Int, Int) -> Void) -> GenerationOutput {
        let kind = job.parameters?["kind"]?.stringValue.flatMap(RequestKind.init(rawValue:)) ?? .content
        var text: String
        var parameters: [String: JSONValue] = [:]
        switch kind {
        case .improve:
            let result = LocalText.improveCopy(request.original ?? job.prompt, goal: request.goal ?? "clearer")
            text = "# Improved copy\n\n\(result.improved)\n\n## Suggestions\n\n" + result.suggestions.map { "- \($0)" }.joined(separator: "\n")
            text += String(format: "\n\nReadability (Flesch): %.0f → %.0f\n", result.readabilityBefore, result.readabilityAfter)
            parameters["improved"] = .string(result.improved)
            parameters["suggestions"] = .array(result.suggestions.map { .string($0) })
            parameters["readabilityBefore"] = .double(result.readabilityBefore)
            parameters["readabilityAfter"] = .double(result.readabilityAfter)
        case .ideas:
            let ideas = LocalText.ideas(topic: request.topic ?? job.prompt, count: request.count ?? 10)
            text = "# Ideas: \(request.topic ?? job.prompt)\n\n" + ideas.enumerated().map { "\($0.offset + 1). \($0.element)" }.joined(separator: "\n") + "\n"
            parameters["ideas"] = .array(ideas.map { .string($0) })
        default:
            let type = request.contentType.flatMap(ContentType.init(rawValue:)) ?? .blogPost
            let subject = job.parameters?["subject"]?.stringValue ?? job.prompt
            text = LocalText.content(type: type, prompt: subject, tone: request.tone, length: request.length, audience: request.audience)
        }
        progress(1, 1)
        return GenerationOutput(data: Data(text.utf8), fileName: "content.md", cost: 0, parameters: parameters)
    }
}
