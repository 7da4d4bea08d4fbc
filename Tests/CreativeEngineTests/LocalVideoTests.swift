import CreativeCatalog
import CreativeGeneration
import CreativeLibraries
import Foundation
import Synchronization
import Testing

/// The offline video provider: scenes, crossfades, narration, an H.264/AAC MP4 that streams.
@Suite("Offline video")
struct LocalVideoTests {
    static func ffprobe(_ path: String) async throws -> String {
        let arguments = ["-v", "error", "-show_entries", "stream=codec_type,codec_name", "-of", "csv=p=0", path]
        return String(decoding: try await Child.run("/usr/bin/ffprobe", arguments).stdout, as: UTF8.self)
    }

    /// The container's duration as ffprobe reads it, measured apart from the engine's own probe.
    static func seconds(_ path: String) async throws -> Double {
        let arguments = ["-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", path]
        let text = String(decoding: try await Child.run("/usr/bin/ffprobe", arguments).stdout, as: UTF8.self)
        return try #require(Double(text.trimmingCharacters(in: .whitespacesAndNewlines)), "\(path): \(text)")
    }

    @Test func aScriptBecomesANarratedVideo() async throws {
        let lib = try TempLibrary()
        let script = lib.path + "-script.txt"
        defer { try? FileManager.default.removeItem(atPath: script) }
        try "a red fox in deep snow\n\nneon city street at night\na quiet harbour at dawn\n".write(toFile: script, atomically: true, encoding: .utf8)
        let made = try await CLI.run(
            [
                "generate", "video", "Three places", "--script", script, "--seconds", "4.5", "--size", "200x112", "--narration", "A fox, a city, a harbour.",
                "--wait", "--json",
            ], library: lib.path)
        #expect(made.status == 0, "\(made.stderr)")
        let id = try #require((try JSONSerialization.jsonObject(with: Data(made.stdout.utf8)) as? [String: Any])?["assetId"] as? String)
        let asset = try #require(try lib.assets.getAsset(id, userId: "alice"))
        #expect(asset.type == .video && asset.url == "video.mp4" && asset.width == 200 && asset.height == 112)
        #expect(abs((asset.duration ?? 0) - 4.5) < 0.1 && asset.thumbnailUrl == "thumbnail.webp")
        #expect(asset.parameters?["scenes"] == .int(3) && asset.source == .generated && asset.provider == "local")
        let file = try lib.folder(of: id) + "/video.mp4"
        let streams = try await Self.ffprobe(file)
        #expect(streams.contains("h264,video") && streams.contains("aac,audio"), "\(streams)")
        let probed = try await Self.seconds(file)
        #expect(abs(probed - (asset.duration ?? 0)) < 0.1, "ffprobe \(probed) s, sidecar \(String(describing: asset.duration)) s")
        // +faststart: the index (moov) comes before the media data, so a browser can start at once.
        let bytes = try Data(contentsOf: URL(fileURLWithPath: file))
        let moov = try #require(bytes.range(of: Data("moov".utf8))), mdat = try #require(bytes.range(of: Data("mdat".utf8)))
        #expect(moov.lowerBound < mdat.lowerBound)

        // A request the video kind does not read is refused by name.
        let refused = try await CLI.run(["generate", "video", "x", "--seconds", "500", "--wait"], library: lib.path)
        #expect(refused.status == 1 && refused.stderr.contains("seconds must be between 1 and 120"))
        // The aspect ratio is kept whatever the size: painted larger, never past 2048 pixels.
        #expect(LocalVideo.Request(scenes: ["x"], width: 1280, height: 720).paintSize == (2048, 1152))
        #expect(LocalVideo.Request(scenes: ["x"], width: 640, height: 360).paintSize == (1280, 720))
    }
}

@Suite("Video providers over HTTP")
struct VideoProviderTests {
    /// A real MP4 for the fakes to hand out.
    static func sample() throws -> Data {
        try LocalVideo.make(LocalVideo.Request(scenes: ["a test card"], width: 96, height: 64, seconds: 1))
    }

