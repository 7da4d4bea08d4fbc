import CreativeCatalog
import CreativeGeneration
import Foundation
import Synchronization
import Testing

@testable import CreativeGeneration

/// Where a video's pictures and words come from besides a prompt: a script written from a text
/// template, an image the user already has; and what a running encode reports.
@Suite("Video from templates and images")
struct VideoSourcesTests {
    static let shortVideo = DefaultTemplates.all.first { $0.name == "Short video script" }!

    /// The mean grey (0–255) of a video's first frame.
    static func firstFrameGrey(_ path: String) throws -> Int {
        let out = try #require(
            FFmpeg.run(FFmpeg.ffmpeg, ["-v", "error", "-i", path, "-frames:v", "1", "-vf", "scale=1:1", "-f", "rawvideo", "-pix_fmt", "gray", "-"]))
        return Int(try #require(out.first))
    }

    @Test func scriptsAreReadFromTablesLabelledLinesAndParagraphs() {
        let table = """
            # Video script: tea

            | Scene | Time | Visuals | Voice-over |
            |---|---|---|---|
            | 1 | 0–5s | **Steam** rising from a cup | Slow down. |
            | 2 | 5–10s | Leaves unfurling in water | "Taste the morning." |
            """
        #expect(
            VideoScript.parse(table)
                == VideoScript(scenes: ["Steam rising from a cup", "Leaves unfurling in water"], narration: "Slow down. Taste the morning."))
        let labelled = """
            **Scene 1 (0-3s)**
            Visual: A runner at dawn
            Voice-over: Every mile starts here.

            **Scene 2 (3-6s)**
            On-screen: Shoes hitting wet pavement
            VO: Make it count.
            """
        #expect(
            VideoScript.parse(labelled)
                == VideoScript(scenes: ["A runner at dawn", "Shoes hitting wet pavement"], narration: "Every mile starts here. Make it count."))
        let numbered = "Scene 1: a lighthouse\nScene 2: waves on rocks\n"
        #expect(VideoScript.parse(numbered) == VideoScript(scenes: ["a lighthouse", "waves on rocks"], narration: nil))
        #expect(
            VideoScript.parse("# Title\n\nA field of poppies.\n\nA windmill turning.") == VideoScript(scenes: ["A field of poppies.", "A windmill turning."]))
        #expect(VideoScript.parse("# Only a heading\n\n") == nil)
        let long = (1...30).map { "Scene \($0): shot \($0)" }.joined(separator: "\n")
        #expect(VideoScript.parse(long)?.scenes.count == 20)
        // Narration sets the length: 25 words at 150 a minute, plus a second.
        #expect(VideoScript(scenes: ["a", "b"], narration: String(repeating: "word ", count: 25)).seconds == 11)
        #expect(VideoScript(scenes: ["a", "b", "c"], narration: nil).seconds == 12)
    }

    @Test func theShortVideoScriptTemplateBecomesANarratedVideoOffline() async throws {
        let lib = try TempLibrary()
        var request = GenerationRequest(kind: .video)
        (request.templateId, request.variables) = (Self.shortVideo.id, ["topic": .string("a reusable water bottle"), "seconds": .string("6")])
        (request.width, request.height) = (160, 90)
        let result = try await Generation(library: lib.library).generate(request, userId: "alice", wait: true)
        let id = try #require(result.assetId, "\(result.error ?? "")")
        let asset = try #require(try lib.assets.getAsset(id, userId: "alice"))
        #expect(asset.title == "Short video script: a reusable water bottle" && asset.templateId == Self.shortVideo.id)
        #expect(abs((asset.duration ?? 0) - 6) < 0.1 && asset.width == 160 && asset.thumbnailUrl != nil)
        // The built-in writer's five scenes, narrated by its voice-over column.
        #expect(asset.parameters?["scenes"] == .int(5) && asset.parameters?["scriptProvider"] == .string("local"))
        #expect(asset.parameters?["narration"]?.stringValue?.contains("reusable water bottle") == true)
        #expect(try await LocalVideoTests.ffprobe(try lib.folder(of: id) + "/video.mp4").contains("aac,audio"))
        #expect(asset.templateVariables?["topic"] == .string("a reusable water bottle"))

        // An image template is not a script.
        var wrong = request
        wrong.templateId = DefaultTemplates.all.first { $0.type == .image }!.id
        await expectError(.invalidInput) { _ = try await Generation(library: lib.library).generate(wrong, userId: "alice", wait: true) }
    }

    @Test func aChatModelWritesTheScriptInTheFormAskedFor() async throws {
        let answer = """
            Here is your script.

            | Scene | Time | Visuals | Voice-over |
            |---|---|---|---|
            | 1 | 0-2s | A kettle about to boil | Mornings deserve better. |
            | 2 | 2-4s | Tea poured into a glass cup | Brew yours in two minutes. |
            """
        let pieces = answer.split(separator: "\n", omittingEmptySubsequences: false).map { String($0) + "\n" }
        let server = try FakeProviderServer { _, _ in
            FakeProviderServer.Response(status: 200, headers: ["Content-Type": "text/event-stream"], body: StreamingTests.openAIStream(pieces, done: true))
        }
        let lib = try TempLibrary()
        var input = TemplateInput(name: "Tea ad", type: .text, prompt: "A short video ad for {{product}}.")
        input.model = "gpt-4o-mini"
        let template = try lib.templates.createTemplate(userId: "alice", template: input)
        let runner = JobRunner(library: lib.library, workers: 1, lease: 30, environment: ProviderTests.env(server), retryPolicy: ProviderTests.fast)
        var request = GenerationRequest(kind: .video)
        (request.templateId, request.variables, request.width, request.height) = (template.templateId, ["product": .string("green tea")], 128, 72)
        let result = try await Generation(library: lib.library, runner: runner).generate(request, userId: "alice", wait: true)
        let assetId = try #require(result.assetId, "\(result.error ?? "")")
        let asset = try #require(try lib.assets.getAsset(assetId, userId: "alice"))
        #expect(asset.parameters?["script"] == .array([.string("A kettle about to boil"), .string("Tea poured into a glass cup")]))
        #expect(asset.parameters?["narration"] == .string("Mornings deserve better. Brew yours in two minutes."))
        #expect(asset.parameters?["scriptProvider"] == .string("openai") && (asset.cost ?? 0) > 0)
        // 8 words: 5 seconds at 150 words a minute, at least 3 a scene → 6.
        #expect(abs((asset.duration ?? 0) - 6) < 0.1)
        let sent = try #require(server.requests.first?.json)
        let messages = (sent["messages"] as? [[String: Any]])?.compactMap { $0["content"] as? String }.joined(separator: "\n") ?? ""
        #expect(sent["model"] as? String == "gpt-4o-mini" && messages.contains("green tea") && messages.contains("Visuals, Voice-over"))
    }

    @Test func aVideoStartsFromTheUsersImage() async throws {
        let lib = try TempLibrary()
        let black = try lib.savePNG()
        var request = GenerationRequest(kind: .video, prompt: "a slow push in")
        (request.imageAssetId, request.width, request.height, request.seconds, request.seed) = (black, 128, 72, 1, 3)
        let generation = Generation(library: lib.library)
        let id = try #require(try await generation.generate(request, userId: "alice", wait: true).assetId)
        let asset = try #require(try lib.assets.getAsset(id, userId: "alice"))
        #expect(asset.parentAssetId == black && asset.parameters?["imageAssetId"] == .string(black))
        #expect(try Self.firstFrameGrey(try lib.folder(of: id) + "/video.mp4") < 20)
        // The same request painting its own first scene does not start black.
        request.imageAssetId = nil
        let painted = try #require(try await generation.generate(request, userId: "alice", wait: true).assetId)
        #expect(try Self.firstFrameGrey(try lib.folder(of: painted) + "/video.mp4") > 40)

        // Someone else's image, a text asset, a malformed id: refused before anything runs.
        let bobs = try lib.savePNG(user: "bob")
        request.imageAssetId = bobs
        await expectError(.notFound) { _ = try await generation.generate(request, userId: "alice", wait: true) }
        var text = AssetInput(media: .bytes(Data("words".utf8), fileName: "c.md"))
        text.title = "words"
        request.imageAssetId = try lib.assets.saveAsset(userId: "alice", asset: text).assetId
        await expectError(.invalidInput) { _ = try await generation.generate(request, userId: "alice", wait: true) }
        request.imageAssetId = "not-an-id"
        await expectError(.invalidInput) { _ = try await generation.generate(request, userId: "alice", wait: true) }
    }

    @Test func runwayAndVeoGetTheImageAsTheirProtocolsWantIt() async throws {
        let lib = try TempLibrary()
        let black = try lib.savePNG()
        let mp4 = try VideoProviderTests.sample()
        let server = try FakeProviderServer { request, _ in
            switch (request.method, request.path) {
            case ("POST", "/v1/image_to_video"): return .json(200, ["id": "task-1"])
            case ("GET", "/v1/tasks/task-1"):
                return .json(200, ["id": "task-1", "status": "SUCCEEDED", "output": ["http://\(request.headers["host"] ?? "")/files/out.mp4"]])
            case ("POST", "/v1beta/models/veo-3.0-generate-001:predictLongRunning"): return .json(200, ["name": "operations/op1"])
            case ("GET", "/v1beta/operations/op1"):
                let uri = "http://\(request.headers["host"] ?? "")/files/out.mp4"
                return .json(200, ["done": true, "response": ["generateVideoResponse": ["generatedSamples": [["video": ["uri": uri]]]]]])
            case ("GET", "/files/out.mp4"):
                var response = FakeProviderServer.Response(status: 200, body: mp4)
                response.headers = ["Content-Type": "video/mp4"]
                return response
            default: return .json(404, ["error": "no route \(request.path)"])
            }
        }
        let env = ProviderEnvironment([
            "RUNWAYML_API_SECRET": ProviderTests.key, "RUNWAYML_BASE_URL": server.baseURL, "GEMINI_API_KEY": ProviderTests.key,
            "GOOGLE_GEMINI_BASE_URL": server.baseURL,
        ])
        let runner = JobRunner(library: lib.library, workers: 1, lease: 30, environment: env, retryPolicy: ProviderTests.fast)
        for model in ["gen4_turbo", "veo-3.0-generate-001"] {
            var request = GenerationRequest(kind: .video, prompt: "the square drifts")
            (request.model, request.imageAssetId) = (model, black)
            let result = try await Generation(library: lib.library, runner: runner).generate(request, userId: "alice", wait: true)
            let assetId = try #require(result.assetId, "\(result.error ?? "")")
            let asset = try #require(try lib.assets.getAsset(assetId, userId: "alice"))
            #expect(asset.parentAssetId == black, "\(model)")
        }
        let runway = try #require(server.requests.first { $0.path == "/v1/image_to_video" }?.json)
        #expect(runway["promptImage"] as? String == "data:image/png;base64," + Fixtures.png.base64EncodedString())
        #expect(runway["promptText"] as? String == "the square drifts" && runway["model"] as? String == "gen4_turbo")
        let veo = try #require(server.requests.first { $0.path.hasSuffix(":predictLongRunning") }?.json)
        let image = ((veo["instances"] as? [[String: Any]])?.first?["image"]) as? [String: Any]
        #expect(image?["bytesBase64Encoded"] as? String == Fixtures.png.base64EncodedString() && image?["mimeType"] as? String == "image/png")
    }

    @Test func theEncodeReportsItsProgressAndStopsWhenCancelled() async throws {
        let lib = try TempLibrary()
        var request = GenerationRequest(kind: .video, prompt: "rain on a window")
        (request.width, request.height, request.seconds, request.seed) = (320, 180, 6, 1)
        let steps = Mutex<[Int]>([])
        let done = try await Generation(library: lib.library).generate(request, userId: "alice", wait: true) { step, total in
            steps.withLock { $0.append(step * 100 / total) }
        }
        #expect(done.success)
        // One scene is 1 of 11 steps (9%); the encode's tenths come between it and 100%.
        let seen = steps.withLock { $0 }
        #expect(seen.contains { $0 > 9 && $0 < 100 }, "\(seen)")

        // Cancelled as soon as the encode reports: ffmpeg is stopped, the job ends cancelled.
        request.seconds = 60
        let started = Mutex<(@Sendable () -> Void)?>(nil)
        let task = Task {
            try await Generation(library: lib.library).generate(request, userId: "alice", wait: true) { step, _ in
                if step >= 1 { started.withLock { $0?() } }
            }
        }
        started.withLock { $0 = { task.cancel() } }
        let cancelled = try await task.value
        #expect(!cancelled.success && cancelled.assetId == nil)
        let jobId = try #require(cancelled.jobId)
        let job = try #require(try lib.library.index.current(GenerationJob.self, id: jobId))
        #expect(job.status == .cancelled)
    }
}
