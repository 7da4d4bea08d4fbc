import ArgumentParser
import CreativeCatalog
import CreativeLibraries

struct InitCommand: ParsableCommand, JSONOutput {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Create a library folder, or complete an existing one.",
        discussion: """
            Creates assets/, templates/, jobs/, inbox/ (with failed/), .trash/ and .index/, writes \
            library.json, adds the default templates that are missing and removes temp files left \
            by crashed processes. Safe to run again: nothing a person changed is overwritten, and \
            a default template you deleted stays deleted.
            """
    )

    @OptionGroup var global: GlobalOptions

    func run() throws {
        let (_, report) = try CreativeLibrary.initialize(global.libraryPath)
        Output.emit(report, json: global.json) {
            var lines = ["library ready at \(report.library)"]
            if !report.templatesAdded.isEmpty {
                lines.append("added \(report.templatesAdded.count) default templates: \(report.templatesAdded.joined(separator: ", "))")
            }
            if !report.strayFilesRemoved.isEmpty {
                lines.append("removed \(report.strayFilesRemoved.count) stray temp files")
            }
            return lines.joined(separator: "\n")
        }
    }
}
