import CreativeCatalog
import Foundation

/// What an image provider made.
public struct ImageOutput: Sendable {
    public var image: Data
    public var seed: Int?
    public var cost: Double
    public var info: [String: String] = [:]
}

/// Stable Diffusion web UI (AUTOMATIC1111 / Forge): `POST /sdapi/v1/txt2img`, with live progress
/// read from `GET /sdapi/v1/progress` while the image renders.
public struct SDWebUI: Sendable {
    public var baseURL: String
    public var policy: RetryPolicy
    public var timeout = 600.0
    /// Seconds between progress polls.
    public var pollInterval = 0.5

    public init(baseURL: String, policy: RetryPolicy = RetryPolicy()) {
        (self.baseURL, self.policy) = (baseURL, policy)
    }

    public func generate(
        prompt: String, negativePrompt: String?, width: Int, height: Int, seed: Int?, steps: Int, guidance: Double,
        sampler: String, progress: @escaping @Sendable (Int, Int) -> Void
    ) async throws(CreativeError) -> ImageOutput {
        let body = Wire.Request(
            prompt: prompt, negativePrompt: negativePrompt ?? "", width: width, height: height, seed: seed ?? -1,
            steps: steps, cfgScale: guidance, samplerName: sampler, batchSize: 1, nIter: 1)
        var request = HTTPRequest(url: "\(baseURL)/sdapi/v1/txt2img", headers: [("Content-Type", "application/json")], body: try ProviderJSON.encode(body))
        request.timeout = timeout
        // Progress is read from the web UI's progress route while the render runs; the reader
        // is a child task, cancelled (and awaited) when the render ends.
        let reader = Task { [baseURL, pollInterval] in
            while !Task.isCancelled {
                var probe = HTTPRequest(method: "GET", url: "\(baseURL)/sdapi/v1/progress?skip_current_image=true")
                probe.timeout = 5
                if case .success(let answer) = await HTTPClient.perform(probe), answer.status == 200,
                    let state = (try? JSONDecoder().decode(Wire.Progress.self, from: answer.body))?.state,
                    let step = state.samplingStep, let total = state.samplingSteps, total > 0
                {
                    progress(min(step, total), total)
                }
                try? await Task.sleep(for: .seconds(pollInterval))
            }
        }
        let response: HTTPResponse
        do {
            response = try await ProviderHTTP.send(request, provider: "Stable Diffusion web UI", keyVariable: nil, policy: policy)
            reader.cancel()
            await reader.value
        } catch {
            reader.cancel()
            await reader.value
            throw error
        }
        guard let answer = try? JSONDecoder().decode(Wire.Response.self, from: response.body),
            let first = answer.images.first, let image = Data(base64Encoded: first)
        else { throw CreativeError(.providerError, "The Stable Diffusion web UI answered without an image.") }
        // `info` is a JSON document inside a string.
        let info = answer.info.flatMap { try? JSONDecoder().decode(Wire.Info.self, from: Data($0.utf8)) }
        progress(steps, steps)
        return ImageOutput(image: image, seed: info?.seed ?? seed, cost: 0)
    }

    /// The A1111 API wire format (the fields this engine sends and reads).
    enum Wire {
        struct Request: Encodable {
            var prompt: String
            var negativePrompt: String
            var width: Int
            var height: Int
            var seed: Int
            var steps: Int
            var cfgScale: Double
            var samplerName: String
            var batchSize: Int
            var nIter: Int
            enum CodingKeys: String, CodingKey {
                case prompt, width, height, seed, steps
                case negativePrompt = "negative_prompt"
                case cfgScale = "cfg_scale"
                case samplerName = "sampler_name"
                case batchSize = "batch_size"
                case nIter = "n_iter"
            }
        }

        struct Response: Decodable {
            var images: [String]
            var info: String?
        }

        struct Info: Decodable {
            var seed: Int?
        }

        struct State: Decodable {
            var samplingStep: Int?
            var samplingSteps: Int?
            enum CodingKeys: String, CodingKey {
                case samplingStep = "sampling_step"
                case samplingSteps = "sampling_steps"
            }
        }

        struct Progress: Decodable {
            var state: State?
        }
    }
}

/// Stability AI stable-image generate (core, ultra, sd3): a multipart form, the image in the
/// body, its seed and finish-reason in headers; a content-filtered result is reported as such.
public struct StabilityImages: Sendable {
    public var key: String?
    /// STABILITY_BASE_URL, default https://api.stability.ai.
    public var baseURL: String
    public var policy: RetryPolicy
    public var timeout = 180.0

    public init(key: String?, baseURL: String = "https://api.stability.ai", policy: RetryPolicy = RetryPolicy()) {
        (self.key, self.baseURL, self.policy) = (key, baseURL, policy)
    }

    public func generate(prompt: String, negativePrompt: String?, model: String, width: Int, height: Int, seed: Int?) async throws(CreativeError) -> ImageOutput
    {
        guard let key else { throw CreativeError(.providerAuth, "STABILITY_API_KEY is not set; set it to use \(model), or use model local.") }
        let endpoint = model.contains("ultra") ? "ultra" : (model.hasPrefix("sd3") ? "sd3" : "core")
        var fields = [("prompt", prompt), ("output_format", "png"), ("aspect_ratio", Self.aspect(width, height))]
        if let negativePrompt { fields.append(("negative_prompt", negativePrompt)) }
        if let seed { fields.append(("seed", String(seed))) }
        if endpoint == "sd3" { fields.append(("model", model)) }
        let boundary = "creative-\(UInt64.random(in: 0...UInt64.max))"
        var body = Data()
        for (name, value) in fields {
            body.append(Data("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"\r\n\r\n\(value)\r\n".utf8))
        }
        body.append(Data("--\(boundary)--\r\n".utf8))
        var request = HTTPRequest(
            url: "\(baseURL)/v2beta/stable-image/generate/\(endpoint)",
            headers: [
                ("Authorization", "Bearer \(key)"), ("Accept", "image/*"),
                ("Content-Type", "multipart/form-data; boundary=\(boundary)"),
            ], body: body)
        request.secrets = [key]
        request.timeout = timeout
        let response = try await ProviderHTTP.send(request, provider: "Stability AI", keyVariable: "STABILITY_API_KEY", policy: policy)
        let reason = response.headers["finish-reason"] ?? "SUCCESS"
        guard reason != "CONTENT_FILTERED" else {
            throw CreativeError(.providerRefused, "Stability AI filtered the image for content; change the prompt.")
        }
        guard !response.body.isEmpty else { throw CreativeError(.providerError, "Stability AI answered without an image.") }
        let cost = PriceTable.stability[endpoint] ?? 0
        return ImageOutput(image: response.body, seed: response.headers["seed"].flatMap { Int($0) }, cost: cost, info: ["finishReason": reason])
    }

    /// The closest of Stability's aspect ratios.
    static func aspect(_ width: Int, _ height: Int) -> String {
        let ratios: [String: Double] = [
            "21:9": 21.0 / 9, "16:9": 16.0 / 9, "3:2": 1.5, "5:4": 1.25, "1:1": 1, "4:5": 0.8, "2:3": 2.0 / 3, "9:16": 9.0 / 16, "9:21": 9.0 / 21,
        ]
        let target = Double(width) / Double(max(height, 1))
        return ratios.min { abs($0.value - target) < abs($1.value - target) }?.key ?? "1:1"
    }
}
