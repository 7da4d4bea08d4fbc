import CreativeCatalog
import CreativeDaemon
import CreativeGeneration
import CreativeLibraries
import Foundation
import Testing

/// Provider clients against fakes that speak each provider's real HTTP protocol on 127.0.0.1.
@Suite("Providers over HTTP")
struct ProviderTests {
    static let key = "sk-test-0123456789abcdef"
    static let fast = RetryPolicy(attempts: 3, baseDelay: 0.05, maxDelay: 2)

    static func env(_ server: FakeProviderServer) -> ProviderEnvironment {
        ProviderEnvironment([
            "OPENAI_API_KEY": key, "OPENAI_BASE_URL": server.baseURL + "/v1",
            "ANTHROPIC_API_KEY": key, "ANTHROPIC_BASE_URL": server.baseURL,
        ])
    }

    static var imageAnswer: [String: Any] {
        [
            "created": 1_764_000_000,
            "data": [["b64_json": Fixtures.png.base64EncodedString(), "revised_prompt": "A red fox standing in deep snow."]],
        ]
    }

    @Test func openAIImagesSpeaksTheRealProtocol() async throws {
        let server = try FakeProviderServer { _, _ in .json(200, Self.imageAnswer) }
        let images = OpenAIImages(environment: Self.env(server), policy: Self.fast)
        let output = try await images.generate(prompt: "a red fox", model: "dall-e-3", width: 1200, height: 700, quality: "hd", style: "natural")
        #expect(output.image == Fixtures.png && output.revisedPrompt == "A red fox standing in deep snow.")
        #expect(output.size == "1792x1024" && output.cost == 0.12)
        let request = try #require(server.requests.first)
        #expect(request.method == "POST" && request.path == "/v1/images/generations")
        #expect(request.headers["authorization"] == "Bearer \(Self.key)" && request.headers["content-type"] == "application/json")
        let body = try #require(request.json)
        #expect(body["model"] as? String == "dall-e-3" && body["response_format"] as? String == "b64_json")
        #expect(body["quality"] as? String == "hd" && body["style"] as? String == "natural" && body["n"] as? Int == 1)
    }

    @Test func refusalsAndBadKeysAreNotRetried() async throws {
        let policy = try FakeProviderServer { _, _ in
            .json(
                400,
                [
                    "error": [
                        "message": "Your request was rejected as a result of our safety system.", "type": "invalid_request_error",
                        "code": "content_policy_violation",
                    ]
                ])
        }
        let refused = await expectError(.providerRefused) {
            try await OpenAIImages(environment: Self.env(policy), policy: Self.fast).generate(
                prompt: "x", model: "dall-e-3", width: 1024, height: 1024, quality: nil, style: nil)
        }
        #expect(refused?.message.contains("safety system") == true && policy.requests.count == 1)

        let badKey = try FakeProviderServer { _, _ in
            .json(401, ["error": ["message": "Incorrect API key provided: \(Self.key).", "type": "invalid_request_error", "code": "invalid_api_key"]])
        }
        let auth = await expectError(.providerAuth) {
            try await OpenAIImages(environment: Self.env(badKey), policy: Self.fast).generate(
                prompt: "x", model: "gpt-image-1", width: 1024, height: 1024, quality: nil, style: nil)
        }
        #expect(auth?.message.contains("OPENAI_API_KEY") == true && auth?.message.contains(Self.key) == false && badKey.requests.count == 1)
        let noKey = await expectError(.providerAuth) {
            try await OpenAIImages(environment: ProviderEnvironment([:]), policy: Self.fast).generate(
                prompt: "x", model: "dall-e-3", width: 1024, height: 1024, quality: nil, style: nil)
        }
        #expect(noKey?.message.contains("OPENAI_API_KEY is not set") == true)
    }

