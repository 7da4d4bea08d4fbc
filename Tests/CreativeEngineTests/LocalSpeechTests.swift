import CreativeCatalog
import CreativeGeneration
import Foundation
import Testing

/// eSpeak NG's library speaks, ffmpeg encodes; the result is a real audio asset.
@Suite("Offline speech")
struct LocalSpeechTests {
    @Test func textBecomesSpeechInEveryFormat() throws {
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
        }
        #expect(throws: CreativeError.self) { try LocalSpeech.pcm(text, voice: "../../etc") }
        #expect(throws: CreativeError.self) { try LocalSpeech.pcm(text, voice: "xx-nonexistent") }
        #expect(throws: CreativeError.self) { try LocalSpeech.pcm(text, speed: 9) }
    }

    @Test func speechIsAKindOfRequestForTheCLIAndTheInbox() async throws {
        let lib = try TempLibrary()
        let made = try CLI.run(
            ["generate", "audio", "Good morning from the library.", "--format", "wav", "--speed", "1.5", "--wait", "--json"], library: lib.path)
        #expect(made.status == 0, "\(made.stderr)")
        let id = try #require((try JSONSerialization.jsonObject(with: Data(made.stdout.utf8)) as? [String: Any])?["assetId"] as? String)
        let asset = try #require(try lib.assets.getAsset(id, userId: "alice"))
        #expect(asset.type == .audio && asset.url == "audio.wav" && (asset.duration ?? 0) > 0.5 && asset.provider == "local" && asset.source == .generated)
        #expect(asset.parameters?["speed"] == .double(1.5) && asset.thumbnailUrl == "thumbnail.webp")
        let refused = try CLI.run(["generate", "audio", "x", "--format", "aiff", "--wait"], library: lib.path)
        #expect(refused.status == 1 && refused.stderr.contains("format must be one of"))
        // An image field in a speech request is refused by name.
        var wrong = GenerationRequest(kind: .audio, prompt: "x")
        wrong.width = 512
        #expect(throws: CreativeError.self) { try wrong.validate() }

        let engine = try InboxTests.watch(lib)
        defer { InboxTests.stop(engine) }
        try InboxTests.drop(lib, "hello.json", #"{"kind": "audio", "prompt": "A request dropped into the inbox.", "format": "opus"}"#)
        #expect(await InboxTests.wait { InboxTests.jobs(lib).contains { $0.type == .audio && $0.status == .succeeded && $0.parameters?["source"] != nil } })
        let job = try #require(InboxTests.jobs(lib).first { $0.parameters?["source"] == .string("inbox/hello.json") })
        let spoken = try #require(try lib.assets.getAsset(job.id, userId: "local"))
        #expect(spoken.url == "audio.opus" && (spoken.duration ?? 0) > 0.5)
    }
}
