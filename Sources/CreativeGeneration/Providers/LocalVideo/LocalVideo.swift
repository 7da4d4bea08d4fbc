import CVips
import CreativeCatalog
import Foundation
import Synchronization

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
        /// An image (PNG, JPEG, WebP, GIF) shown as the first scene instead of painting it.
        public var startImage: Data?

        public init(
            scenes: [String], negativePrompt: String? = nil, width: Int = 640, height: Int = 360, seed: Int = 0, seconds: Double? = nil,
            narration: String? = nil, voice: String = "en", startImage: Data? = nil
        ) {
            (self.scenes, self.negativePrompt, self.seed, self.narration, self.voice) = (scenes, negativePrompt, seed, narration, voice)
            self.startImage = startImage
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

    /// Steps of the encode in `progress`: tenths of the video written.
    static let encodeSteps = 10

    /// The MP4's bytes. Blocking: libvips, eSpeak NG and ffmpeg. `progress(step, total)` counts
    /// the scenes painted, then tenths of the encode (ffmpeg's `-progress`); `isCancelled` is
    /// asked between scenes and while ffmpeg runs, which it stops.
    public static func make(
        _ request: Request, progress: @escaping @Sendable (Int, Int) -> Void = { _, _ in }, isCancelled: @escaping @Sendable () -> Bool = { false }
    ) throws(CreativeError) -> Data {
        guard FFmpeg.available else {
            throw CreativeError(
                .providerUnavailable, "ffmpeg is not installed (Debian package ffmpeg; scripts/install-deps.sh installs it); the local video provider needs it."
            )
        }
        let scenes = request.scenes.isEmpty ? ["a quiet landscape"] : request.scenes
        let total = scenes.count + encodeSteps
        let cancelled = CreativeError(.cancelled, "The job was cancelled.")
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("creative-video-\(UUID().uuidString)").path
        do {
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o700])
        } catch {
            throw CreativeError(.storage, "Could not make a temporary folder for ffmpeg.")
        }
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try paint(request, scenes: scenes, in: dir, progress: { progress($0, total) }, isCancelled: isCancelled)
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
        let composed = FFmpeg.run(FFmpeg.ffmpeg, ["-progress", "pipe:1", "-nostats"] + arguments, timeout: 600) { line in
            if line.hasPrefix("out_time_us="), let micros = Double(line.dropFirst(12)) {
                let done = min(1, max(0, micros / 1_000_000 / request.seconds))
                progress(scenes.count + Int(done * Double(encodeSteps - 1)), total)
            }
            return !isCancelled()
        }
        if isCancelled() { throw cancelled }
        guard composed != nil, let video = FileManager.default.contents(atPath: output), !video.isEmpty else {
            throw CreativeError(.providerError, "ffmpeg could not compose the video.")
        }
        progress(total, total)
        return video
    }

    /// A scene's file: raw RGB (nothing to compress or decode; ffmpeg reads it as one frame),
    /// or a PNG for the start image.
    static func sceneFile(_ n: Int, _ request: Request) -> String {
        n == 0 && request.startImage != nil ? "scene0.png" : "scene\(n).rgb"
    }

    /// Paints `scenes` as `scene0.rgb`… in `dir`, on every core (or the start image for the
    /// first); `progress(n)` counts the scenes done. The benchmark prepares its inputs with it too.
    public static func paint(
        _ request: Request, scenes: [String], in dir: String, progress: @escaping @Sendable (Int) -> Void = { _ in },
        isCancelled: @escaping @Sendable () -> Bool = { false }
    ) throws(CreativeError) {
        let (width, height) = request.paintSize
        let done = Mutex(0)
        let failures = Array(scenes.enumerated()).concurrentMap(threads: ProcessInfo.processInfo.activeProcessorCount) { (n, scene) -> CreativeError? in
            guard !isCancelled() else { return CreativeError(.cancelled, "The job was cancelled.") }
            let frame: Data
            do {
                if n == 0, let start = request.startImage {
                    frame = try cover(start, width, height)
                } else {
                    let image = LocalImageRequest(
                        prompt: scene, negativePrompt: request.negativePrompt, width: width, height: height, seed: request.seed + n, steps: 8)
                    frame = Data(try LocalImage.pixels(image))
                }
            } catch let error as CreativeError {
                return error
            } catch {
                return CreativeError(.storage, "Could not paint scene \(n + 1): \(error).")
            }
            guard FileManager.default.createFile(atPath: "\(dir)/\(sceneFile(n, request))", contents: frame) else {
                return CreativeError(.storage, "Could not write scene \(n + 1) for ffmpeg.")
            }
            progress(
                done.withLock { count -> Int in
                    count += 1
                    return count
                })
            return nil
        }
        if let failure = failures.compactMap({ $0 }).first { throw failure }
    }

    /// `image` scaled to cover the frame and cropped to its middle, as a PNG. Blocking: libvips.
    static func cover(_ image: Data, _ width: Int, _ height: Int) throws(CreativeError) -> Data {
        let png: Data? = image.withUnsafeBytes { raw -> Data? in
            // vips is lazy: the encode runs while the input bytes are still borrowed.
            guard MediaProbe.initialized, let base = raw.baseAddress else { return nil }
            var scaled: UnsafeMutablePointer<VipsImage>?
            guard cv_thumbnail_cover(UnsafeMutableRawPointer(mutating: base), raw.count, &scaled, Int32(width), Int32(height)) == 0, let scaled else {
                return nil
            }
            defer { cv_unref(scaled) }
            var buffer: UnsafeMutableRawPointer?
            var length = 0
            guard cv_pngsave_buffer(scaled, &buffer, &length, 1, Int32(VIPS_FOREIGN_PNG_FILTER_NONE.rawValue)) == 0, let buffer else { return nil }
            defer { cv_free(buffer) }
            return Data(bytes: buffer, count: length)
        }
        guard let png else {
            vips_error_clear()
            throw CreativeError(.unsupportedMedia, "The start image could not be read as an image.", field: "imageAssetId")
        }
        return png
    }

    /// The ffmpeg command that composes the scene files in `dir` with the sound input (the
    /// benchmark runs the same command by itself).
    public static func ffmpegArguments(_ request: Request, scenes: Int, in dir: String, audio: [String], output: String) -> [String] {
        let (width, height) = request.paintSize
        let raw = ["-f", "rawvideo", "-pixel_format", "rgb24", "-video_size", "\(width)x\(height)"]
        return ["-v", "error", "-nostdin", "-y"]
            + (0..<scenes).flatMap { n in (sceneFile(n, request).hasSuffix(".rgb") ? raw : []) + ["-i", "\(dir)/\(sceneFile(n, request))"] } + audio
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