    @Test func rateLimitsWaitForRetryAfterAndServerErrorsAreRetried() async throws {
        let limited = try FakeProviderServer { _, n in
            n == 0 ? .json(429, ["error": ["message": "Rate limit reached", "type": "requests"]], headers: ["retry-after": "1"]) : .json(200, Self.imageAnswer)
        }
        let start = Date()
        _ = try await OpenAIImages(environment: Self.env(limited), policy: Self.fast).generate(
            prompt: "x", model: "dall-e-3", width: 1024, height: 1024, quality: nil, style: nil)
        #expect(Date().timeIntervalSince(start) >= 0.95 && limited.requests.count == 2)

        for status in [500, 503, 529] {
            let failing = try FakeProviderServer { _, _ in .json(status, ["type": "error", "error": ["type": "overloaded_error", "message": "Overloaded"]]) }
            let error = await expectError(.providerUnavailable) {
                try await AnthropicMessages(environment: Self.env(failing), policy: Self.fast).complete(
                    system: "s", prompt: "p", model: "claude-sonnet-4", maxTokens: 50)
            }
            #expect(error?.message.contains("Overloaded") == true && failing.requests.count == 3, "\(status)")
        }
        let recovers = try FakeProviderServer { _, n in
            n < 2
                ? .json(529, ["type": "error", "error": ["type": "overloaded_error", "message": "Overloaded"]])
                : .json(200, ["content": [["type": "text", "text": "Hello"]], "usage": ["input_tokens": 10, "output_tokens": 2]])
        }
        let answer = try await AnthropicMessages(environment: Self.env(recovers), policy: Self.fast).complete(
            system: "s", prompt: "p", model: "claude-sonnet-4", maxTokens: 50)
        #expect(answer.text == "Hello" && recovers.requests.count == 3)
        let sent = try #require(recovers.requests.last)
        #expect(sent.path == "/v1/messages" && sent.headers["x-api-key"] == Self.key && sent.headers["anthropic-version"] == "2023-06-01")
        #expect(sent.json?["max_tokens"] as? Int == 50 && sent.json?["system"] as? String == "s")
    }

    @Test func timeoutsMalformedAndTruncatedBodiesEndInClearErrors() async throws {
        let slow = try FakeProviderServer { _, _ in
            var r = Response.json(200, Self.imageAnswer); r.delay = 1.5; return r
        }
        var images = OpenAIImages(environment: Self.env(slow), policy: RetryPolicy(attempts: 2, baseDelay: 0.05))
        images.timeout = 0.4
        await expectError(.timeout) { try await images.generate(prompt: "x", model: "dall-e-3", width: 1024, height: 1024, quality: nil, style: nil) }

        let malformed = try FakeProviderServer { _, _ in Response(status: 200, body: Data("{\"data\": [{\"b64_js".utf8)) }
        await expectError(.providerError) {
            try await OpenAIImages(environment: Self.env(malformed), policy: Self.fast).generate(
                prompt: "x", model: "dall-e-3", width: 1024, height: 1024, quality: nil, style: nil)
        }
        let cut = try FakeProviderServer { _, _ in
            var r = Response.json(200, ["choices": [["message": ["role": "assistant", "content": String(repeating: "word ", count: 400)]]]])
            r.truncateAt = 100
            return r
        }
        let error = await expectError(.providerUnavailable) {
            try await OpenAIChat(environment: Self.env(cut), policy: Self.fast).complete(system: "s", prompt: "p", model: "gpt-4o", maxTokens: 10)
        }
        #expect(cut.requests.count == 3 && error?.message.contains(Self.key) == false)
    }

    typealias Response = FakeProviderServer.Response

