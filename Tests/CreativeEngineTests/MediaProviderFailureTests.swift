import CreativeCatalog
import CreativeGeneration
import Foundation
import Testing

/// The speech and video providers through their whole exchange (create, poll, download) when one
/// part of it goes wrong: a rate limit with retry-after, a failed operation or task, a download
/// that breaks off. The status-code matrix for them is in ProviderErrorMatrixTests.
@Suite("Speech and video provider failures")
struct MediaProviderFailureTests {
    enum Provider: String, CaseIterable, Sendable { case openAISpeech, elevenLabs, veo, runway }
    enum Fault: Sendable { case none, rateLimitedOnce, failed, brokenDownload }

    static let voiceId = "21m00Tcm4TlvDq8ikWAM"
    static let media = Data((0..<65_536).map { UInt8(truncatingIfNeeded: $0 &* 31) })
    static let policy = RetryPolicy(attempts: 3, baseDelay: 0.02, maxDelay: 2)

    static func geminiEnv(_ s: FakeProviderServer) -> ProviderEnvironment {
        ProviderEnvironment(["GEMINI_API_KEY": ProviderTests.key, "GOOGLE_GEMINI_BASE_URL": s.baseURL])
    }

    static func runwayEnv(_ s: FakeProviderServer) -> ProviderEnvironment {
        ProviderEnvironment(["RUNWAYML_API_SECRET": ProviderTests.key, "RUNWAYML_BASE_URL": s.baseURL])
    }

    /// Whether a request fetches the media itself (the speech answer, the video file).
    static func isMedia(_ provider: Provider, _ path: String) -> Bool {
        switch provider {
        case .openAISpeech: path == "/v1/audio/speech"
        case .elevenLabs: path.hasPrefix("/v1/text-to-speech/")
        case .veo: path.hasPrefix("/v1beta/files/")
        case .runway: path == "/files/out.mp4"
        }
    }

    /// A fake of `provider` that answers a whole exchange, with `fault` put into it.
    static func server(_ provider: Provider, fault: Fault) throws -> FakeProviderServer {
        try FakeProviderServer { request, n in
            if fault == .rateLimitedOnce && n == 0 {
                return .json(429, rateLimitBody(provider), headers: ["retry-after": "1"])
            }
            if isMedia(provider, request.path) {
                var response = FakeProviderServer.Response(status: 200, body: media)
                response.headers = ["Content-Type": provider == .veo || provider == .runway ? "video/mp4" : "audio/mpeg"]
                if fault == .brokenDownload { response.truncateAt = media.count / 3 }
                return response
            }
            let host = request.headers["host"] ?? ""
            switch (provider, request.method, request.path) {
            case (.veo, "POST", "/v1beta/models/veo-3.0-generate-001:predictLongRunning"):
                return .json(200, ["name": "models/veo-3.0-generate-001/operations/op9"])
            case (.veo, "GET", "/v1beta/models/veo-3.0-generate-001/operations/op9"):
                if fault == .failed {
                    return .json(200, ["name": "op9", "done": true, "error": ["code": 3, "message": "The prompt was blocked by a safety filter"]])
                }
                let uri = "http://\(host)/v1beta/files/v9:download?alt=media"
                return .json(200, ["name": "op9", "done": true, "response": ["generateVideoResponse": ["generatedSamples": [["video": ["uri": uri]]]]]])
            case (.runway, "POST", "/v1/text_to_video"):
                return .json(200, ["id": "task-9"])
            case (.runway, "GET", "/v1/tasks/task-9"):
                if fault == .failed {
                    return .json(
                        200, ["id": "task-9", "status": "FAILED", "failure": "Input rejected by content moderation", "failureCode": "SAFETY.INPUT.TEXT"])
                }
                return .json(200, ["id": "task-9", "status": "SUCCEEDED", "output": ["http://\(host)/files/out.mp4"]])
            default:
                return .json(404, ["error": "Not found: \(request.path)"])
            }
        }
    }

    static func rateLimitBody(_ provider: Provider) -> Any {
        switch provider {
        case .openAISpeech: ["error": ["message": "Rate limit reached for tts-1", "type": "requests", "code": "rate_limit_exceeded"]]
        case .elevenLabs: ["detail": ["status": "too_many_concurrent_requests", "message": "Too many concurrent requests"]]
        case .veo: ["error": ["code": 429, "message": "Resource has been exhausted", "status": "RESOURCE_EXHAUSTED"]]
        case .runway: ["error": "You have exceeded the rate limit"]
        }
    }

