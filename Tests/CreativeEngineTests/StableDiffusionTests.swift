import CreativeCatalog
import CreativeDaemon
import CreativeGeneration
import CreativeLibraries
import Foundation
import Testing

/// Stable Diffusion web UI and Stability AI against fakes speaking their real protocols.
@Suite("Stable Diffusion providers")
struct StableDiffusionTests {
    typealias Response = FakeProviderServer.Response

    @Test func webUIRendersWithLiveProgressIntoTheJob() async throws {
        let lib = try TempLibrary()
        let polls = Counter()
        let server = try FakeProviderServer { request, _ in
            if request.path.hasPrefix("/sdapi/v1/progress") {
                let step = min(polls.next(), 20)
                return .json(
                    200,
                    [
                        "progress": Double(step) / 20, "eta_relative": 1.0,
                        "state": ["sampling_step": step, "sampling_steps": 20, "job_count": 1],
                    ])
            }
            var answer = Response.json(
                200,
                [
                    "images": [Fixtures.png.base64EncodedString()], "parameters": [:] as [String: Any],
                    "info": "{\"seed\": 1234, \"sampler_name\": \"Euler a\"}",
                ])
            answer.delay = 1.2
            return answer
        }
        let env = ProviderEnvironment(["SDWEBUI_URL": server.baseURL])
        let runner = JobRunner(library: lib.library, workers: 1, lease: 30, environment: env, retryPolicy: ProviderTests.fast)
        let images = ImageGenerator(generation: Generation(library: lib.library, runner: runner))
        var options = GenerationRequest()
        (options.model, options.steps, options.width, options.height) = ("sdxl", 20, 640, 480)
        let steps = StepLog()
        let result = try await images.generateImage(userId: "alice", prompt: "a castle", options: options, wait: true, progress: steps.record)
        let assetId = try #require(result.assetId)
        let asset = try #require(try lib.assets.getAsset(assetId, userId: "alice"))
        #expect(asset.provider == "sdwebui" && asset.parameters?["providerSeed"] == .int(1234))
        #expect(steps.count >= 2, "progress was relayed while the image rendered")
        let txt2img = try #require(server.requests.first { $0.path == "/sdapi/v1/txt2img" })
        let body = try #require(txt2img.json)
        #expect(body["prompt"] as? String == "a castle" && body["steps"] as? Int == 20 && body["width"] as? Int == 640)
        #expect(body["cfg_scale"] as? Double == 7 && body["sampler_name"] as? String == "Euler a" && body["seed"] as? Int != nil)
    }

    @Test func stabilitySendsAMultipartFormAndReportsFilteredContent() async throws {
        let server = try FakeProviderServer { request, _ in
            let form = String(decoding: request.body, as: UTF8.self)
            if form.contains("forbidden") {
                return Response(status: 200, headers: ["Content-Type": "image/png", "finish-reason": "CONTENT_FILTERED", "seed": "7"], body: Fixtures.png)
            }
            return Response(status: 200, headers: ["Content-Type": "image/png", "finish-reason": "SUCCESS", "seed": "4242"], body: Fixtures.png)
        }
        let stability = StabilityImages(key: ProviderTests.key, baseURL: server.baseURL, policy: ProviderTests.fast)
        let output = try await stability.generate(prompt: "a lighthouse", negativePrompt: "fog", model: "stable-image-core", width: 1600, height: 900, seed: 9)
        #expect(output.image == Fixtures.png && output.seed == 4242 && output.cost == 0.03)
        let request = try #require(server.requests.first)
        #expect(request.path == "/v2beta/stable-image/generate/core" && request.headers["accept"] == "image/*")
        #expect(request.headers["content-type"]?.hasPrefix("multipart/form-data; boundary=") == true)
        let form = String(decoding: request.body, as: UTF8.self)
        #expect(form.contains("name=\"prompt\"\r\n\r\na lighthouse") && form.contains("name=\"aspect_ratio\"\r\n\r\n16:9"))
        #expect(form.contains("name=\"negative_prompt\"\r\n\r\nfog") && form.contains("name=\"seed\"\r\n\r\n9"))
        await expectError(.providerRefused) {
            try await stability.generate(prompt: "something forbidden", negativePrompt: nil, model: "sd3.5-large", width: 1024, height: 1024, seed: nil)
        }
        #expect(server.requests.last?.path == "/v2beta/stable-image/generate/sd3")
        await expectError(.providerAuth) {
            try await StabilityImages(key: nil).generate(prompt: "x", negativePrompt: nil, model: "stable-image-core", width: 1024, height: 1024, seed: nil)
        }
    }
}

/// A thread-safe counter for fake servers.
final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var value = 0
    func next() -> Int {
        lock.withLock {
            value += 1; return value
        }
    }
}
