import CreativeCatalog
import CreativeGeneration
import CreativeLibraries
import Foundation
import Testing

/// eSpeak NG's library speaks, ffmpeg encodes; the result is a real audio asset.
@Suite("Offline speech")
struct LocalSpeechTests {
    @Test func textBecomesSpeechInEveryFormat() async throws {
        let text = "Hello from the offline speech provider. It needs no network."
        let (samples, rate) = try LocalSpeech.pcm(text)
        #expect(rate == 22_050 && samples.count > rate && samples.contains { abs(Int($0)) > 1000 })
        // Faster speech is shorter.
        let (fast, _) = try LocalSpeech.pcm(text, speed: 2)
        #expect(fast.count < samples.count * 3 / 4)

        let lib = try TempLibrary()
        for format in LocalSpeech.Format.allCases where format != .pcm {
            let data = try LocalSpeech.speak(text, format: format)
            let id = try lib.assets.saveAsset(userId: "alice", asset: AssetInput(media: .bytes(data, fileName: "speech.\(format.fileExtension)"))).assetId
            let asset = try #require(try lib.assets.getAsset(id, userId: "alice"))
            let seconds = Double(samples.count) / Double(rate)
            #expect(asset.type == .audio && abs((asset.duration ?? 0) - seconds) < 0.3, "\(format): \(String(describing: asset.duration)) vs \(seconds)")
            #expect(asset.thumbnailUrl == "thumbnail.webp", "\(format)")
            let probed = try await LocalVideoTests.seconds(try lib.folder(of: id) + "/" + asset.url)
            #expect(abs(probed - (asset.duration ?? 0)) < 0.1, "\(format): ffprobe \(probed) s, sidecar \(String(describing: asset.duration)) s")
        }
        #expect(throws: CreativeError.self) { try LocalSpeech.pcm(text, voice: "../../etc") }
        #expect(throws: CreativeError.self) { try LocalSpeech.pcm(text, voice: "xx-nonexistent") }
        #expect(throws: CreativeError.self) { try LocalSpeech.pcm(text, speed: 9) }
    }