    @Test func runwayTaskIsPolledUntilItsVideoIsReady() async throws {
        let mp4 = try Self.sample()
        let polls = Mutex(0)
        let server = try FakeProviderServer { request, _ in
            switch (request.method, request.path) {
            case ("POST", "/v1/text_to_video"): return .json(200, ["id": "task-7"])
            case ("GET", "/v1/tasks/task-7"):
                let n = polls.withLock { value -> Int in
                    value += 1
                    return value
                }
                if n < 2 { return .json(200, ["id": "task-7", "status": "RUNNING", "progress": 0.4]) }
                return .json(200, ["id": "task-7", "status": "SUCCEEDED", "output": ["http://\(request.headers["host"] ?? "")/files/out.mp4"]])
            case ("GET", "/files/out.mp4"):
                var response = FakeProviderServer.Response(status: 200, body: mp4)
                response.headers = ["Content-Type": "video/mp4"]
                return response
            default: return .json(404, ["error": "Not found"])
            }
        }
        let env = ProviderEnvironment(["RUNWAYML_API_SECRET": ProviderTests.key, "RUNWAYML_BASE_URL": server.baseURL])
        var runway = RunwayVideo(environment: env, policy: ProviderTests.fast)
        runway.pollInterval = 0.05
        let seen = Mutex<[Int]>([])
        let (video, taskId) = try await runway.generate(prompt: "a kite over dunes", model: "gen4_turbo", width: 1280, height: 720, seconds: 5) { step, _ in
            seen.withLock { $0.append(step) }
        }
        #expect(video == DownloadedMedia(data: mp4) && taskId == "task-7" && seen.withLock { $0 } == [40])
        // With a download folder (the job runner gives the library's), the video goes to a file as it arrives.
        var staging = env
        staging.downloadFolder = FileManager.default.temporaryDirectory.path
        var onDisk = RunwayVideo(environment: staging, policy: ProviderTests.fast)
        onDisk.pollInterval = 0.05
        let (saved, _) = try await onDisk.generate(prompt: "a kite", model: "gen4_turbo", width: 1280, height: 720, seconds: 5) { _, _ in }
        let file = try #require(saved.file)
        defer { try? FileManager.default.removeItem(atPath: file) }
        #expect(saved.data.isEmpty && FileManager.default.contents(atPath: file) == mp4 && (file as NSString).lastPathComponent.hasPrefix(".download."))
        let create = try #require(server.requests.first)
        #expect(create.headers["authorization"] == "Bearer \(ProviderTests.key)" && create.headers["x-runway-version"] == "2024-11-06")
        let body = try #require(create.json)
        #expect(body["promptText"] as? String == "a kite over dunes" && body["model"] as? String == "gen4_turbo" && body["ratio"] as? String == "1280:720")

        // Through the job runner: the asset is the downloaded video, measured.
        let lib = try TempLibrary()
        let runner = JobRunner(library: lib.library, workers: 1, lease: 30, environment: env, retryPolicy: ProviderTests.fast)
        var request = GenerationRequest(kind: .video, prompt: "a kite over dunes")
        request.model = "gen4_turbo"
        let made = try #require(try await Generation(library: lib.library, runner: runner).generate(request, userId: "alice", wait: true).assetId)
        let asset = try #require(try lib.assets.getAsset(made, userId: "alice"))
        #expect(asset.provider == "runway" && asset.width == 96 && (asset.cost ?? 0) > 0 && asset.parameters?["taskId"] == .string("task-7"))
        // Downloaded into the library's folder, taken into the asset and removed.
        #expect(asset.fileSize == mp4.count && asset.format == "mp4")
        #expect(try FileManager.default.contentsOfDirectory(atPath: lib.path).filter { $0.hasPrefix(".download.") }.isEmpty)
    }

    @Test func soraIsRefusedNamingTheAlternatives() async throws {
        let lib = try TempLibrary()
        var request = GenerationRequest(kind: .video, prompt: "x")
        request.model = "sora-2"
        let result = try await Generation(library: lib.library).generate(request, userId: "alice", wait: true)
        #expect(result.assetId == nil && result.error?.contains("shut its Videos (Sora) API down") == true && result.error?.contains("veo") == true)
    }
}

extension VideoProviderTests {
    @Test func veoOperationIsPolledAndItsVideoFetchedWithTheKey() async throws {
        let mp4 = try Self.sample()
        let polls = Mutex(0)
        let server = try FakeProviderServer { request, _ in
            guard request.headers["x-goog-api-key"] == ProviderTests.key else { return .json(403, ["error": ["code": 403, "message": "API key not valid."]]) }
            switch (request.method, request.path) {
            case ("POST", "/v1beta/models/veo-3.0-generate-001:predictLongRunning"):
                return .json(200, ["name": "models/veo-3.0-generate-001/operations/op42"])
            case ("GET", "/v1beta/models/veo-3.0-generate-001/operations/op42"):
                let n = polls.withLock { value -> Int in
                    value += 1
                    return value
                }
                if n < 2 { return .json(200, ["name": "models/veo-3.0-generate-001/operations/op42"]) }
                let uri = "http://\(request.headers["host"] ?? "")/v1beta/files/v1:download?alt=media"
                return .json(200, ["name": "op42", "done": true, "response": ["generateVideoResponse": ["generatedSamples": [["video": ["uri": uri]]]]]])
            case ("GET", "/v1beta/files/v1:download?alt=media"):
                var response = FakeProviderServer.Response(status: 200, body: mp4)
                response.headers = ["Content-Type": "video/mp4"]
                return response
            default: return .json(404, ["error": ["code": 404, "message": "not found"]])
            }
        }
        let env = ProviderEnvironment(["GOOGLE_API_KEY": ProviderTests.key, "GOOGLE_GEMINI_BASE_URL": server.baseURL])
        var veo = VeoVideo(environment: env, policy: ProviderTests.fast)
        veo.pollInterval = 0.05
        let (video, operation) = try await veo.generate(
            prompt: "waves at dusk", negativePrompt: "text", model: "veo-3.0-generate-001", width: 1280, height: 720
        ) { _, _ in }
        #expect(video == DownloadedMedia(data: mp4) && operation == "models/veo-3.0-generate-001/operations/op42")
        let body = try #require(server.requests.first?.json)
        let instance = (body["instances"] as? [[String: Any]])?.first
        #expect(instance?["prompt"] as? String == "waves at dusk")
        #expect((body["parameters"] as? [String: Any])?["aspectRatio"] as? String == "16:9")
        #expect(server.requests.allSatisfy { $0.headers["x-goog-api-key"] == ProviderTests.key })

        let wrong = VeoVideo(
            environment: ProviderEnvironment(["GEMINI_API_KEY": "bad-key-0000", "GOOGLE_GEMINI_BASE_URL": server.baseURL]), policy: ProviderTests.fast)
        let refused = await expectError(.providerAuth) {
            try await wrong.generate(prompt: "x", negativePrompt: nil, model: "veo-3.0-generate-001", width: 1280, height: 720) { _, _ in }
        }
        #expect(refused?.message.contains("API key not valid") == true)
    }
}
