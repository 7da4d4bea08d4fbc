import ArgumentParser
import CreativeCatalog
import Foundation

struct ImportCommand: ParsableCommand, JSONOutput {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Bring image, audio and video files into the library with the metadata they carry.",
        discussion: """
            Folders are walked recursively (links inside them are not followed, hidden files and non-media are skipped). \
            The prompt and settings A1111/Forge, Fooocus, ComfyUI, InvokeAI and NovelAI embed, XMP and IPTC titles, \
            descriptions and keywords, a NAME.txt beside an image and Eagle's metadata.json fill the asset's fields; \
            the blocks as found are kept in its parameters. Bytes already in the library are not added again. \
            Exit status 1 when some file was refused.
            """
    )
    @OptionGroup var global: GlobalOptions
    @Argument(help: "Files or folders to import.") var paths: [String]
    @Flag(help: "copy (default): the originals stay; move: they are removed once imported; link: hard links, no second copy (same filesystem).")
    var mode: ImportMode = .copy
    @Option(help: "A folder under assets/ to put the assets in (default: the month's folder).") var collection: String?
    @Flag(name: .customLong("dry-run"), help: "Read and report everything, write nothing.") var dryRun = false

    func run() throws {
        let library = try global.open()
        let bar = ProgressBar(dryRun ? "reading" : "importing", json: global.json)
        let summary = try library.assets.importFiles(
            paths, userId: global.userId, options: ImportOptions(mode: mode, collection: collection, dryRun: dryRun), progress: bar.update)
        bar.finish()
        Output.emit(summary, json: global.json) { Self.describe(summary) }
        if summary.refused > 0 { throw ExitCode(1) }
    }

    static func describe(_ s: ImportSummary) -> String {
        var lines: [String] = []
        for item in s.items {
            switch item.status {
            case .imported where s.dryRun: lines.append("would import  \(item.path)\(item.generator.map { "  (\($0))" } ?? "")")
            case .imported: lines.append("imported      \(item.path) → \(item.assetId ?? "")\(item.generator.map { "  (\($0))" } ?? "")")
            case .duplicate: lines.append("already there \(item.path)\(item.assetId.map { " = \($0)" } ?? "")")
            case .refused: lines.append("refused       \(item.path): \(item.reason ?? "")")
            }
            for problem in item.problems ?? [] { lines.append("              ! \(problem)") }
        }
        let verb = s.dryRun ? "would import" : "imported"
        lines.append("\(verb) \(s.imported), already there \(s.duplicates), refused \(s.refused)")
        return lines.joined(separator: "\n")
    }
}

extension ImportMode: EnumerableFlag {}

struct ExportCommand: ParsableCommand, JSONOutput {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write assets' media to a folder with their prompt and settings embedded.",
        discussion:
            "PNG gets a parameters text chunk, JPEG and WebP an EXIF UserComment (as A1111 writes them), all three an XMP packet with title, description and tags; the pixels are not re-encoded."
    )
    @OptionGroup var global: GlobalOptions
    @Argument(help: "Asset ids.") var ids: [String]
    @Option(help: "The folder to write to (made when missing).") var to: String

    func run() throws {
        let summary = try global.open().assets.exportAssets(ids, userId: global.userId, to: to)
        Output.emit(summary, json: global.json) {
            summary.items.map { item in
                if let path = item.path { return "\(item.assetId) → \(path)\(item.embedded ? "" : "  (\(item.reason ?? "copied"))")" }
                return "\(item.assetId): \(item.reason ?? "not written")"
            }.joined(separator: "\n")
        }
        if !summary.success { throw ExitCode(1) }
    }
}
