import CreativeModels
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

    public func generate(prompt: String, negativePrompt: String?, width: Int, height: Int, seed: Int?, steps: Int, guidance: Double,
                         sampler: String, progress: @escaping @Sendable (Int, Int) -> Void) throws(CreativeError) -> ImageOutput {
        let body: [String: Any] = [
            "prompt": prompt, "negative_prompt": negativePrompt ?? "", "width": width, "height": height, "seed": seed ?? -1,
            "steps": steps, "cfg_scale": guidance, "sampler_name": sampler, "batch_size": 1, "n_iter": 1,
        ]
        var request = HTTPRequest(url: "\(baseURL)/sdapi/v1/txt2img", headers: [("Content-Type", "application/json")],
                                  body: try? JSONSerialization.data(withJSONObject: body))
        request.timeout = timeout
        // The render blocks this thread; a second one reads progress until it is done.
        let done = StopSignal()
        let finished = DispatchSemaphore(value: 0)
        let poller = Thread { [baseURL, pollInterval] in
            defer { finished.signal() }
            while !done.isSet {
                var probe = HTTPRequest(method: "GET", url: "\(baseURL)/sdapi/v1/progress?skip_current_image=true")
                probe.timeout = 5
                if case .success(let answer) = HTTPClient.perform(probe), answer.status == 200,
                   let object = (try? JSONSerialization.jsonObject(with: answer.body)) as? [String: Any],
                   let state = object["state"] as? [String: Any],
                   let step = state["sampling_step"] as? Int, let total = state["sampling_steps"] as? Int, total > 0 {
                    progress(min(step, total), total)
                }
                done.wait(pollInterval)
            }
        }
        poller.start()
        // Stop the poller and wait for it, so no progress arrives after this call returns.
        defer {
            done.set()
            finished.wait()
        }
        let response = try ProviderHTTP.send(request, provider: "Stable Diffusion web UI", keyVariable: nil, policy: policy)
        guard let object = (try? JSONSerialization.jsonObject(with: response.body)) as? [String: Any],
              let first = (object["images"] as? [String])?.first, let image = Data(base64Encoded: first)
        else { throw CreativeError(.providerError, "The Stable Diffusion web UI answered without an image.") }
        var usedSeed = seed
        if let info = object["info"] as? String, let data = info.data(using: .utf8),
           let parsed = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any], let s = parsed["seed"] as? Int {
            usedSeed = s
        }
        progress(steps, steps)
        return ImageOutput(image: image, seed: usedSeed, cost: 0)
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

    public func generate(prompt: String, negativePrompt: String?, model: String, width: Int, height: Int, seed: Int?) throws(CreativeError) -> ImageOutput {
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
        var request = HTTPRequest(url: "\(baseURL)/v2beta/stable-image/generate/\(endpoint)",
                                  headers: [("Authorization", "Bearer \(key)"), ("Accept", "image/*"),
                                            ("Content-Type", "multipart/form-data; boundary=\(boundary)")], body: body)
        request.secrets = [key]
        request.timeout = timeout
        let response = try ProviderHTTP.send(request, provider: "Stability AI", keyVariable: "STABILITY_API_KEY", policy: policy)
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
        let ratios: [String: Double] = ["21:9": 21.0 / 9, "16:9": 16.0 / 9, "3:2": 1.5, "5:4": 1.25, "1:1": 1, "4:5": 0.8, "2:3": 2.0 / 3, "9:16": 9.0 / 16, "9:21": 9.0 / 21]
        let target = Double(width) / Double(max(height, 1))
        return ratios.min { abs($0.value - target) < abs($1.value - target) }?.key ?? "1:1"
    }
}

/// A one-way flag shared with a helper thread, which can sleep until it is set.
final class StopSignal: @unchecked Sendable {
    private let condition = NSCondition()
    private var value = false

    var isSet: Bool {
        condition.lock()
        defer { condition.unlock() }
        return value
    }

    func set() {
        condition.lock()
        value = true
        condition.broadcast()
        condition.unlock()
    }

    /// Sleeps up to `seconds`, waking early when the flag is set.
    func wait(_ seconds: Double) {
        let deadline = Date().addingTimeInterval(seconds)
        condition.lock()
        while !value, condition.wait(until: deadline) {}
        condition.unlock()
    }
}