    @Test func speechIsAKindOfRequestForTheCLIAndTheInbox() async throws {
        let lib = try TempLibrary()
        let made = try await CLI.run(
            ["generate", "audio", "Good morning from the library.", "--format", "wav", "--speed", "1.5", "--wait", "--json"], library: lib.path)
        #expect(made.status == 0, "\(made.stderr)")
        let id = try #require((try JSONSerialization.jsonObject(with: Data(made.stdout.utf8)) as? [String: Any])?["assetId"] as? String)
        let asset = try #require(try lib.assets.getAsset(id, userId: "alice"))
        #expect(asset.type == .audio && asset.url == "audio.wav" && (asset.duration ?? 0) > 0.5 && asset.provider == "local" && asset.source == .generated)
        #expect(asset.parameters?["speed"] == .double(1.5) && asset.thumbnailUrl == "thumbnail.webp")
        let refused = try await CLI.run(["generate", "audio", "x", "--format", "aiff", "--wait"], library: lib.path)
        #expect(refused.status == 1 && refused.stderr.contains("format must be one of"))
        // An image field in a speech request is refused by name.
        var wrong = GenerationRequest(kind: .audio, prompt: "x")
        wrong.width = 512
        #expect(throws: CreativeError.self) { try wrong.validate() }

        let engine = try InboxTests.watch(lib)
        defer { InboxTests.stop(engine) }
        try InboxTests.drop(lib, "hello.json", #"{"kind": "audio", "prompt": "A request dropped into the inbox.", "format": "opus"}"#)
        #expect(await eventually { InboxTests.jobs(lib).contains { $0.type == .audio && $0.status == .succeeded && $0.parameters?["source"] != nil } })
        let job = try #require(InboxTests.jobs(lib).first { $0.parameters?["source"] == .string("inbox/hello.json") })
        let spoken = try #require(try lib.assets.getAsset(job.id, userId: "local"))
        #expect(spoken.url == "audio.opus" && (spoken.duration ?? 0) > 0.5)
    }

    @Test func openAISpeechSpeaksTheRealProtocolAndJoinsLongText() async throws {
        let mp3 = try LocalSpeech.speak("One short answer.", format: .mp3)
        // One second of a 440 Hz tone as OpenAI's pcm: 24 kHz, 16-bit little-endian, mono.
        let tone = (0..<24_000).map { Int16(8000 * sin(Double($0) * 2 * .pi * 440 / 24_000)) }
        let pcm = tone.withUnsafeBufferPointer { Data(buffer: $0) }
        let server = try FakeProviderServer { request, _ in
            let raw = request.json?["response_format"] as? String == "pcm"
            var response = FakeProviderServer.Response(status: 200, body: raw ? pcm : mp3)
            response.headers = ["Content-Type": raw ? "audio/pcm" : "audio/mpeg"]
            return response
        }
        let lib = try TempLibrary()
        let runner = JobRunner(library: lib.library, workers: 1, lease: 30, environment: ProviderTests.env(server), retryPolicy: ProviderTests.fast)
        let generation = Generation(library: lib.library, runner: runner)

        var short = GenerationRequest(kind: .audio, prompt: "Hello there.")
        (short.model, short.voice, short.speed) = ("tts-1", "nova", 1.25)
        let made = try #require(try await generation.generate(short, userId: "alice", wait: true).assetId)
        let asset = try #require(try lib.assets.getAsset(made, userId: "alice"))
        #expect(asset.provider == "openai" && asset.model == "tts-1" && asset.url == "audio.mp3" && (asset.cost ?? 0) > 0)
        #expect(try Data(contentsOf: URL(fileURLWithPath: try lib.folder(of: made) + "/audio.mp3")) == mp3)
        let sent = try #require(server.requests.first)
        #expect(sent.method == "POST" && sent.path == "/v1/audio/speech" && sent.headers["authorization"] == "Bearer \(ProviderTests.key)")
        let body = try #require(sent.json)
        #expect(body["model"] as? String == "tts-1" && body["input"] as? String == "Hello there." && body["voice"] as? String == "nova")
        #expect(body["response_format"] as? String == "mp3" && body["speed"] as? Double == 1.25)

        // 7,525 characters: three parts cut at sentence ends, asked for as pcm (a second each here), joined, encoded once.
        let sentence = String(repeating: "word ", count: 300) + "end. "
        var long = GenerationRequest(kind: .audio, prompt: String(repeating: sentence, count: 5))
        (long.model, long.format) = ("tts-1-hd", "wav")
        let joined = try #require(try await generation.generate(long, userId: "alice", wait: true).assetId)
        let inputs = server.requests.dropFirst().compactMap { $0.json?["input"] as? String }
        #expect(inputs.count == 3 && inputs.allSatisfy { $0.count <= 4096 && $0.hasSuffix("end.") })
        #expect(server.requests.dropFirst().allSatisfy { $0.json?["response_format"] as? String == "pcm" })
        let wav = try #require(try lib.assets.getAsset(joined, userId: "alice"))
        #expect(wav.url == "audio.wav" && abs((wav.duration ?? 0) - 3) < 0.1, "\(String(describing: wav.duration))")
    }

    @Test func gpt4oMiniTTSTakesInstructionsAndTheOlderModelsRefuseThem() async throws {
        let mp3 = try LocalSpeech.speak("Calm.", format: .mp3)
        let server = try FakeProviderServer { _, _ in FakeProviderServer.Response(status: 200, headers: ["Content-Type": "audio/mpeg"], body: mp3) }
        let lib = try TempLibrary()
        let runner = JobRunner(library: lib.library, workers: 1, lease: 30, environment: ProviderTests.env(server), retryPolicy: ProviderTests.fast)
        let generation = Generation(library: lib.library, runner: runner)
        var request = GenerationRequest(kind: .audio, prompt: "Welcome back.")
        (request.model, request.instructions) = ("gpt-4o-mini-tts", "Speak softly, like a late-night radio host.")
        let made = try #require(try await generation.generate(request, userId: "alice", wait: true).assetId)
        #expect(server.requests.first?.json?["instructions"] as? String == "Speak softly, like a late-night radio host.")
        #expect(try lib.assets.getAsset(made, userId: "alice")?.parameters?["instructions"] == .string("Speak softly, like a late-night radio host."))

        request.model = "tts-1"
        let refused = await expectError(.invalidInput) { _ = try await generation.generate(request, userId: "alice", wait: true) }
        #expect(refused?.message.contains("tts-1 does not take instructions") == true && server.requests.count == 1)
        // Without instructions nothing extra is sent.
        request.instructions = nil
        _ = try await generation.generate(request, userId: "alice", wait: true)
        #expect(server.requests.last?.json?.keys.contains("instructions") == false)
        // The kind refuses them elsewhere: a video has no instructions.
        var video = GenerationRequest(kind: .video, prompt: "x")
        video.instructions = "loud"
        #expect(throws: CreativeError.self) { try video.validate() }
    }

    @Test func elevenLabsFindsTheVoiceByNameAndSpeaksItsProtocol() async throws {
        let tone = (0..<24_000).map { Int16(6000 * sin(Double($0) * 2 * .pi * 330 / 24_000)) }
        let pcm = tone.withUnsafeBufferPointer { Data(buffer: $0) }
        let server = try FakeProviderServer { request, _ in
            if request.method == "GET" && request.path == "/v1/voices" {
                return .json(200, ["voices": [["voice_id": "21m00Tcm4TlvDq8ikWAM", "name": "Rachel"], ["voice_id": "AZnzlk1XvdvUeBnXmlld", "name": "Domi"]]])
            }
            guard request.headers["xi-api-key"] == ProviderTests.key else {
                return .json(401, ["detail": ["status": "invalid_api_key", "message": "Invalid API key"]])
            }
            var response = FakeProviderServer.Response(status: 200, body: pcm)
            response.headers = ["Content-Type": "audio/pcm"]
            return response
        }
        let env = ProviderEnvironment(["ELEVENLABS_API_KEY": ProviderTests.key, "ELEVENLABS_BASE_URL": server.baseURL])
        let lib = try TempLibrary()
        let runner = JobRunner(library: lib.library, workers: 1, lease: 30, environment: env, retryPolicy: ProviderTests.fast)
        let generation = Generation(library: lib.library, runner: runner)
        var request = GenerationRequest(kind: .audio, prompt: "Hello from a cloned voice.")
        (request.model, request.voice, request.format) = ("eleven_multilingual_v2", "domi", "flac")
        let made = try #require(try await generation.generate(request, userId: "alice", wait: true).assetId)
        let asset = try #require(try lib.assets.getAsset(made, userId: "alice"))
        #expect(asset.provider == "elevenlabs" && asset.url == "audio.flac" && abs((asset.duration ?? 0) - 1) < 0.05)
        #expect(asset.parameters?["voiceId"] == .string("AZnzlk1XvdvUeBnXmlld"))
        let spoken = try #require(server.requests.first { $0.method == "POST" })
        #expect(spoken.path == "/v1/text-to-speech/AZnzlk1XvdvUeBnXmlld?output_format=pcm_24000")
        let body = try #require(spoken.json)
        #expect(body["text"] as? String == "Hello from a cloned voice." && body["model_id"] as? String == "eleven_multilingual_v2")
        #expect((body["voice_settings"] as? [String: Any])?["similarity_boost"] as? Double == 0.75)

        let wrongKey = ElevenLabsSpeech(
            environment: ProviderEnvironment(["ELEVENLABS_API_KEY": "sk-wrong-key-000", "ELEVENLABS_BASE_URL": server.baseURL]), policy: ProviderTests.fast)
        let refused = await expectError(.providerAuth) {
            try await wrongKey.speak("x", model: "eleven_multilingual_v2", voice: "21m00Tcm4TlvDq8ikWAM", format: .mp3, speed: 1)
        }
        #expect(refused?.message.contains("Invalid API key") == true)
    }
}