    /// Runs the provider's client against `server` and returns the media it fetched.
    static func call(_ provider: Provider, _ server: FakeProviderServer) async throws -> Data {
        switch provider {
        case .openAISpeech:
            return try await OpenAISpeech(environment: ProviderTests.env(server), policy: policy)
                .speak("Hello there.", model: "tts-1", voice: "alloy", format: .mp3, speed: 1).audio
        case .elevenLabs:
            let env = ProviderEnvironment(["ELEVENLABS_API_KEY": ProviderTests.key, "ELEVENLABS_BASE_URL": server.baseURL])
            return try await ElevenLabsSpeech(environment: env, policy: policy)
                .speak("Hello there.", model: "eleven_multilingual_v2", voice: voiceId, format: .mp3, speed: 1).audio
        case .veo:
            var veo = VeoVideo(environment: geminiEnv(server), policy: policy)
            veo.pollInterval = 0.02
            return try await veo.generate(prompt: "waves", negativePrompt: nil, model: "veo-3.0-generate-001", width: 1280, height: 720) { _, _ in }
                .video.data
        case .runway:
            var runway = RunwayVideo(environment: runwayEnv(server), policy: policy)
            runway.pollInterval = 0.02
            return try await runway.generate(prompt: "a kite", model: "gen4_turbo", width: 1280, height: 720, seconds: 5) { _, _ in }.video.data
        }
    }

    @Test(arguments: Provider.allCases)
    func aRateLimitIsWaitedOutForAsLongAsRetryAfterSays(_ provider: Provider) async throws {
        let clean = try Self.server(provider, fault: .none)
        #expect(try await Self.call(provider, clean) == Self.media)

        let limited = try Self.server(provider, fault: .rateLimitedOnce)
        let start = Date()
        let media = try await Self.call(provider, limited)
        // The backoff alone would have waited 0.02 s; the one extra request is the retried one.
        #expect(Date().timeIntervalSince(start) >= 0.95, "\(provider)")
        #expect(media == Self.media && limited.requests.count == clean.requests.count + 1, "\(provider)")
        #expect(limited.requests.first?.path == limited.requests.dropFirst().first?.path)
    }

    @Test(arguments: Provider.allCases)
    func aDownloadThatBreaksOffIsRetriedThenUnavailable(_ provider: Provider) async throws {
        let server = try Self.server(provider, fault: .brokenDownload)
        let error = await expectError(.providerUnavailable) { _ = try await Self.call(provider, server) }
        #expect(error?.message.contains(ProviderTests.key) == false)
        #expect(server.requests.filter { Self.isMedia(provider, $0.path) }.count == 3, "\(provider)")
        // The operation or task was created once: only the broken part was tried again.
        #expect(server.requests.filter { $0.method == "POST" && !Self.isMedia(provider, $0.path) }.count == (provider == .veo || provider == .runway ? 1 : 0))
    }

    @Test(arguments: [Provider.veo, .runway])
    func aFailedOperationOrTaskIsARefusalWithTheProvidersReason(_ provider: Provider) async throws {
        let server = try Self.server(provider, fault: .failed)
        let error = await expectError(.providerRefused) { _ = try await Self.call(provider, server) }
        let reason = provider == .veo ? "blocked by a safety filter" : "rejected by content moderation"
        #expect(error?.message.contains(reason) == true, "\(error?.message ?? "")")
        #expect(server.requests.count == 2 && !server.requests.contains { Self.isMedia(provider, $0.path) })
    }

    @Test func aFailedTaskFailsTheJobAndMakesNoAsset() async throws {
        let server = try Self.server(.runway, fault: .failed)
        let lib = try TempLibrary()
        let runner = JobRunner(library: lib.library, workers: 1, lease: 30, environment: Self.runwayEnv(server), retryPolicy: Self.policy)
        var request = GenerationRequest(kind: .video, prompt: "a kite")
        request.model = "gen4_turbo"
        let result = try await Generation(library: lib.library, runner: runner).generate(request, userId: "alice", wait: true)
        #expect(result.assetId == nil && result.error?.contains("content moderation") == true)
        let jobId = try #require(result.jobId)
        let job = try #require(try lib.library.index.current(GenerationJob.self, id: jobId))
        #expect(job.status == .failed && job.errorMessage?.contains("content moderation") == true)
        #expect(try lib.assets.listAssets(userId: "alice").items.isEmpty)
    }
}