    @Test func jobsRouteByModelAndEndInADefiniteState() async throws {
        let lib = try TempLibrary()
        let server = try FakeProviderServer { request, _ in
            if request.path.hasSuffix("/images/generations") {
                if (request.json?["prompt"] as? String)?.contains("forbidden") == true {
                    return .json(400, ["error": ["message": "Rejected by the safety system.", "code": "content_policy_violation"]])
                }
                return .json(200, Self.imageAnswer)
            }
            return .json(
                200,
                [
                    "choices": [["message": ["role": "assistant", "content": "[\"Idea one\", \"Idea two\", \"idea ONE\"]"]]],
                    "usage": ["prompt_tokens": 20, "completion_tokens": 12],
                ])
        }
        let runner = JobRunner(library: lib.library, workers: 1, lease: 30, environment: Self.env(server), retryPolicy: Self.fast)
        let generation = Generation(library: lib.library, runner: runner)
        let images = ImageGenerator(generation: generation)
        var options = GenerationRequest()
        options.model = "dall-e-3"
        let made = try await images.generateImage(userId: "alice", prompt: "a red fox", options: options, wait: true)
        let madeId = try #require(made.assetId)
        let asset = try #require(try lib.assets.getAsset(madeId, userId: "alice"))
        #expect(asset.provider == "openai" && asset.model == "dall-e-3" && asset.cost == 0.04 && asset.format == "png")
        #expect(asset.parameters?["revisedPrompt"] == .string("A red fox standing in deep snow."))

        let refused = try await images.generateImage(userId: "alice", prompt: "something forbidden", options: options, wait: true)
        #expect(!refused.success && refused.error?.contains("safety system") == true)
        let refusedJob = try #require(refused.jobId)
        let failedJob = try await #require(try images.getImageStatus(refusedJob, userId: "alice"))
        #expect(failedJob.status == .failed && failedJob.errorMessage?.contains("safety system") == true && failedJob.completedAt != nil)

        var midjourney = GenerationRequest()
        midjourney.model = "midjourney-v6"
        let none = try await images.generateImage(userId: "alice", prompt: "x", options: midjourney, wait: true)
        #expect(!none.success && none.error?.contains("no public API") == true)

        var ideas = GenerationRequest(kind: .ideas)
        (ideas.topic, ideas.count, ideas.model) = ("tea", 4, "gpt-4o")
        let result = try await generation.generate(ideas, userId: "alice", wait: true)
        let ideasId = try #require(result.assetId)
        let ideasAsset = try #require(try lib.assets.getAsset(ideasId, userId: "alice"))
        let list = try #require(ideasAsset.parameters?["ideas"]?.arrayValue?.compactMap { (value: JSONValue) in value.stringValue })
        #expect(list.count == 4 && list.prefix(2) == ["Idea one", "Idea two"] && Set(list.map { $0.lowercased() }).count == 4)
        #expect(ideasAsset.provider == "openai" && ideasAsset.parameters?["inputTokens"] == JSONValue.int(20))

        // Without a key the local provider answers, and says so.
        let keyless = Generation(library: lib.library, runner: JobRunner(library: lib.library, workers: 1, lease: 30, environment: ProviderEnvironment([:])))
        let local = try await ImageGenerator(generation: keyless).generateImage(userId: "alice", prompt: "a fox", options: options, wait: true)
        let localId = try #require(local.assetId)
        let localAsset = try #require(try lib.assets.getAsset(localId, userId: "alice"))
        #expect(localAsset.provider == "local" && localAsset.parameters?["requestedModel"] == .string("dall-e-3"))
        #expect(localAsset.parameters?["providerNote"]?.stringValue?.contains("OPENAI_API_KEY") == true)
    }

    @Test func theCLIUsesOPENAIBaseURLEndToEnd() async throws {
        let lib = try TempLibrary()
        let server = try FakeProviderServer { _, _ in .json(200, Self.imageAnswer) }
        let result = try await CLI.run(
            ["generate", "image", "a red fox", "--model", "dall-e-3", "--wait", "--json"], library: lib.path,
            env: ["OPENAI_API_KEY": Self.key, "OPENAI_BASE_URL": server.baseURL + "/v1"])
        #expect(result.status == 0, "\(result.stderr)")
        let made = try JSONDecoder().decode(GenerateResult.self, from: Data(result.stdout.utf8))
        let madeId = try #require(made.assetId)
        let asset = try #require(try lib.assets.getAsset(madeId, userId: "alice"))
        #expect(asset.provider == "openai" && asset.width == 48 && server.requests.count == 1)
        #expect(!result.stderr.contains(Self.key) && !result.stdout.contains(Self.key))

        let chat = try FakeProviderServer { _, _ in
            .json(
                200,
                [
                    "id": "chatcmpl-1", "object": "chat.completion",
                    "choices": [
                        [
                            "index": 0,
                            "message": [
                                "role": "assistant", "content": "```json\n[\"Cold brew at home\", \"Tea and cheese pairings\", \"A tasting diary\"]\n```",
                            ], "finish_reason": "stop",
                        ]
                    ],
                    "usage": ["prompt_tokens": 30, "completion_tokens": 25, "total_tokens": 55],
                ])
        }
        let ideas = try await CLI.run(
            ["content", "ideas", "tea", "--count", "3", "--model", "gpt-4o-mini", "--json"], library: lib.path,
            env: ["OPENAI_API_KEY": Self.key, "OPENAI_BASE_URL": chat.baseURL + "/v1"])
        #expect(ideas.status == 0, "\(ideas.stderr)")
        let listed = try JSONDecoder().decode(ContentCreator.Ideas.self, from: Data(ideas.stdout.utf8)).ideas
        #expect(listed == ["Cold brew at home", "Tea and cheese pairings", "A tasting diary"])
        let request = try #require(chat.requests.first)
        #expect(request.path == "/v1/chat/completions" && request.json?["model"] as? String == "gpt-4o-mini")
        let saved = lib.library.store.readAll(CreativeAsset.self).entities.map(\.0).filter { $0.type == .text }
        #expect(saved.count == 1 && saved.first?.provider == "openai" && saved.first?.url == "content.md")
        #expect(try await SchemaContractTests.python(["scripts/validate-sidecars.py", lib.path]).status == 0)
    }
}

