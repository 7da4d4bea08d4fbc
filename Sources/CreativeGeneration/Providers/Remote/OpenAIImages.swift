import CreativeCatalog
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
    public func generate(prompt: String, model: String, width: Int, height: Int, quality: String?, style: String?) async throws(CreativeError) -> Output {
        guard let key = environment.openAIKey else {
            throw CreativeError(.providerAuth, "OPENAI_API_KEY is not set; set it to use \(model), or use model local.")
        }
        let size = Self.size(model: model, width: width, height: height)
        var body = Wire.Request(model: model, prompt: prompt, n: 1, size: size)
        if model.hasPrefix("dall-e") {
            (body.responseFormat, body.quality, body.style) = ("b64_json", quality, style)
        } else {
            body.quality = quality
        }
        var request = HTTPRequest(
            url: "\(environment.openAIBaseURL)/images/generations",
            headers: [("Authorization", "Bearer \(key)"), ("Content-Type", "application/json")],
            body: try ProviderJSON.encode(body))
        (request.timeout, request.secrets) = (timeout, [key])
        let response = try await ProviderHTTP.send(request, provider: "OpenAI", keyVariable: "OPENAI_API_KEY", policy: policy)
        guard let answer = try? JSONDecoder().decode(Wire.Response.self, from: response.body), let first = answer.data.first else {
            throw CreativeError(.providerError, "OpenAI answered without an image (the body was not the expected JSON).")
        }
        let cost = PriceTable.image(model: model, size: size, quality: quality)
        if let b64 = first.b64JSON, let image = Data(base64Encoded: b64) {
            return Output(image: image, revisedPrompt: first.revisedPrompt, size: size, cost: cost)
        }
        if let url = first.url {
            return Output(image: try await download(url), revisedPrompt: first.revisedPrompt, size: size, cost: cost)
        }
        throw CreativeError(.providerError, "OpenAI answered without image data.")
    }

    /// Downloads an answer's image URL (see ``ProviderDownload``): the provider's own host or
    /// Azure blob storage, where OpenAI keeps generated images.
    func download(_ url: String) async throws(CreativeError) -> Data {
        try await ProviderDownload.fetch(
            url, base: environment.openAIBaseURL, provider: "OpenAI", allowedHosts: { $0.hasSuffix(".blob.core.windows.net") }, timeout: timeout,
            maxBytes: 32 * 1024 * 1024, policy: policy)
    }

    /// The images wire format (the fields this engine sends and reads).
    enum Wire {
        struct Request: Encodable {
            var model: String
            var prompt: String
            var n: Int
            var size: String
            var responseFormat: String?
            var quality: String?
            var style: String?
            enum CodingKeys: String, CodingKey {
                case model, prompt, n, size, quality, style
                case responseFormat = "response_format"
            }
        }

        struct Image: Decodable {
            var b64JSON: String?
            var url: String?
            var revisedPrompt: String?
            enum CodingKeys: String, CodingKey {
                case url
                case b64JSON = "b64_json"
                case revisedPrompt = "revised_prompt"
            }
        }

        struct Response: Decodable {
            var data: [Image]
        }
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
