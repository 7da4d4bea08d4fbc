import CreativeCatalog
import Foundation

/// Runway: `POST {RUNWAYML_BASE_URL}/v1/text_to_video` with `X-Runway-Version`, then
/// `GET /v1/tasks/{id}` until it succeeds, then the first `output` URL downloaded (Runway's
/// CloudFront or the provider's own host only). The task's progress feeds the job's.
public struct RunwayVideo: Sendable {
    public var environment: ProviderEnvironment
    public var policy: RetryPolicy
    public var pollInterval = 5.0
    /// Give up on a task after this long (seconds).
    public var deadline = 900.0
    /// Seconds for one API call (the video download has its own 300).
    public var timeout = 60.0
    static let version = "2024-11-06"
    /// A data URI may be 5 MB: the image before base64.
    static let maxImageBytes = 3_750_000

    public init(environment: ProviderEnvironment, policy: RetryPolicy = RetryPolicy()) {
        (self.environment, self.policy) = (environment, policy)
    }

    /// - Parameter image: the first frame, sent as a data URI to `/v1/image_to_video`; nil for
    ///   `/v1/text_to_video`.
    public func generate(
        prompt: String, model: String, width: Int, height: Int, seconds: Double, image: Data? = nil,
        progress: @escaping @Sendable (Int, Int) -> Void
    ) async throws(CreativeError) -> (video: DownloadedMedia, taskId: String) {
        guard let key = environment.runwayKey else {
            throw CreativeError(.providerAuth, "RUNWAYML_API_SECRET is not set; set it to use \(model), or use model local.")
        }
        var body = Wire.Create(model: model, promptText: prompt, ratio: width >= height ? "1280:720" : "720:1280", duration: seconds > 7 ? 10 : 5)
        if let image {
            guard image.count <= Self.maxImageBytes else {
                throw .invalid("imageAssetId", "Runway takes start images up to 3.75 MB (5 MB as a data URI); this one is \(image.count / 1_048_576) MiB.")
            }
            body.promptImage = "data:\(JobRunner.rasterFormat(image).map { "image/\($0)" } ?? "image/png");base64,\(image.base64EncodedString())"
        }
        let path = image == nil ? "/v1/text_to_video" : "/v1/image_to_video"
        let created: Wire.Task = try await call("POST", path, body: try ProviderJSON.encode(body), key: key)
        let start = Date()
        while true {
            let task: Wire.Task = try await call("GET", "/v1/tasks/\(created.id)", body: nil, key: key)
            switch task.status {
            case "SUCCEEDED":
                guard let url = task.output?.first else { throw CreativeError(.providerError, "Runway finished without a video.") }
                let staged = DownloadedMedia.stagedPath(in: environment.downloadFolder)
                do throws(CreativeError) {
                    let video = try await ProviderDownload.fetch(
                        url, base: environment.runwayBaseURL, provider: "Runway",
                        allowedHosts: { $0.hasSuffix(".cloudfront.net") || $0.hasSuffix(".runwayml.com") }, timeout: 300, maxBytes: 512 << 20,
                        policy: policy, saveTo: staged)
                    return (DownloadedMedia(data: video, file: staged), created.id)
                } catch {
                    await DownloadedMedia(data: Data(), file: staged).discard()
                    throw error
                }
            case "FAILED", "CANCELLED":
                throw CreativeError(.providerRefused, "Runway's task \(created.id) ended \(task.status.lowercased()): \(task.failure ?? "no reason given").")
            default:
                progress(Int(((task.progress ?? 0) * 100).rounded()), 100)
            }
            guard Date().timeIntervalSince(start) < deadline else {
                throw CreativeError(.timeout, "Runway's task \(created.id) did not finish within \(Int(deadline)) seconds.")
            }
            do { try await Task.sleep(for: .seconds(pollInterval)) } catch { throw CreativeError(.cancelled, "The job was cancelled.") }
        }
    }

    private func call<T: Decodable>(_ method: String, _ path: String, body: Data?, key: String) async throws(CreativeError) -> T {
        var request = HTTPRequest(
            method: method, url: "\(environment.runwayBaseURL)\(path)",
            headers: [("Authorization", "Bearer \(key)"), ("X-Runway-Version", Self.version), ("Content-Type", "application/json")], body: body)
        (request.timeout, request.secrets) = (timeout, [key])
        let response = try await ProviderHTTP.send(request, provider: "Runway", keyVariable: "RUNWAYML_API_SECRET", policy: policy)
        guard let value = try? JSONDecoder().decode(T.self, from: response.body) else {
            throw CreativeError(.providerError, "Runway answered \(path) with something that is not the expected JSON.")
        }
        return value
    }

    enum Wire {
        struct Create: Encodable {
            var model: String
            var promptText: String
            var ratio: String
            var duration: Int
            var promptImage: String?
        }

        struct Task: Decodable {
            var id: String
            var status: String = "PENDING"
            var progress: Double?
            var output: [String]?
            var failure: String?

            enum CodingKeys: String, CodingKey { case id, status, progress, output, failure }

            init(from decoder: any Decoder) throws {
                let c = try decoder.container(keyedBy: CodingKeys.self)
                id = try c.decode(String.self, forKey: .id)
                status = try c.decodeIfPresent(String.self, forKey: .status) ?? "PENDING"
                progress = try c.decodeIfPresent(Double.self, forKey: .progress)
                output = try c.decodeIfPresent([String].self, forKey: .output)
                failure = try c.decodeIfPresent(String.self, forKey: .failure)
            }
        }
    }
}

struct RunwayVideoExecutor: ImageToVideoExecutor {
    let provider = "runway"
    let runway: RunwayVideo

    func run(
        _ job: GenerationJob, _ request: GenerationRequest, image: Data?, progress: @escaping @Sendable (Int, Int) -> Void
    ) async throws(CreativeError) -> GenerationOutput {
        let (video, taskId) = try await runway.generate(
            prompt: job.prompt, model: job.model ?? "gen4_turbo", width: request.width ?? 1280, height: request.height ?? 720,
            seconds: request.seconds ?? 5, image: image, progress: progress)
        return GenerationOutput(
            data: video.data, file: video.file, fileName: "video.mp4", cost: PriceTable.video(model: job.model ?? "", seconds: request.seconds ?? 5),
            parameters: ["taskId": .string(taskId)])
    }
}
