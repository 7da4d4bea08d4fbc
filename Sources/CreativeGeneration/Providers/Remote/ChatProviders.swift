import CreativeCatalog
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
    /// With `progress`, the answer is streamed (server-sent events), assembled as it arrives, and
    /// `progress(events, maxTokens)` reports how far it got.
    /// - Throws: the provider errors of ``ProviderHTTP/send(_:provider:keyVariable:policy:)``;
    ///   `cancelled` when the calling task is cancelled (the connection is closed).
    func complete(
        system: String, prompt: String, model: String, maxTokens: Int,
        progress: (@Sendable (Int, Int) -> Void)?
    ) async throws(CreativeError) -> ChatOutput
}

extension ChatProvider {
    public func complete(system: String, prompt: String, model: String, maxTokens: Int) async throws(CreativeError) -> ChatOutput {
        try await complete(system: system, prompt: prompt, model: model, maxTokens: maxTokens, progress: nil)
    }

    /// Progress in events, below the total until the answer is complete.
    static func eventProgress(_ progress: (@Sendable (Int, Int) -> Void)?, total: Int) -> (@Sendable (Int) -> Void)? {
        guard let progress else { return nil }
        return { events in progress(min(events, total - 1), total) }
    }
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

    public func complete(
        system: String, prompt: String, model: String, maxTokens: Int,
        progress: (@Sendable (Int, Int) -> Void)?
    ) async throws(CreativeError) -> ChatOutput {
        if keyVariable != nil && key == nil {
            throw CreativeError(.providerAuth, "OPENAI_API_KEY is not set; set it to use \(model), or use model local.")
        }
        let streaming = progress != nil
        let body = Wire.Request(
            model: model, maxTokens: maxTokens, messages: [.init(role: "system", content: system), .init(role: "user", content: prompt)],
            stream: streaming ? true : nil, streamOptions: streaming ? .init(includeUsage: true) : nil)
        var headers = [("Content-Type", "application/json")]
        if let key { headers.append(("Authorization", "Bearer \(key)")) }
        var request = HTTPRequest(url: "\(baseURL)/chat/completions", headers: headers, body: try ProviderJSON.encode(body))
        request.secrets = key.map { [$0] } ?? []
        request.timeout = timeout
        let reader = EventStreamReader(Streamed(), progress: Self.eventProgress(progress, total: maxTokens), fold: Streamed.fold)
        if streaming { request.onChunk = reader.onChunk }
        let response = try await ProviderHTTP.send(request, provider: name, keyVariable: keyVariable, policy: policy)
        if streaming {
            let answer = reader.value
            guard answer.finished else { throw CreativeError(.providerError, "The answer from \(name) stopped before it was complete; try again.") }
            return ChatOutput(text: answer.text, model: model, inputTokens: answer.input, outputTokens: answer.output)
        }
        guard let answer = try? JSONDecoder().decode(Wire.Response.self, from: response.body), let text = answer.choices.first?.message?.content else {
            throw CreativeError(.providerError, "\(name) answered without a message (the body was not the expected JSON).")
        }
        return ChatOutput(text: text, model: model, inputTokens: answer.usage?.promptTokens ?? 0, outputTokens: answer.usage?.completionTokens ?? 0)
    }

    /// A streamed answer so far: `choices[0].delta.content` pieces, usage in the last chunk, `[DONE]` at the end.
    struct Streamed: Sendable {
        var text = ""
        var input = 0
        var output = 0
        var finished = false

        static func fold(_ state: inout Streamed, _ event: ServerSentEvent) {
            if event.data == "[DONE]" { state.finished = true; return }
            guard let chunk = try? JSONDecoder().decode(Wire.Response.self, from: Data(event.data.utf8)) else { return }
            if let piece = chunk.choices.first?.delta?.content { state.text += piece }
            if let usage = chunk.usage { (state.input, state.output) = (usage.promptTokens ?? 0, usage.completionTokens ?? 0) }
        }
    }

    /// The chat-completions wire format (the fields this engine sends and reads).
    enum Wire {
        struct Message: Codable {
            /// Absent in streamed deltas after the first.
            var role: String?
            var content: String?
        }

        struct StreamOptions: Encodable {
            var includeUsage: Bool
            enum CodingKeys: String, CodingKey { case includeUsage = "include_usage" }
        }

        struct Request: Encodable {
            var model: String
            var maxTokens: Int
            var messages: [Message]
            var stream: Bool?
            var streamOptions: StreamOptions?
            enum CodingKeys: String, CodingKey {
                case model, messages, stream
                case maxTokens = "max_tokens"
                case streamOptions = "stream_options"
            }
        }

        struct Usage: Decodable {
            var promptTokens: Int?
            var completionTokens: Int?
            enum CodingKeys: String, CodingKey {
                case promptTokens = "prompt_tokens"
                case completionTokens = "completion_tokens"
            }
        }

        struct Choice: Decodable {
            var message: Message?
            var delta: Message?
        }

