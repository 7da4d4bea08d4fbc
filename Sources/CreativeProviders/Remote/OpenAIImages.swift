import CreativeModels
import Foundation

/// OpenAI Images: `POST {OPENAI_BASE_URL}/images/generations` for dall-e-3 and gpt-image-1,
/// base64 answers preferred (a URL answer is downloaded from the provider's own host only).
public struct OpenAIImages: Sendable {
    public var environment: ProviderEnvironment
    public var policy: RetryPolicy
    public var timeout = 180.0

    public init(environment: ProviderEnvironment, policy: RetryPolicy = RetryPolicy()) {
        (self.environment, self.policy) = (environment, policy)
    }

    public struct Output: Sendable {
        public var image: Data
        public var revisedPrompt: String?
        /// The size actually asked for (the models take a few fixed sizes).
        public var size: String
        public var cost: Double
    }

    /// - Throws: `provider_auth` without OPENAI_API_KEY or with a bad one; `provider_refused` for
    ///   a content-policy refusal; `provider_unavailable`/`timeout` after retries; `provider_error`
    ///   for an answer without an image.
    public func generate(prompt: String, model: String, width: Int, height: Int, quality: String?, style: String?) throws(CreativeError) -> Output {
        guard let key = environment.openAIKey else {
            throw CreativeError(.providerAuth, "OPENAI_API_KEY is not set; set it to use \(model), or use model local.")
        }
        let size = Self.size(model: model, width: width, height: height)
        var body: [String: Any] = ["model": model, "prompt": prompt, "n": 1, "size": size]
        if model.hasPrefix("dall-e") {
            body["response_format"] = "b64_json"
            if let quality { body["quality"] = quality }
            if let style { body["style"] = style }
        } else if let quality {
            body["quality"] = quality
        }
        var request = HTTPRequest(url: "\(environment.openAIBaseURL)/images/generations",
                                  headers: [("Authorization", "Bearer \(key)"), ("Content-Type", "application/json")],
                                  body: try? JSONSerialization.data(withJSONObject: body))
        (request.timeout, request.secrets) = (timeout, [key])
        let response = try ProviderHTTP.send(request, provider: "OpenAI", keyVariable: "OPENAI_API_KEY", policy: policy)
        guard let object = (try? JSONSerialization.jsonObject(with: response.body)) as? [String: Any],
              let first = (object["data"] as? [[String: Any]])?.first
        else { throw CreativeError(.providerError, "OpenAI answered without an image (the body was not the expected JSON).") }
        let revised = first["revised_prompt"] as? String
        let cost = PriceTable.image(model: model, size: size, quality: quality)
        if let b64 = first["b64_json"] as? String, let image = Data(base64Encoded: b64) {
            return Output(image: image, revisedPrompt: revised, size: size, cost: cost)
        }
        if let url = first["url"] as? String {
            return Output(image: try download(url), revisedPrompt: revised, size: size, cost: cost)
        }
        throw CreativeError(.providerError, "OpenAI answered without image data.")
    }

    /// Downloads an answer's image URL: http(s) on the provider's own host only, size-capped.
    func download(_ url: String) throws(CreativeError) -> Data {
        guard let target = URL(string: url), ["https", "http"].contains(target.scheme ?? ""),
              let host = target.host, host == URL(string: environment.openAIBaseURL)?.host || host.hasSuffix(".blob.core.windows.net")
        else { throw CreativeError(.providerError, "OpenAI answered with an image URL on an unexpected host; it was not fetched.") }
        var request = HTTPRequest(method: "GET", url: url)
        (request.timeout, request.maxResponseBytes) = (timeout, 32 * 1024 * 1024)
        return try ProviderHTTP.send(request, provider: "OpenAI", keyVariable: nil, policy: policy).body
    }

    /// dall-e-3 takes 1024x1024, 1792x1024 and 1024x1792; gpt-image-1 1024x1024, 1536x1024 and
    /// 1024x1536. The request's aspect picks the closest.
    static func size(model: String, width: Int, height: Int) -> String {
        let wide = model.hasPrefix("dall-e-3") ? "1792x1024" : "1536x1024"
        let tall = model.hasPrefix("dall-e-3") ? "1024x1792" : "1024x1536"
        let ratio = Double(width) / Double(max(height, 1))
        return ratio > 1.25 ? wide : (ratio < 0.8 ? tall : "1024x1024")
    }
}
