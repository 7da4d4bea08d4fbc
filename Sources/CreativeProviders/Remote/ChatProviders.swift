import CreativeModels
import Foundation

/// A chat answer and what it used.
public struct ChatOutput: Sendable {
    public var text: String
    public var inputTokens: Int
    public var outputTokens: Int
    public var cost: Double

    /// An answer priced from the token usage and the model's list price.
    init(text: String, model: String, inputTokens: Int, outputTokens: Int) {
        (self.text, self.inputTokens, self.outputTokens) = (text, inputTokens, outputTokens)
        cost = PriceTable.chat(model: model, input: inputTokens, output: outputTokens)
    }
}

/// A chat-completion provider: GPT-4-class over the OpenAI API (or any OpenAI-compatible server:
/// Ollama, llama.cpp, vLLM, LM Studio), or Claude over the Anthropic Messages API.
public protocol ChatProvider: Sendable {
    var name: String { get }
    /// With `progress`, the answer is streamed (server-sent events) and `progress(pieces, maxTokens)`
    /// reports how far it got; the text is assembled from the stream's events.
    func complete(system: String, prompt: String, model: String, maxTokens: Int,
                  progress: (@Sendable (Int, Int) -> Void)?) throws(CreativeError) -> ChatOutput
}

extension ChatProvider {
    public func complete(system: String, prompt: String, model: String, maxTokens: Int) throws(CreativeError) -> ChatOutput {
        try complete(system: system, prompt: prompt, model: model, maxTokens: maxTokens, progress: nil)
    }

    /// Counts `data:` lines as they arrive, for a streamed answer's progress.
    static func counter(_ progress: (@Sendable (Int, Int) -> Void)?, total: Int) -> (@Sendable (Data) -> Void)? {
        guard let progress else { return nil }
        let seen = PieceCount()
        return { chunk in
            let pieces = seen.add(String(decoding: chunk, as: UTF8.self).components(separatedBy: "data:").count - 1)
            progress(min(pieces, total - 1), total)
        }
    }
}

/// A running count shared with libcurl's callback.
final class PieceCount: @unchecked Sendable {
    private let lock = NSLock()
    private var value = 0
    func add(_ n: Int) -> Int { lock.withLock { value += n; return value } }
}

/// `POST {base}/chat/completions`.
public struct OpenAIChat: ChatProvider {
    public let name: String
    let baseURL: String
    let key: String?
    let keyVariable: String?
    let policy: RetryPolicy
    /// Seconds for a whole answer.
    public var timeout = 120.0

    /// OpenAI itself (OPENAI_API_KEY, OPENAI_BASE_URL).
    public init(environment: ProviderEnvironment, policy: RetryPolicy = RetryPolicy()) {
        (name, baseURL, key, keyVariable, self.policy) = ("OpenAI", environment.openAIBaseURL, environment.openAIKey, "OPENAI_API_KEY", policy)
    }

    /// A local OpenAI-compatible server such as Ollama (OLLAMA_HOST), no key.
    public init(ollama environment: ProviderEnvironment, policy: RetryPolicy = RetryPolicy()) {
        (name, baseURL, key, keyVariable, self.policy) = ("Ollama", environment.ollamaHost + "/v1", nil, nil, policy)
    }

    public func complete(system: String, prompt: String, model: String, maxTokens: Int,
                         progress: (@Sendable (Int, Int) -> Void)?) throws(CreativeError) -> ChatOutput {
        if keyVariable != nil && key == nil {
            throw CreativeError(.providerAuth, "OPENAI_API_KEY is not set; set it to use \(model), or use model local.")
        }
        var body: [String: Any] = [
            "model": model, "max_tokens": maxTokens,
            "messages": [["role": "system", "content": system], ["role": "user", "content": prompt]],
        ]
        if progress != nil { (body["stream"], body["stream_options"]) = (true, ["include_usage": true]) }
        var headers = [("Content-Type", "application/json")]
        if let key { headers.append(("Authorization", "Bearer \(key)")) }
        var request = HTTPRequest(url: "\(baseURL)/chat/completions", headers: headers, body: try? JSONSerialization.data(withJSONObject: body))
        request.secrets = key.map { [$0] } ?? []
        request.timeout = timeout
        request.onChunk = Self.counter(progress, total: maxTokens)
        let response = try ProviderHTTP.send(request, provider: name, keyVariable: keyVariable, policy: policy)
        if progress != nil { return try streamed(response.body, model: model) }
        guard let object = (try? JSONSerialization.jsonObject(with: response.body)) as? [String: Any],
              let message = ((object["choices"] as? [[String: Any]])?.first?["message"] as? [String: Any]),
              let text = message["content"] as? String
        else { throw CreativeError(.providerError, "\(name) answered without a message (the body was not the expected JSON).") }
        let usage = object["usage"] as? [String: Any]
        let input = usage?["prompt_tokens"] as? Int ?? 0
        let output = usage?["completion_tokens"] as? Int ?? 0
        return ChatOutput(text: text, model: model, inputTokens: input, outputTokens: output)
    }

