import CreativeCatalog
import Foundation
import Testing

/// Audio and video assets are measured by ffprobe and get a thumbnail from ffmpeg (Debian's
/// `ffmpeg`, installed by scripts/install-deps.sh); the test media are made by ffmpeg here.
@Suite("Audio and video probing")
struct MediaProbeTests {
    /// Runs ffmpeg to make a test file; returns its bytes.
    static func make(_ name: String, _ arguments: [String], in dir: String) async throws -> Data {
        let ended = try await Child.run("/usr/bin/ffmpeg", ["-v", "error", "-y"] + arguments + ["\(dir)/\(name)"])
        #expect(ended.status == 0, "ffmpeg could not make \(name): \(String(decoding: ended.stderr, as: UTF8.self))")
        return try Data(contentsOf: URL(fileURLWithPath: "\(dir)/\(name)"))
    }

    static func webpSize(_ data: Data) -> (Int, Int)? {
        let info = MediaProbe.inspect(data, fileName: nil)
        guard info.format == "webp", let width = info.width, let height = info.height else { return nil }
        return (width, height)
    }

    @Test func videoAndAudioAreMeasuredAndGetAThumbnail() async throws {
        let lib = try TempLibrary()
        let dir = lib.path + "-media"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let video = try await Self.make(
            "clip.mp4",
            [
                "-f", "lavfi", "-i", "testsrc=size=160x120:rate=10:duration=2", "-f", "lavfi", "-i", "sine=frequency=440:duration=2",
                "-c:v", "libx264", "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest", "-movflags", "+faststart",
            ], in: dir)
        let audio = try await Self.make("tone.mp3", ["-f", "lavfi", "-i", "sine=frequency=220:duration=1.5", "-c:a", "libmp3lame"], in: dir)

        let videoId = try lib.assets.saveAsset(userId: "alice", asset: AssetInput(media: .bytes(video, fileName: "clip.mp4"))).assetId
        let v = try #require(try lib.assets.getAsset(videoId, userId: "alice"))
        #expect(v.type == .video && v.width == 160 && v.height == 120 && abs((v.duration ?? 0) - 2) < 0.2 && v.thumbnailUrl == "thumbnail.webp")
        let poster = try Data(contentsOf: URL(fileURLWithPath: try lib.folder(of: videoId) + "/thumbnail.webp"))
        #expect(Self.webpSize(poster).map { $0 == (160, 120) } == true, "\(String(describing: Self.webpSize(poster)))")

        var input = AssetInput(media: .bytes(audio, fileName: "tone.mp3"))
        input.duration = 99  // measured wins
        let audioId = try lib.assets.saveAsset(userId: "alice", asset: input).assetId
        let a = try #require(try lib.assets.getAsset(audioId, userId: "alice"))
        #expect(a.type == .audio && a.width == nil && abs((a.duration ?? 0) - 1.5) < 0.2 && a.thumbnailUrl == "thumbnail.webp")
        let wave = try Data(contentsOf: URL(fileURLWithPath: try lib.folder(of: audioId) + "/thumbnail.webp"))
        #expect(Self.webpSize(wave).map { $0 == (512, 128) } == true, "\(String(describing: Self.webpSize(wave)))")

        // Shorter than the second the poster is first looked for at: its first frame instead.
        let blink = try await Self.make(
            "blink.mp4", ["-f", "lavfi", "-i", "testsrc=size=96x64:rate=10:duration=0.5", "-c:v", "libx264", "-pix_fmt", "yuv420p"], in: dir)
        let blinkId = try lib.assets.saveAsset(userId: "alice", asset: AssetInput(media: .bytes(blink, fileName: "blink.mp4"))).assetId
        #expect(try lib.assets.getAsset(blinkId, userId: "alice")?.thumbnailUrl == "thumbnail.webp")

        // Bytes that only claim to be a video: kept as given, nothing measured, no thumbnail.
        let fake = try lib.assets.saveAsset(userId: "alice", asset: AssetInput(media: .bytes(Data("not a video".utf8), fileName: "fake.mp4"))).assetId
        let f = try #require(try lib.assets.getAsset(fake, userId: "alice"))
        #expect(f.type == .video && f.duration == nil && f.thumbnailUrl == nil)

        // Import measures the same way.
        let other = try await Self.make("other.wav", ["-f", "lavfi", "-i", "sine=frequency=330:duration=0.5"], in: dir)
        #expect(!other.isEmpty)
        let summary = try lib.assets.importFiles([dir + "/other.wav"], userId: "alice")
        let importedId = try #require(summary.items.first?.assetId)
        #expect(abs((try lib.assets.getAsset(importedId, userId: "alice")?.duration ?? 0) - 0.5) < 0.1)
    }
}
