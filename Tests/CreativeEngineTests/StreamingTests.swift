import CreativeCatalog
import CreativeDaemon
import CreativeGeneration
import CreativeLibraries
import Foundation
import Testing

@Suite("Streaming answers")
struct StreamingTests {
    typealias Response = FakeProviderServer.Response

    @Test func theEventStreamParserFollowsTheFormat() async {
        var parser = ServerSentEvents()
        let first = parser.feed(Data(": a comment\r\nevent: ping\r\ndata: one\r\ndata: two\r\n\r\ndata: {\"x\"".utf8))
        #expect(first == [ServerSentEvent(event: "ping", data: "one\ntwo")])
        let second = parser.feed(Data(": 1}\n\ndata:tight\n\ndata: cut".utf8))
        #expect(second == [ServerSentEvent(event: "message", data: "{\"x\": 1}"), ServerSentEvent(event: "message", data: "tight")])
    }

    static func openAIStream(_ pieces: [String], done: Bool) -> Data {
        var text = ""
        for piece in pieces {
            text +=
                "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\(String(reflecting: piece))}}]}\n\n"
        }
        text += "data: {\"id\":\"c1\",\"choices\":[],\"usage\":{\"prompt_tokens\":12,\"completion_tokens\":\(pieces.count)}}\n\n"
        if done { text += "data: [DONE]\n\n" }
        return Data(text.utf8)
    }

    static func anthropicStream(_ pieces: [String], stop: Bool) -> Data {
        var text = "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"usage\":{\"input_tokens\":9,\"output_tokens\":1}}}\n\n"
        text += "event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n\n"
        for piece in pieces {
            text +=
                "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\(String(reflecting: piece))}}\n\n"
        }
        text +=
            "event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\"},\"usage\":{\"output_tokens\":\(pieces.count)}}\n\n"
        if stop { text += "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n" }
        return Data(text.utf8)
    }

    @Test func streamedCopyArrivesWholeWithProgressAndACutStreamFailsClearly() async throws {
        let pieces = ["# Spring", " sale\n\n", "Everything", " blooms."]
        let server = try FakeProviderServer { request, _ in
            let cut = (request.json?["messages"] as? [[String: Any]])?.last?["content"] as? String == "cut"
            if request.path == "/v1/messages" {
                return Response(status: 200, headers: ["Content-Type": "text/event-stream"], body: Self.anthropicStream(pieces, stop: !cut))
            }
            #expect(request.json?["stream"] as? Bool == true)
            return Response(status: 200, headers: ["Content-Type": "text/event-stream"], body: Self.openAIStream(pieces, done: !cut))
        }
        let env = ProviderTests.env(server)
        let steps = StepLog()
        let openai = try await OpenAIChat(environment: env, policy: ProviderTests.fast)
            .complete(system: "s", prompt: "p", model: "gpt-4o", maxTokens: 100, progress: steps.record)
        #expect(openai.text == pieces.joined() && openai.inputTokens == 12 && openai.outputTokens == 4 && steps.count >= 1)
        let claude = try await AnthropicMessages(environment: env, policy: ProviderTests.fast)
            .complete(system: "s", prompt: "p", model: "claude-sonnet-4", maxTokens: 100, progress: steps.record)
        #expect(claude.text == pieces.joined() && claude.inputTokens == 9 && claude.outputTokens == 4)
        await expectError(.providerError) {
            try await OpenAIChat(environment: env, policy: ProviderTests.fast).complete(
                system: "s", prompt: "cut", model: "gpt-4o", maxTokens: 100, progress: steps.record)
        }
        await expectError(.providerError) {
            try await AnthropicMessages(environment: env, policy: ProviderTests.fast).complete(
                system: "s", prompt: "cut", model: "claude-sonnet-4", maxTokens: 100, progress: steps.record)
        }

        // Through a job: generateContent with Claude streams into a text asset.
        let lib = try TempLibrary()
        let runner = JobRunner(library: lib.library, workers: 1, lease: 30, environment: env, retryPolicy: ProviderTests.fast)
        let content = ContentCreator(generation: Generation(library: lib.library, runner: runner))
        var options = GenerationRequest()
        (options.model, options.tone) = ("claude-sonnet-4", "playful")
        let result = try await content.generateContent(userId: "alice", type: "email", prompt: "our spring sale", options: options)
        #expect(result.success && result.content == pieces.joined())
        let sent = try #require(server.requests.last)
        #expect((sent.json?["system"] as? String)?.contains("Tone: playful.") == true && sent.json?["stream"] as? Bool == true)
        let assetId = try #require(result.assetId)
        #expect(try lib.assets.getAsset(assetId, userId: "alice")?.provider == "anthropic")
        var failing = options
        failing.model = "claude-sonnet-4"
        let cut = try await content.generateContent(userId: "alice", type: "email", prompt: "cut", options: failing)
        #expect(!cut.success && cut.error?.contains("stopped before it was complete") == true)
    }
}
