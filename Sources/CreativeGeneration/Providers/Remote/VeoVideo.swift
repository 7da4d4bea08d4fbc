import CreativeCatalog
import Foundation

/// Google Veo through the Gemini API: `POST {base}/v1beta/models/{model}:predictLongRunning`
/// with `x-goog-api-key`, the operation polled until `done`, the first sample's video URI
/// downloaded — with the key, so only from the API's own host.
public struct VeoVideo: Sendable {
    public var environment: ProviderEnvironment
    public var policy: RetryPolicy
    public var pollInterval = 10.0
    public var deadline = 900.0
    /// Seconds for one API call (the video download has its own 300).
    public var timeout = 60.0

    public init(environment: ProviderEnvironment, policy: RetryPolicy = RetryPolicy()) {
        (self.environment, self.policy) = (environment, policy)
    }

    /// - Parameter image: the first frame (PNG, JPEG or WebP), or nil for text-to-video.
    public func generate(
        prompt: String, negativePrompt: String?, model: String, width: Int, height: Int, image: Data? = nil,
        progress: @escaping @Sendable (Int, Int) -> Void
    ) async throws(CreativeError) -> (video: DownloadedMedia, operation: String) {
        guard let key = environment.geminiKey else {
            throw CreativeError(.providerAuth, "GEMINI_API_KEY (or GOOGLE_API_KEY) is not set; set it to use \(model), or use model local.")
        }
        var parameters: [String: JSONValue] = ["aspectRatio": .string(width >= height ? "16:9" : "9:16")]
        if let negativePrompt { parameters["negativePrompt"] = .string(negativePrompt) }
        var instance: [String: JSONValue] = ["prompt": .string(prompt)]
        if let image {
            instance["image"] = .object([
                "bytesBase64Encoded": .string(image.base64EncodedString()),
                "mimeType": .string(JobRunner.rasterFormat(image).map { "image/\($0)" } ?? "image/png"),
            ])
        }
        let body: JSONValue = .object(["instances": .array([.object(instance)]), "parameters": .object(parameters)])
        let started = try await call(
            "POST", "\(environment.geminiBaseURL)/v1beta/models/\(model):predictLongRunning", body: try ProviderJSON.encode(body), key: key)
        guard case .string(let name)? = started["name"], name.hasPrefix("models/") || name.hasPrefix("operations/"), !name.contains("..") else {
            throw CreativeError(.providerError, "The Gemini API answered without an operation name.")
        }
        let start = Date()
        var polls = 0
        while true {
            let operation = try await call("GET", "\(environment.geminiBaseURL)/v1beta/\(name)", body: nil, key: key)
            if case .object(let error)? = operation["error"] {
                throw CreativeError(.providerRefused, "Veo failed: \(error["message"]?.stringValue ?? "no reason given").")
            }
            if operation["done"] == .bool(true) {
                let samples = operation["response"]?.objectValue?["generateVideoResponse"]?.objectValue?["generatedSamples"]?.arrayValue
                guard let uri = samples?.first?.objectValue?["video"]?.objectValue?["uri"]?.stringValue else {
                    throw CreativeError(.providerRefused, "Veo finished without a video (the prompt may have been filtered).")
                }
                return (try await download(uri, key: key), name)
            }
            polls += 1
            // Veo says nothing of its progress: count towards an expected minute, never past 90%.
            progress(min(90, polls * Int(pollInterval.rounded(.up)) * 100 / 60), 100)
            guard Date().timeIntervalSince(start) < deadline else {
                throw CreativeError(.timeout, "Veo's operation did not finish within \(Int(deadline)) seconds.")
            }
            do { try await Task.sleep(for: .seconds(pollInterval)) } catch { throw CreativeError(.cancelled, "The job was cancelled.") }
        }
    }

    private func download(_ uri: String, key: String) async throws(CreativeError) -> DownloadedMedia {
        guard let host = URL(string: uri)?.host, host == URL(string: environment.geminiBaseURL)?.host else {
            throw CreativeError(.providerError, "Veo's video is not on the Gemini API's host; it was not fetched with the key.")
        }
        let staged = DownloadedMedia.stagedPath(in: environment.downloadFolder)
        var request = HTTPRequest(method: "GET", url: uri, headers: [("x-goog-api-key", key)])
        (request.timeout, request.secrets, request.maxResponseBytes, request.saveTo) = (300, [key], 512 << 20, staged)
        do throws(CreativeError) {
            let response = try await ProviderHTTP.send(request, provider: "Gemini API", keyVariable: "GEMINI_API_KEY", policy: policy, redirects: true)
            // The file endpoint may redirect to storage: followed without the key, to Google's storage hosts only.
            if (300..<400).contains(response.status), let location = response.headers["location"] {
                let data = try await ProviderDownload.fetch(
                    location, base: environment.geminiBaseURL, provider: "Gemini API",
                    allowedHosts: { $0.hasSuffix(".googleusercontent.com") || $0 == "storage.googleapis.com" }, timeout: 300, maxBytes: 512 << 20,
                    policy: policy, saveTo: staged)
                return DownloadedMedia(data: data, file: staged)
            }
            return DownloadedMedia(data: response.body, file: staged)
        } catch {
            await DownloadedMedia(data: Data(), file: staged).discard()
            throw error
        }
    }

    private func call(_ method: String, _ url: String, body: Data?, key: String) async throws(CreativeError) -> [String: JSONValue] {
        var request = HTTPRequest(method: method, url: url, headers: [("x-goog-api-key", key), ("Content-Type", "application/json")], body: body)
        (request.timeout, request.secrets) = (timeout, [key])
        let response = try await ProviderHTTP.send(request, provider: "Gemini API", keyVariable: "GEMINI_API_KEY", policy: policy)
        guard case .object(let object)? = try? JSONDecoder().decode(JSONValue.self, from: response.body) else {
            throw CreativeError(.providerError, "The Gemini API answered with something that is not the expected JSON.")
        }
        return object
    }
}

struct VeoVideoExecutor: ImageToVideoExecutor {
    let provider = "google"
    let veo: VeoVideo

    func run(
        _ job: GenerationJob, _ request: GenerationRequest, image: Data?, progress: @escaping @Sendable (Int, Int) -> Void
    ) async throws(CreativeError) -> GenerationOutput {
        let model = job.model ?? "veo-3.0-generate-001"
        let (video, operation) = try await veo.generate(
            prompt: job.prompt, negativePrompt: job.negativePrompt, model: model, width: request.width ?? 1280, height: request.height ?? 720,
            image: image, progress: progress)
        return GenerationOutput(
            data: video.data, file: video.file, fileName: "video.mp4", cost: PriceTable.video(model: model, seconds: 8),
            parameters: ["operation": .string(operation)])
    }
}