@Suite("Library settings: defaults and budgets")
struct SettingsTests {
    @Test func defaultsApplyAndPaidJobsStopAtTheMonthlyBudget() async throws {
        let lib = try TempLibrary()
        let settings =
            #"{"formatVersion": 1, "defaults": {"width": 320, "height": 200, "steps": 3}, "monthlyBudgetUSD": {"alice": 0.10, "*": 100}, "note": "kept"}"#
        try Data(settings.utf8).write(to: URL(fileURLWithPath: lib.path + "/library.json"))
        #expect(try lib.library.store.settings().budget(for: "alice") == 0.10)
        #expect(try lib.library.store.settings().budget(for: "bob") == 100)

        let server = try FakeProviderServer { _, _ in .json(200, ProviderTests.imageAnswer) }
        let runner = JobRunner(library: lib.library, workers: 1, lease: 30, environment: ProviderTests.env(server), retryPolicy: ProviderTests.fast)
        let images = ImageGenerator(generation: Generation(library: lib.library, runner: runner))
        let local = try await images.generateImage(userId: "alice", prompt: "a kite", wait: true)
        let localId = try #require(local.assetId)
        let made = try #require(try lib.assets.getAsset(localId, userId: "alice"))
        #expect(made.width == 320 && made.height == 200 && made.steps == 3)

        // 320×200 asks dall-e-3 for 1792x1024: $0.08 each against a $0.10 budget.
        var paid = GenerationRequest()
        paid.model = "dall-e-3"
        await #expect(try images.generateImage(userId: "alice", prompt: "one", options: paid, wait: true).success)
        // $0.08 spent: two more are admitted, and the run checks again, so only one of them is paid for.
        let two = try await #require(try images.generateImage(userId: "alice", prompt: "two", options: paid).jobId)
        let three = try await #require(try images.generateImage(userId: "alice", prompt: "three", options: paid).jobId)
        await #expect(try runner.runNow(two).status == .succeeded)
        let late = try await runner.runNow(three)
        #expect(late.status == .failed && late.errorMessage?.contains("monthly budget") == true && late.errorMessage?.contains("$0.16") == true)
        // Now spent: refused at submit, before a job is written.
        func jobFiles() -> Int { (FileManager.default.subpaths(atPath: lib.path + "/jobs") ?? []).filter { $0.hasSuffix("/job.json") }.count }
        let jobs = jobFiles()
        let refused = await expectError(.budgetExceeded) { try await images.generateImage(userId: "alice", prompt: "four", options: paid, wait: true) }
        #expect(refused?.message.contains("$0.16") == true)
        #expect(jobs == 4 && jobFiles() == jobs)
        #expect(server.requests.count == 2)
        await #expect(try images.generateImage(userId: "alice", prompt: "still free", wait: true).success)
        await #expect(try images.generateImage(userId: "bob", prompt: "bob pays", options: paid, wait: true).success)

        try Data("{ broken".utf8).write(to: URL(fileURLWithPath: lib.path + "/library.json"))
        let broken = await expectError(.invalidSidecar) { try await images.generateImage(userId: "alice", prompt: "x") }
        #expect(broken?.message.contains("library.json") == true)
    }
}
