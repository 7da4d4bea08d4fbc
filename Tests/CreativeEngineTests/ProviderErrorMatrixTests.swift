import CreativeCatalog
import CreativeGeneration
import Foundation
import Testing

/// Every provider client against the same failures, each in that provider's real error format:
/// the error code that comes out, and how many requests it took (refusals are never retried).
@Suite("Provider error matrix")
struct ProviderErrorMatrixTests {
    typealias Response = FakeProviderServer.Response

    /// A provider call against a fake server, with that provider's error body for a status.
    struct Client: Sendable {
        var name: String
        var errorBody: @Sendable (Int, String) -> Any
        /// Calls the provider with a short timeout (for the slow-answer case).
        var call: @Sendable (FakeProviderServer) async throws -> Void
    }

    static let policy = RetryPolicy(attempts: 3, baseDelay: 0.02, maxDelay: 1)

    static func env(_ s: FakeProviderServer) -> ProviderEnvironment { ProviderTests.env(s) }

    static let clients: [Client] = [
        Client(
            name: "OpenAI images",
            errorBody: { _, message in ["error": ["message": message, "type": "invalid_request_error", "code": NSNull()]] },
            call: { s in
                var images = OpenAIImages(environment: env(s), policy: policy)
                images.timeout = 0.5
                _ = try await images.generate(prompt: "x", model: "dall-e-3", width: 1024, height: 1024, quality: nil, style: nil)
            }),
        Client(
            name: "OpenAI chat",
            errorBody: { _, message in ["error": ["message": message, "type": "invalid_request_error"]] },
            call: { s in
                var chat = OpenAIChat(environment: env(s), policy: policy)
                chat.timeout = 0.5
                _ = try await chat.complete(system: "s", prompt: "p", model: "gpt-4o", maxTokens: 20)
            }),
        Client(
            name: "Anthropic",
            errorBody: { _, message in ["type": "error", "error": ["type": "invalid_request_error", "message": message]] },
            call: { s in
                var claude = AnthropicMessages(environment: env(s), policy: policy)
                claude.timeout = 0.5
                _ = try await claude.complete(system: "s", prompt: "p", model: "claude-sonnet-4", maxTokens: 20)
            }),
        Client(
            name: "Stability",
            errorBody: { _, message in ["id": "e1", "name": "bad_request", "errors": [message]] },
            call: { s in
                var stability = StabilityImages(key: ProviderTests.key, baseURL: s.baseURL, policy: policy)
                stability.timeout = 0.5
                _ = try await stability.generate(prompt: "x", negativePrompt: nil, model: "stable-image-core", width: 1024, height: 1024, seed: nil)
            }),
        Client(
            name: "SD web UI",
            errorBody: { _, message in ["error": "HTTPException", "detail": message, "body": "", "errors": ""] },
            call: { s in
                var ui = SDWebUI(baseURL: s.baseURL, policy: policy)
                ui.pollInterval = 5
                ui.timeout = 0.5
                _ = try await ui.generate(prompt: "x", negativePrompt: nil, width: 64, height: 64, seed: 1, steps: 1, guidance: 7, sampler: "Euler a") { _, _ in
                }
            }),
        Client(
            name: "OpenAI speech",
            errorBody: { _, message in ["error": ["message": message, "type": "invalid_request_error", "param": NSNull(), "code": NSNull()]] },
            call: { s in
                var speech = OpenAISpeech(environment: env(s), policy: policy)
                speech.timeout = 0.5
                _ = try await speech.speak("Hello.", model: "tts-1", voice: "alloy", format: .mp3, speed: 1)
            }),
        Client(
            name: "ElevenLabs",
            errorBody: { _, message in ["detail": ["status": "problem", "message": message]] },
            call: { s in
                var speech = ElevenLabsSpeech(
                    environment: ProviderEnvironment(["ELEVENLABS_API_KEY": ProviderTests.key, "ELEVENLABS_BASE_URL": s.baseURL]), policy: policy)
                speech.timeout = 0.5
                _ = try await speech.speak("Hello.", model: "eleven_multilingual_v2", voice: MediaProviderFailureTests.voiceId, format: .mp3, speed: 1)
            }),
        Client(
            name: "Veo",
            errorBody: { status, message in ["error": ["code": status, "message": message, "status": "INVALID_ARGUMENT"]] },
            call: { s in
                var veo = VeoVideo(environment: MediaProviderFailureTests.geminiEnv(s), policy: policy)
                (veo.timeout, veo.pollInterval) = (0.5, 0.02)
                _ = try await veo.generate(prompt: "x", negativePrompt: nil, model: "veo-3.0-generate-001", width: 1280, height: 720) { _, _ in }
            }),
        Client(
            name: "Runway",
            errorBody: { _, message in ["error": message] },
            call: { s in
                var runway = RunwayVideo(environment: MediaProviderFailureTests.runwayEnv(s), policy: policy)
                (runway.timeout, runway.pollInterval) = (0.5, 0.02)
                _ = try await runway.generate(prompt: "x", model: "gen4_turbo", width: 1280, height: 720, seconds: 5) { _, _ in }
            }),
    ]

    /// status → (expected code, expected requests)
    static let cases: [(Int, CreativeError.Code, Int)] = [
        (400, .providerRefused, 1), (401, .providerAuth, 1), (403, .providerAuth, 1), (422, .providerRefused, 1),
        (429, .providerUnavailable, 3), (500, .providerUnavailable, 3), (503, .providerUnavailable, 3), (529, .providerUnavailable, 3),
    ]

    @Test(arguments: clients.indices)
    func statusesMapToStableCodes(_ index: Int) async throws {
        let client = Self.clients[index]
        for (status, code, requests) in Self.cases {
            let message = "Problem \(status) from the fake."
            let server = try FakeProviderServer { request, _ in
                if request.path.contains("/progress") { return .json(200, ["state": [:] as [String: Any]]) }
                return .json(status, client.errorBody(status, message))
            }
            let error = await expectError(code) { try await client.call(server) }
            #expect(error?.message.contains(message) == true, "\(client.name) \(status): \(error?.message ?? "")")
            #expect(server.requests.filter { !$0.path.contains("/progress") }.count == requests, "\(client.name) \(status)")
            #expect(error?.message.contains(ProviderTests.key) == false)
        }
    }

    @Test(arguments: clients.indices)
    func malformedTruncatedAndSlowAnswersEndInClearErrors(_ index: Int) async throws {
        let client = Self.clients[index]
        let garbage = try FakeProviderServer { request, _ in
            request.path.contains("/progress")
                ? .json(200, [:]) : Response(status: 200, headers: ["Content-Type": "application/json"], body: Data("{\"images\": [\"%%%".utf8))
        }
        // Stability answers raw image bytes: a non-image body is caught when the asset is saved
        // (unsupported_media); the client itself only refuses an empty body.
        if client.name != "Stability" { await expectError(.providerError) { try await client.call(garbage) } }
        let cut = try FakeProviderServer { request, _ in
            var r = Response.json(200, ["data": [["b64_json": String(repeating: "A", count: 4000)]]])
            if !request.path.contains("/progress") { r.truncateAt = 50 }
            return r
        }
        await expectError(.providerUnavailable) { try await client.call(cut) }
        #expect(cut.requests.filter { !$0.path.contains("/progress") }.count == 3)
        let slow = try FakeProviderServer { request, _ in
            var r = Response.json(200, [:])
            if !request.path.contains("/progress") { r.delay = 1.0 }
            return r
        }
        await expectError(.timeout) { try await client.call(slow) }
        #expect(slow.requests.filter { !$0.path.contains("/progress") }.count == 3)
    }
}
