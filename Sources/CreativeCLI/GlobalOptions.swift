import ArgumentParser
import CreativeCatalog
import CreativeLibraries
import Foundation

/// Options every library command takes.
struct GlobalOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("The library folder (env CREATIVE_LIBRARY, default ./library).", valueName: "dir"))
    var library: String?

    @Option(name: .long, help: ArgumentHelp("Act as this user id (env CREATIVE_USER, default local).", valueName: "id"))
    var user: String?

    @Flag(name: .long, help: "Print machine-readable JSON instead of text.")
    var json = false

    var libraryPath: String {
        library ?? ProcessInfo.processInfo.environment["CREATIVE_LIBRARY"] ?? "./library"
    }

    var userId: String {
        user ?? ProcessInfo.processInfo.environment["CREATIVE_USER"] ?? "local"
    }

    /// Opens the library; building a missing index (a fresh copy) shows a progress bar.
    func open() throws(CreativeError) -> CreativeLibrary {
        let bar = ProgressBar("building the index", json: json)
        defer { bar.finish() }
        return try CreativeLibrary.open(libraryPath, indexProgress: bar.update)
    }
}

/// A command with the global options, so errors can be printed the way it prints results.
protocol JSONOutput {
    var global: GlobalOptions { get }
}

extension FileHandle {
    func write(_ text: String) { write(Data(text.utf8)) }
}
