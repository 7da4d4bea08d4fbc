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
}
