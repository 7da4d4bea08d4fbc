import CreativeCatalog
import Foundation

/// The built-in offline video provider: the built-in image provider paints each scene at twice
/// the video's size, ffmpeg moves slowly into it (a Ken Burns zoom with `zoompan`), crossfades
/// scene to scene, lays the narration (from the built-in speech provider) or silence under it and
/// writes an H.264/AAC MP4 with its index first (`+faststart`), so browsers play it while loading.
public enum LocalVideo {
    public struct Request: Sendable {
        public var scenes: [String]
        public var negativePrompt: String?
        public var width: Int
        public var height: Int
        public var seed: Int
        public var seconds: Double
        public var narration: String?
        public var voice: String

        public init(
            scenes: [String], negativePrompt: String? = nil, width: Int = 640, height: Int = 360, seed: Int = 0, seconds: Double? = nil,
            narration: String? = nil, voice: String = "en"
        ) {
            (self.scenes, self.negativePrompt, self.seed, self.narration, self.voice) = (scenes, negativePrompt, seed, narration, voice)
            // H.264 in yuv420p wants even sides.
            (self.width, self.height) = (min(2048, max(64, width)) & ~1, min(2048, max(64, height)) & ~1)
            self.seconds = seconds ?? Double(4 * max(1, scenes.count))
        }

        /// Scenes are painted larger than the video, so the zoom never magnifies pixels: twice the
        /// size, as far as the image provider's 2048-pixel limit allows, keeping the aspect ratio.
        public var paintSize: (width: Int, height: Int) {
            let factor = min(2, 2048 / Double(max(width, height)))
            return (max(64, Int(Double(width) * factor)), max(64, Int(Double(height) * factor)))
        }
    }

    static let fps = 25

    /// The MP4's bytes. Blocking: libvips, eSpeak NG and ffmpeg. `progress(step, total)` counts
    /// the scenes painted, then the encode.
    public static func make(_ request: Request, progress: (Int, Int) -> Void = { _, _ in }) throws(CreativeError) -> Data {
        guard FFmpeg.available else {
            throw CreativeError(
                .providerUnavailable, "ffmpeg is not installed (Debian package ffmpeg; scripts/install-deps.sh installs it); the local video provider needs it."
            )
        }
        let scenes = request.scenes.isEmpty ? ["a quiet landscape"] : request.scenes
        let total = scenes.count + 1
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("creative-video-\(UUID().uuidString)").path
        do {
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o700])
        } catch {
            throw CreativeError(.storage, "Could not make a temporary folder for ffmpeg.")
        }
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let (paintWidth, paintHeight) = request.paintSize
        for (n, scene) in scenes.enumerated() {
            let image = LocalImageRequest(
                prompt: scene, negativePrompt: request.negativePrompt, width: paintWidth, height: paintHeight, seed: request.seed + n, steps: 8)
            do {
                try LocalImage.generate(image).write(to: URL(fileURLWithPath: "\(dir)/scene\(n).png"))
            } catch let error as CreativeError {
                throw error
            } catch {
                throw CreativeError(.storage, "Could not paint scene \(n + 1): \(error).")
            }
            progress(n + 1, total)
        }
        var audioInput = ["-f", "lavfi", "-i", "anullsrc=r=22050:cl=mono"]
        if let narration = request.narration?.trimmingCharacters(in: .whitespacesAndNewlines), !narration.isEmpty {
            let speech = try LocalSpeech.speak(narration, voice: request.voice, format: .wav)
            guard FileManager.default.createFile(atPath: "\(dir)/narration.wav", contents: speech) else {
                throw CreativeError(.storage, "Could not write the narration for ffmpeg.")
            }
            audioInput = ["-i", "\(dir)/narration.wav"]
        }
        let output = "\(dir)/video.mp4"
        let arguments = ffmpegArguments(request, scenes: scenes.count, in: dir, audio: audioInput, output: output)
        guard FFmpeg.run(FFmpeg.ffmpeg, arguments, timeout: 600) != nil, let video = FileManager.default.contents(atPath: output), !video.isEmpty else {
            throw CreativeError(.providerError, "ffmpeg could not compose the video.")
        }
        progress(total, total)
        return video
    }

    /// The ffmpeg command that composes `scene0.png`… in `dir` with the sound input (the
    /// benchmark runs the same command by itself).
    public static func ffmpegArguments(_ request: Request, scenes: Int, in dir: String, audio: [String], output: String) -> [String] {
        ["-v", "error", "-nostdin", "-y"] + (0..<scenes).flatMap { ["-i", "\(dir)/scene\($0).png"] } + audio
            + ["-filter_complex", filter(request, scenes: scenes), "-map", "[video]", "-map", "[audio]"]
            + ["-c:v", "libx264", "-preset", "veryfast", "-crf", "23", "-pix_fmt", "yuv420p", "-c:a", "aac", "-b:a", "96k"]
            + ["-movflags", "+faststart", "-t", String(format: "%.3f", request.seconds), output]
    }

    /// Each scene zoomed slowly for its share of the time, crossfaded into the next; the sound
    /// padded or cut to the video's length.
    static func filter(_ request: Request, scenes n: Int) -> String {
        let fade = min(0.5, request.seconds / Double(n) / 4)
        // Scenes overlap by the crossfade, so each lasts a little longer than its share.
        let clip = (request.seconds + Double(n - 1) * fade) / Double(n)
        let frames = max(1, Int((clip * Double(fps)).rounded(.up)))
        let step = 0.2 / Double(frames)
        var parts = (0..<n).map { i in
            "[\(i):v]zoompan=z='min(zoom+\(step),1.2)':d=\(frames):x='iw/2-(iw/zoom/2)':y='ih/2-(ih/zoom/2)'"
                + ":s=\(request.width)x\(request.height):fps=\(fps),setsar=1,format=yuv420p[v\(i)]"
        }
        var last = "v0"
        for i in 1..<max(1, n) {
            let offset = Double(i) * (clip - fade)
            parts.append("[\(last)][v\(i)]xfade=transition=fade:duration=\(fade):offset=\(String(format: "%.3f", offset))[x\(i)]")
            last = "x\(i)"
        }
        parts.append("[\(last)]null[video]")
        parts.append("[\(n):a]apad,atrim=0:\(String(format: "%.3f", request.seconds)),aresample=44100[audio]")
        return parts.joined(separator: ";")
    }
}
