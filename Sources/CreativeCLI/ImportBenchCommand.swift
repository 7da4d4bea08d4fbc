import ArgumentParser
import CreativeCatalog
import CreativeGeneration
import Foundation

#if canImport(Glibc)
import Glibc
#endif

extension BenchCommand {
    struct Import: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Import speed: COUNT small PNGs with A1111 parameters, next to cp -r of the same folder.",
            discussion: """
                Writes COUNT distinct SIZE×SIZE PNGs from the built-in image provider (each with its \
                parameters chunk) into DIR/src, then in the same run, each after a sync and with the \
                files in the page cache: `cp -r` of the folder, `scripts/baseline-layout.py` (one \
                folder per file holding the copy and a JSON sidecar, as a library keeps it, nothing \
                read from the image) when given, and `creative import` into a fresh library as a \
                child process; RUNS times, the previous run's copies removed first. Reports median \
                seconds, files per second and the median of each run's ratio.
                """
        )
        @Option(help: "Work folder (recreated).") var dir = "/tmp/creative-bench-import"
        @Option(help: "Images to import.") var count = 10_000
        @Option(help: "Their width and height in pixels (64–2048).") var size = 64
        @Option(help: "scripts/baseline-layout.py, for the folder-per-file baseline.") var layoutScript: String?
        @Option(help: "Runs of the three (each on fresh copies); medians are reported.") var runs = 3
        @Flag(help: "Print JSON.") var json = false

        struct Report: Encodable {
            var machine: String
            var files: Int
            var pixels: Int
            var megabytes: Double
            var cpSeconds: Double
            var layoutSeconds: Double?
            var importSeconds: Double
            var importPeakRSSMiB: Double
            var filesPerSecond: Double
            var importOverCp: Double
            var importOverLayout: Double?
        }

        func run() throws {
            try? FileManager.default.removeItem(atPath: dir)
            let src = "\(dir)/src"
            try FileManager.default.createDirectory(atPath: src, withIntermediateDirectories: true)
            var bytes = 0
            for n in 0..<count {
                var request = LocalImageRequest(prompt: "a photo of thing \(n), (detailed:1.2)", negativePrompt: "blurry", seed: n, model: "sdxl")
                (request.width, request.height, request.steps) = (size, size, 1)
                let png = try LocalImage.generate(request)
                bytes += png.count
                try png.write(to: URL(fileURLWithPath: String(format: "%@/%06d.png", src, n)))
            }
            func synced<T>(_ body: () throws -> T) rethrows -> T {
                sync()
                return try body()
            }
            var (cps, layouts, imports, peaks, overCp, overLayout) = ([Double](), [Double](), [Double](), [Double](), [Double](), [Double]())
            for _ in 0..<max(1, runs) {
                for old in ["cp", "layout", "library"] { try? FileManager.default.removeItem(atPath: "\(dir)/\(old)") }
                let cp = try synced { try Measure.child(["/bin/cp", "-r", src, "\(dir)/cp"]) }
                let layout = try layoutScript.map { script in try synced { try Measure.child(["/usr/bin/env", "python3", script, src, "\(dir)/layout"]) } }
                _ = try CreativeLibrary.initialize("\(dir)/library")
                let imported = try synced { try Measure.child([Measure.selfPath, "import", "--library", "\(dir)/library", "--json", src]) }
                let summary = try JSONCoding.decoder().decode(ImportSummary.self, from: Data(imported.output.utf8))
                guard summary.imported == count, summary.refused == 0 else {
                    throw CreativeError(.storage, "The import took \(summary.imported) of \(count) files (\(summary.refused) refused).")
                }
                (cps, imports) = (cps + [cp.seconds], imports + [imported.seconds])
                (peaks, overCp) = (peaks + [imported.peakRSSMiB], overCp + [imported.seconds / cp.seconds])
                if let layout { (layouts, overLayout) = (layouts + [layout.seconds], overLayout + [imported.seconds / layout.seconds]) }
            }
            let (cp, imported) = (Measure.median(cps), Measure.median(imports))
            let layout = layouts.isEmpty ? nil : Measure.median(layouts)
            let report = Report(
                machine: Measure.machine, files: count, pixels: size, megabytes: Double(bytes) / 1_048_576, cpSeconds: cp,
                layoutSeconds: layout, importSeconds: imported, importPeakRSSMiB: peaks.max() ?? 0,
                filesPerSecond: Double(count) / imported, importOverCp: Measure.median(overCp),
                importOverLayout: overLayout.isEmpty ? nil : Measure.median(overLayout))
            Output.emit(report, json: json) {
                var lines = [
                    "machine: \(report.machine)",
                    String(format: "%d PNGs of %d×%d px, %.1f MB; medians of %d runs", count, size, size, report.megabytes, max(1, runs)),
                    String(format: "cp -r:            %7.2f s", cp),
                ]
                if let layout { lines.append(String(format: "folder per file:  %7.2f s (baseline-layout.py)", layout)) }
                lines.append(
                    String(format: "creative import:  %7.2f s  %.0f files/s  peak RSS %.0f MiB", imported, report.filesPerSecond, report.importPeakRSSMiB))
                lines.append(String(format: "import ÷ cp -r:   %7.2f×", report.importOverCp))
                if let ratio = report.importOverLayout { lines.append(String(format: "import ÷ layout:  %7.2f×", ratio)) }
                return lines.joined(separator: "\n")
            }
        }
    }
}