        /// A whole answer, or one streamed chunk (`delta` instead of `message`).
        struct Response: Decodable {
            var choices: [Choice]
            var usage: Usage?

            init(from decoder: any Decoder) throws {
                let container = try decoder.container(keyedBy: CodingKeys.self)
                choices = try container.decodeIfPresent([Choice].self, forKey: .choices) ?? []
                usage = try? container.decodeIfPresent(Usage.self, forKey: .usage)
            }

            enum CodingKeys: String, CodingKey { case choices, usage }
        }
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

    public func complete(
        system: String, prompt: String, model: String, maxTokens: Int,
        progress: (@Sendable (Int, Int) -> Void)?
    ) async throws(CreativeError) -> ChatOutput {
        guard let key = environment.anthropicKey else {
            throw CreativeError(.providerAuth, "ANTHROPIC_API_KEY is not set; set it to use \(model), or use model local.")
        }
        let streaming = progress != nil
        let body = Wire.Request(
            model: model, maxTokens: maxTokens, system: system, messages: [.init(role: "user", content: prompt)],
            stream: streaming ? true : nil)
        var request = HTTPRequest(
            url: "\(environment.anthropicBaseURL)/v1/messages",
            headers: [("x-api-key", key), ("anthropic-version", "2023-06-01"), ("Content-Type", "application/json")],
            body: try ProviderJSON.encode(body))
        request.secrets = [key]
        request.timeout = timeout
        let reader = EventStreamReader(Streamed(), progress: Self.eventProgress(progress, total: maxTokens), fold: Streamed.fold)
        if streaming { request.onChunk = reader.onChunk }
        let response = try await ProviderHTTP.send(request, provider: name, keyVariable: "ANTHROPIC_API_KEY", policy: policy)
        if streaming {
            let answer = reader.value
            if let failure = answer.failure { throw CreativeError(.providerUnavailable, "Anthropic stopped the answer: \(failure).") }
            guard answer.finished else { throw CreativeError(.providerError, "The answer from Anthropic stopped before it was complete; try again.") }
            return ChatOutput(text: answer.text, model: model, inputTokens: answer.input, outputTokens: answer.output)
        }
        guard let answer = try? JSONDecoder().decode(Wire.Response.self, from: response.body) else {
            throw CreativeError(.providerError, "Anthropic answered without content (the body was not the expected JSON).")
        }
        let text = answer.content.filter { $0.type == "text" }.compactMap(\.text).joined()
        return ChatOutput(text: text, model: model, inputTokens: answer.usage?.inputTokens ?? 0, outputTokens: answer.usage?.outputTokens ?? 0)
    }

    /// A streamed answer so far: text in `content_block_delta`, usage in `message_start` and
    /// `message_delta`, `message_stop` at the end; an `error` event ends it early.
    struct Streamed: Sendable {
        var text = ""
        var input = 0
        var output = 0
        var finished = false
        var failure: String?

        static func fold(_ state: inout Streamed, _ event: ServerSentEvent) {
            guard let object = try? JSONDecoder().decode(Wire.StreamEvent.self, from: Data(event.data.utf8)) else { return }
            switch object.type {
            case "content_block_delta": state.text += object.delta?.text ?? ""
            case "message_start": state.input = object.message?.usage?.inputTokens ?? state.input
            case "message_delta": state.output = object.usage?.outputTokens ?? state.output
            case "message_stop": state.finished = true
            case "error": state.failure = object.error?.message ?? "an error"
            default: break
            }
        }
    }

    /// The Messages wire format (the fields this engine sends and reads).
    enum Wire {
        struct Message: Encodable {
            var role: String
            var content: String
        }

        struct Request: Encodable {
            var model: String
            var maxTokens: Int
            var system: String
            var messages: [Message]
            var stream: Bool?
            enum CodingKeys: String, CodingKey {
                case model, system, messages, stream
                case maxTokens = "max_tokens"
            }
        }

        struct Usage: Decodable {
            var inputTokens: Int?
            var outputTokens: Int?
            enum CodingKeys: String, CodingKey {
                case inputTokens = "input_tokens"
                case outputTokens = "output_tokens"
            }
        }

        struct Block: Decodable {
            var type: String?
            var text: String?
        }

        struct Response: Decodable {
            var content: [Block]
            var usage: Usage?
        }

        struct ErrorDetail: Decodable {
            var message: String?
        }

        struct StartedMessage: Decodable {
            var usage: Usage?
        }

        struct StreamEvent: Decodable {
            var type: String
            var delta: Block?
            var message: StartedMessage?
            var usage: Usage?
            var error: ErrorDetail?
        }
    }
}

/// JSON for provider request bodies.
enum ProviderJSON {
    static func encode(_ value: some Encodable) throws(CreativeError) -> Data {
        do {
            return try JSONEncoder().encode(value)
        } catch {
            throw CreativeError(.invalidInput, "The request could not be written as JSON: \(error).")
        }
    }
}
