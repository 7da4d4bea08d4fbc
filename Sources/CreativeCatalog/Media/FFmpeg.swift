import Foundation

/// Audio and video through Debian's ffprobe and ffmpeg, run as child processes (no shell, a time
/// limit, capped output) on the calling thread: call from a blocking pool.
public enum FFmpeg {
    public static let ffprobe = "/usr/bin/ffprobe"
    public static let ffmpeg = "/usr/bin/ffmpeg"
    public static var available: Bool { FileManager.default.isExecutableFile(atPath: ffprobe) && FileManager.default.isExecutableFile(atPath: ffmpeg) }

    struct Probe: Equatable {
        var duration: Double?
        var width: Int?
        var height: Int?
        var hasVideo = false
        var hasAudio = false
    }

    /// What ffprobe says of a file; nil when it cannot read it as audio or video.
    static func probe(_ path: String) -> Probe? {
        guard
            let out = run(ffprobe, ["-v", "error", "-print_format", "json", "-show_format", "-show_streams", "--", path], limit: 1 << 20),
            case .object(let top)? = JSONReader.value(out)
        else { return nil }
        var probe = Probe()
        probe.duration = (top["format"]?.objectValue?["duration"]?.stringValue).flatMap(Double.init)
        for stream in (top["streams"]?.arrayValue ?? []).compactMap(\.objectValue) {
            switch stream["codec_type"]?.stringValue {
            case "video" where stream["disposition"]?.objectValue?["attached_pic"] != .int(1):
                if !probe.hasVideo { (probe.width, probe.height) = (stream["width"]?.intValue, stream["height"]?.intValue) }
                probe.hasVideo = true
            case "audio": probe.hasAudio = true
            default: break
            }
        }
        guard probe.hasVideo || probe.hasAudio else { return nil }
        return probe
    }

    /// A PNG of the frame at `seconds`, fitted inside `size` × `size` (never enlarged).
    static func poster(_ path: String, at seconds: Double, size: Int) -> Data? {
        run(
            ffmpeg,
            [
                "-v", "error", "-nostdin", "-ss", String(format: "%.3f", seconds), "-i", path, "-frames:v", "1",
                "-vf", "scale='min(\(size),iw)':'min(\(size),ih)':force_original_aspect_ratio=decrease", "-f", "image2pipe", "-c:v", "png", "-",
            ])
    }

    /// A PNG of the sound's waveform (`showwavespic` with square-root scaling: quiet parts stay visible).
    static func waveform(_ path: String, width: Int, height: Int) -> Data? {
        run(
            ffmpeg,
            [
                "-v", "error", "-nostdin", "-i", path, "-filter_complex",
                "aformat=channel_layouts=mono,showwavespic=s=\(width)x\(height):scale=sqrt:colors=0x4f7cac", "-frames:v", "1",
                "-f", "image2pipe", "-c:v", "png", "-",
            ])
    }

    /// Runs a tool and returns its standard output; nil when it fails, runs past `timeout`
    /// seconds (a hostile file may make a decoder spin) or writes more than `limit` bytes.
    /// - Parameter onLine: gets each line of standard output as it comes (ffmpeg's `-progress
    ///   pipe:1`); returning false stops the tool (the run then answers nil).
    public static func run(
        _ tool: String, _ arguments: [String], timeout: Double = 30, limit: Int = 32 << 20, onLine: ((Substring) -> Bool)? = nil
    ) -> Data? {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = arguments
        let out = Pipe()
        (process.standardOutput, process.standardError, process.standardInput) = (out, FileHandle.nullDevice, FileHandle.nullDevice)
        // Foundation's waitUntilExit spins on a thread without a run loop; the handler does not.
        let exited = DispatchSemaphore(value: 0)
        process.terminationHandler = { _ in exited.signal() }
        do { try process.run() } catch { return nil }
        let watchdog = DispatchWorkItem { if process.isRunning { process.terminate() } }
        DispatchQueue.global().asyncAfter(deadline: .now() + timeout, execute: watchdog)
        defer { watchdog.cancel() }
        var data = Data()
        var (lineStart, stopped) = (0, false)
        let reader = out.fileHandleForReading
        while let chunk = try? reader.read(upToCount: 64 << 10), !chunk.isEmpty {
            data.append(chunk)
            if data.count > limit {
                process.terminate()
                break
            }
            guard let onLine, !stopped else { continue }
            while let newline = data[lineStart...].firstIndex(of: UInt8(ascii: "\n")) {
                let line = String(decoding: data[lineStart..<newline], as: UTF8.self)
                lineStart = newline + 1
                if !onLine(Substring(line)) {
                    stopped = true
                    process.terminate()
                    break
                }
            }
        }
        exited.wait()
        guard !stopped, process.terminationReason == .exit, process.terminationStatus == 0, data.count <= limit else { return nil }
        return data
    }
}

extension MediaProbe {
    static let videoExtensions: Set<String> = ["mp4", "m4v", "mov", "webm", "mkv", "avi"]

    /// Length, size and a WebP thumbnail (a poster frame for video, the waveform for audio) of
    /// audio or video bytes, measured by ffprobe and ffmpeg; nil when they are not installed or
    /// cannot read the bytes. The bytes go to a private temp file (MP4 needs seeking).
    public static func audioVideo(_ data: Data, fileExtension: String) -> (duration: Double?, width: Int?, height: Int?, thumbnail: Data?)? {
        guard FFmpeg.available else { return nil }
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("creative-probe-\(UUID().uuidString).\(fileExtension)").path
        guard FileManager.default.createFile(atPath: path, contents: data, attributes: [.posixPermissions: 0o600]) else { return nil }
        defer { try? FileManager.default.removeItem(atPath: path) }
        // For a video file the poster frame (one second in) is taken while ffprobe runs.
        let guess = videoExtensions.contains(fileExtension.lowercased())
        let both = [0, 1].concurrentMap(threads: guess ? 2 : 1) { step -> (FFmpeg.Probe?, Data?) in
            step == 0 ? (FFmpeg.probe(path), nil) : (nil, guess ? FFmpeg.poster(path, at: 1, size: 512) : nil)
        }
        guard let probe = both[0].0 else { return nil }
        var picture = both[1].1
        if probe.hasVideo && picture?.isEmpty != false {
            picture = FFmpeg.poster(path, at: min(1, (probe.duration ?? 0) / 10), size: 512)
        } else if !probe.hasVideo {
            picture = FFmpeg.waveform(path, width: 512, height: 128)
        }
        return (probe.duration, probe.hasVideo ? probe.width : nil, probe.hasVideo ? probe.height : nil, picture.flatMap { thumbnail($0) })
    }
}
