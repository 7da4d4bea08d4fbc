import ArgumentParser
import CreativeCatalog
import CreativeLibraries
import Foundation

struct IndexCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "index",
        abstract: "Rebuild, check and inspect the library's index (.index/, a cache of the sidecars).",
        discussion: """
            The index answers listings and search. It is kept current by every write the engine \
            makes; edits made by hand are picked up by `creative watch` (live) or by the reconcile \
            that list and search commands run first. Deleting .index/ is always safe.
            """,
        subcommands: [Rebuild.self, Check.self, Stats.self]
    )

    struct Rebuild: ParsableCommand, JSONOutput {
        static let configuration = CommandConfiguration(
            abstract: "Rebuild the index from every sidecar.",
            discussion: "Sidecars that cannot be read or parsed are listed and skipped."
        )
        @OptionGroup var global: GlobalOptions

        func run() throws {
            let bar = ProgressBar("indexing", json: global.json)
            let (_, report) = try CreativeLibrary.openRebuilt(global.libraryPath, progress: bar.update)
            bar.finish()
            Output.emit(report, json: global.json) {
                var lines = [String(format: "indexed %d assets, %d templates, %d jobs in %.2fs", report.assets, report.templates, report.jobs, report.seconds)]
                lines += SidecarProblem.summary(report.problems, verb: "skipped")
                return lines.joined(separator: "\n")
            }
        }
    }

    struct Check: ParsableCommand, JSONOutput {
        static let configuration = CommandConfiguration(
            abstract: "Report drift between the index and the disk, changing nothing.",
            discussion: """
                Exit status 0 when they agree, 1 when they drift (run `creative index rebuild` or any list command to catch up) \
                or when the library holds links, FIFOs, sockets or devices (never read; remove them or copy the real file in).
                """
        )
        @OptionGroup var global: GlobalOptions

        func run() throws {
            let library = try global.open()
            let report = try library.index.check()
            Output.emit(report, json: global.json) {
                var lines = ["\(report.indexed) indexed, \(report.onDisk) on disk"]
                lines += report.missing.map { "missing from the index: \($0)" }
                lines += report.stale.map { "changed since indexed:  \($0)" }
                lines += report.orphaned.map { "gone from disk:         \($0)" }
                lines += report.problems.map { "cannot be indexed:      \($0.path): \($0.reason)" }
                lines += report.notRegular.map { "not a regular file:     \($0.path): \($0.reason)" }
                if report.isClean { lines.append("index and disk agree") }
                return lines.joined(separator: "\n")
            }
            if !report.isClean || !report.notRegular.isEmpty { throw ExitCode.failure }
        }
    }

    struct Stats: ParsableCommand, JSONOutput {
        static let configuration = CommandConfiguration(abstract: "Show what the index holds.")
        @OptionGroup var global: GlobalOptions

        func run() throws {
            let stats = try global.open().index.stats()
            Output.emit(stats, json: global.json) {
                """
                assets:     \(stats.assets)
                templates:  \(stats.templates)
                jobs:       \(stats.jobs)
                tags:       \(stats.tags)
                file:       \(stats.file) (\(stats.bytes / 1024) KiB, schema \(stats.schemaVersion))
                built:      \(stats.builtAt ?? "unknown")
                """
            }
        }
    }
}

/// Opens the library and brings its index up to date with hand edits before a listing.
func openReconciled(_ global: GlobalOptions, reconcile: Bool) throws -> CreativeLibrary {
    let library = try global.open()
    if reconcile {
        let bar = ProgressBar("indexing changes", json: global.json)
        let report = try library.index.reconcile(progress: bar.update)
        bar.finish()
        for line in SidecarProblem.summary(report.problems, verb: "skipped") {
            FileHandle.standardError.write("warning: \(line)\n")
        }
    }
    return library
}
