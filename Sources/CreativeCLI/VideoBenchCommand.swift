import ArgumentParser
import CreativeCatalog
import CreativeGeneration
import Foundation

extension BenchCommand {
    struct Video: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Offline video: a job next to the bare ffmpeg command on the same scene images.",
            discussion: """
                Runs `creative generate video --wait` (a child process: paint the scenes, compose, probe, \
                thumbnail, store) and, in the same run, the same ffmpeg command by itself on scene images \
                painted beforehand (what a person would run with the pictures in hand). RUNS of each, \
                alternating; medians and the median of each run's ratio.
                """
        )
        @Option(help: "Work folder (recreated).") var dir = "/tmp/creative-bench-video"
        @Option(help: "Seconds of video.") var seconds = 10.0
        @Option(help: "Size as WIDTHxHEIGHT.") var size = "1280x720"
        @Option(help: "Scenes.") var scenes = 3
        @Option(help: "Runs of each.") var runs = 3
        @Flag(help: "Print JSON.") var json = false

        struct Report: Encodable {
            var machine: String
            var seconds: Double
            var width, height, scenes: Int
            var jobSeconds, ffmpegSeconds, jobOverFFmpeg: Double
        }

        func run() throws {
            let (width, height) = try parseSize(size)
            try? FileManager.default.removeItem(atPath: dir)
            try FileManager.default.createDirectory(atPath: "\(dir)/scenes", withIntermediateDirectories: true)
            let prompts = (0..<scenes).map { "scene \($0 + 1): a harbour at dawn, boats, gulls" }
            let request = LocalVideo.Request(scenes: prompts, width: width ?? 1280, height: height ?? 720, seed: 7, seconds: seconds)
            try LocalVideo.paint(request, scenes: prompts, in: "\(dir)/scenes")
            let script = "\(dir)/script.txt"
            try prompts.joined(separator: "\n").write(toFile: script, atomically: true, encoding: .utf8)
            let bare = LocalVideo.ffmpegArguments(
                request, scenes: scenes, in: "\(dir)/scenes", audio: ["-f", "lavfi", "-i", "anullsrc=r=22050:cl=mono"], output: "\(dir)/bare.mp4")
            var (jobs, bares, ratios) = ([Double](), [Double](), [Double]())
            for run in 0..<max(1, runs) {
                let library = "\(dir)/library\(run)"
                _ = try CreativeLibrary.initialize(library)
                let job = try Measure.child([
                    Measure.selfPath, "generate", "video", "bench", "--script", script, "--seconds", String(seconds),
                    "--size", "\(request.width)x\(request.height)", "--seed", "7", "--wait", "--json", "--library", library,
                ])
                let plain = try Measure.child([FFmpeg.ffmpeg] + bare)
                (jobs, bares, ratios) = (jobs + [job.seconds], bares + [plain.seconds], ratios + [job.seconds / plain.seconds])
            }
            let report = Report(
                machine: Measure.machine, seconds: seconds, width: request.width, height: request.height, scenes: scenes,
                jobSeconds: Measure.median(jobs), ffmpegSeconds: Measure.median(bares), jobOverFFmpeg: Measure.median(ratios))
            Output.emit(report, json: json) {
                [
                    "machine: \(report.machine)",
                    String(format: "%.0f s of %d×%d video, %d scenes; medians of %d runs", seconds, request.width, request.height, scenes, max(1, runs)),
                    String(format: "bare ffmpeg:           %6.2f s", report.ffmpegSeconds),
                    String(format: "creative generate job: %6.2f s", report.jobSeconds),
                    String(format: "job ÷ ffmpeg:          %6.2f×", report.jobOverFFmpeg),
                ].joined(separator: "\n")
            }
        }
    }
}
