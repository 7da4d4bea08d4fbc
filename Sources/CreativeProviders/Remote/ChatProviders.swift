import CreativeModels
import Foundation

/// A chat answer and what it used.
public struct ChatOutput: Sendable {
    public var text: String
    public var inputTokens: Int
    public var outputTokens: Int
    public var cost: Double
}

/// A chat-completion provider: GPT-4-class over the OpenAI API (or any OpenAI-compatible server:
/// Ollama, llama.cpp, vLLM, LM Studio), or Claude over the Anthropic Messages API.
public protocol ChatProvider: Sendable {
    var name: String { get }
    func complete(system: String, prompt: String, model: String, maxTokens: Int) throws(CreativeError) -> ChatOutput
}

/// `POST {base}/chat/completions`.
public struct OpenAIChat: ChatProvider {
    public let name: String
    let baseURL: String
    let key: String?
    let keyVariable: String?
    let policy: RetryPolicy

    /// OpenAI itself (OPENAI_API_KEY, OPENAI_BASE_URL).
    public init(environment: ProviderEnvironment, policy: RetryPolicy = RetryPolicy()) {
        (name, baseURL, key, keyVariable, self.policy) = ("OpenAI", environment.openAIBaseURL, environment.openAIKey, "OPENAI_API_KEY", policy)
    }

    /// A local OpenAI-compatible server such as Ollama (OLLAMA_HOST), no key.
    public init(ollama environment: ProviderEnvironment, policy: RetryPolicy = RetryPolicy()) {
        (name, baseURL, key, keyVariable, self.policy) = ("Ollama", environment.ollamaHost + "/v1", nil, nil, policy)
    }

    public func complete(system: String, prompt: String, model: String, maxTokens: Int) throws(CreativeError) -> ChatOutput {
        if keyVariable != nil && key == nil {
            throw CreativeError(.providerAuth, "OPENAI_API_KEY is not set; set it to use \(model), or use model local.")
        }
        let body: [String: Any] = [
            "model": model, "max_tokens": maxTokens,
            "messages": [["role": "system", "content": system], ["role": "user", "content": prompt]],
        ]
        var headers = [("Content-Type", "application/json")]
        if let key { headers.append(("Authorization", "Bearer \(key)")) }
        var request = HTTPRequest(url: "\(baseURL)/chat/completions", headers: headers, body: try? JSONSerialization.data(withJSONObject: body))
        request.secrets = key.map { [$0] } ?? []
        let response = try ProviderHTTP.send(request, provider: name, keyVariable: keyVariable, policy: policy)
        guard let object = (try? JSONSerialization.jsonObject(with: response.body)) as? [String: Any],
              let message = ((object["choices"] as? [[String: Any]])?.first?["message"] as? [String: Any]),
              let text = message["content"] as? String
        else { throw CreativeError(.providerError, "\(name) answered without a message (the body was not the expected JSON).") }
        let usage = object["usage"] as? [String: Any]
        let input = usage?["prompt_tokens"] as? Int ?? 0
        let output = usage?["completion_tokens"] as? Int ?? 0
        return ChatOutput(text: text, inputTokens: input, outputTokens: output, cost: PriceTable.chat(model: model, input: input, output: output))
    }
}

/// Anthropic Messages: `POST {ANTHROPIC_BASE_URL}/v1/messages` with `x-api-key`,
/// `anthropic-version: 2023-06-01`, a required `max_tokens` and a top-level `system`.
public struct AnthropicMessages: ChatProvider {
    public let name = "Anthropic"
    let environment: ProviderEnvironment
    let policy: RetryPolicy

    public init(environment: ProviderEnvironment, policy: RetryPolicy = RetryPolicy()) {
        (self.environment, self.policy) = (environment, policy)
    }

    public func complete(system: String, prompt: String, model: String, maxTokens: Int) throws(CreativeError) -> ChatOutput {
        guard let key = environment.anthropicKey else {
            throw CreativeError(.providerAuth, "ANTHROPIC_API_KEY is not set; set it to use \(model), or use model local.")
        }
        let body: [String: Any] = ["model": model, "max_tokens": maxTokens, "system": system,
                                   "messages": [["role": "user", "content": prompt]]]
        var request = HTTPRequest(url: "\(environment.anthropicBaseURL)/v1/messages",
                                  headers: [("x-api-key", key), ("anthropic-version", "2023-06-01"), ("Content-Type", "application/json")],
                                  body: try? JSONSerialization.data(withJSONObject: body))
        request.secrets = [key]
        let response = try ProviderHTTP.send(request, provider: name, keyVariable: "ANTHROPIC_API_KEY", policy: policy)
        guard let object = (try? JSONSerialization.jsonObject(with: response.body)) as? [String: Any],
              let blocks = object["content"] as? [[String: Any]]
        else { throw CreativeError(.providerError, "Anthropic answered without content (the body was not the expected JSON).") }
        let text = blocks.compactMap { $0["type"] as? String == "text" ? $0["text"] as? String : nil }.joined()
        let usage = object["usage"] as? [String: Any]
        let input = usage?["input_tokens"] as? Int ?? 0
        let output = usage?["output_tokens"] as? Int ?? 0
        return ChatOutput(text: text, inputTokens: input, outputTokens: output, cost: PriceTable.chat(model: model, input: input, output: output))
    }
}
