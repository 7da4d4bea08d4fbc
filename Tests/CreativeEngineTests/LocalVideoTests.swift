import CreativeCatalog
import Foundation
import Testing

/// The offline video provider: scenes, crossfades, narration, an H.264/AAC MP4 that streams.
@Suite("Offline video")
struct LocalVideoTests {
    static func ffprobe(_ path: String) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/ffprobe")
        process.arguments = ["-v", "error", "-show_entries", "stream=codec_type,codec_name", "-of", "csv=p=0", path]
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }

    @Test func aScriptBecomesANarratedVideo() throws {
        let lib = try TempLibrary()
        let script = lib.path + "-script.txt"
        defer { try? FileManager.default.removeItem(atPath: script) }
        try "a red fox in deep snow\n\nneon city street at night\na quiet harbour at dawn\n".write(toFile: script, atomically: true, encoding: .utf8)
        let made = try CLI.run(
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
        let streams = try Self.ffprobe(file)
        #expect(streams.contains("h264,video") && streams.contains("aac,audio"), "\(streams)")
        // +faststart: the index (moov) comes before the media data, so a browser can start at once.
        let bytes = try Data(contentsOf: URL(fileURLWithPath: file))
        let moov = try #require(bytes.range(of: Data("moov".utf8))), mdat = try #require(bytes.range(of: Data("mdat".utf8)))
        #expect(moov.lowerBound < mdat.lowerBound)

        // A request the video kind does not read is refused by name.
        let refused = try CLI.run(["generate", "video", "x", "--seconds", "500", "--wait"], library: lib.path)
        #expect(refused.status == 1 && refused.stderr.contains("seconds must be between 1 and 120"))
    }
}