    /// Chat-completion chunks: `choices[0].delta.content` pieces, usage in the last one, `[DONE]` at the end.
    private func streamed(_ body: Data, model: String) throws(CreativeError) -> ChatOutput {
        var text = ""
        var (input, output) = (0, 0)
        var finished = false
        for event in ServerSentEvents.parse(body) {
            if event.data == "[DONE]" { finished = true; continue }
            guard let object = (try? JSONSerialization.jsonObject(with: Data(event.data.utf8))) as? [String: Any] else { continue }
            if let delta = ((object["choices"] as? [[String: Any]])?.first?["delta"] as? [String: Any])?["content"] as? String { text += delta }
            if let usage = object["usage"] as? [String: Any] {
                (input, output) = (usage["prompt_tokens"] as? Int ?? 0, usage["completion_tokens"] as? Int ?? 0)
            }
        }
        guard finished else { throw CreativeError(.providerError, "The answer from \(name) stopped before it was complete; try again.") }
        return ChatOutput(text: text, model: model, inputTokens: input, outputTokens: output)
    }
}

/// Anthropic Messages: `POST {ANTHROPIC_BASE_URL}/v1/messages` with `x-api-key`,
/// `anthropic-version: 2023-06-01`, a required `max_tokens` and a top-level `system`.
public struct AnthropicMessages: ChatProvider {
    public let name = "Anthropic"
    let environment: ProviderEnvironment
    let policy: RetryPolicy
    /// Seconds for a whole answer.
    public var timeout = 120.0

    public init(environment: ProviderEnvironment, policy: RetryPolicy = RetryPolicy()) {
        (self.environment, self.policy) = (environment, policy)
    }

    public func complete(system: String, prompt: String, model: String, maxTokens: Int,
                         progress: (@Sendable (Int, Int) -> Void)?) throws(CreativeError) -> ChatOutput {
        guard let key = environment.anthropicKey else {
            throw CreativeError(.providerAuth, "ANTHROPIC_API_KEY is not set; set it to use \(model), or use model local.")
        }
        var body: [String: Any] = ["model": model, "max_tokens": maxTokens, "system": system,
                                   "messages": [["role": "user", "content": prompt]]]
        if progress != nil { body["stream"] = true }
        var request = HTTPRequest(url: "\(environment.anthropicBaseURL)/v1/messages",
                                  headers: [("x-api-key", key), ("anthropic-version", "2023-06-01"), ("Content-Type", "application/json")],
                                  body: try? JSONSerialization.data(withJSONObject: body))
        request.secrets = [key]
        request.timeout = timeout
        request.onChunk = Self.counter(progress, total: maxTokens)
        let response = try ProviderHTTP.send(request, provider: name, keyVariable: "ANTHROPIC_API_KEY", policy: policy)
        if progress != nil { return try streamed(response.body, model: model) }
        guard let object = (try? JSONSerialization.jsonObject(with: response.body)) as? [String: Any],
              let blocks = object["content"] as? [[String: Any]]
        else { throw CreativeError(.providerError, "Anthropic answered without content (the body was not the expected JSON).") }
        let text = blocks.compactMap { $0["type"] as? String == "text" ? $0["text"] as? String : nil }.joined()
        let usage = object["usage"] as? [String: Any]
        let input = usage?["input_tokens"] as? Int ?? 0
        let output = usage?["output_tokens"] as? Int ?? 0
        return ChatOutput(text: text, model: model, inputTokens: input, outputTokens: output)
    }

    /// Messages stream events: text in `content_block_delta`, usage in `message_start` and
    /// `message_delta`, `message_stop` at the end; an `error` event ends it early.
    private func streamed(_ body: Data, model: String) throws(CreativeError) -> ChatOutput {
        var text = ""
        var (input, output) = (0, 0)
        var finished = false
        for event in ServerSentEvents.parse(body) {
            guard let object = (try? JSONSerialization.jsonObject(with: Data(event.data.utf8))) as? [String: Any] else { continue }
            switch object["type"] as? String {
            case "content_block_delta":
                if let delta = object["delta"] as? [String: Any], let piece = delta["text"] as? String { text += piece }
            case "message_start":
                input = ((object["message"] as? [String: Any])?["usage"] as? [String: Any])?["input_tokens"] as? Int ?? input
            case "message_delta":
                output = (object["usage"] as? [String: Any])?["output_tokens"] as? Int ?? output
            case "message_stop":
                finished = true
            case "error":
                let message = (object["error"] as? [String: Any])?["message"] as? String ?? "an error"
                throw CreativeError(.providerUnavailable, "Anthropic stopped the answer: \(message).")
            default:
                break
            }
        }
        guard finished else { throw CreativeError(.providerError, "The answer from Anthropic stopped before it was complete; try again.") }
        return ChatOutput(text: text, model: model, inputTokens: input, outputTokens: output)
    }
}
