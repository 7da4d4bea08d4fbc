import ArgumentParser
import CreativeJobs
import CreativeLibraries
import Foundation
import Logging
import ServiceLifecycle

struct WatchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "watch",
        abstract: "Watch the library: turn inbox files into jobs, run them, keep the index current.",
        discussion: """
            Drop a prompt into inbox/: a .txt or .prompt file is an image prompt; a .md file may \
            start with YAML front matter (any request field, see docs/SCHEMA.md) above the prompt; \
            a .json file is a full request (image, content, improve, ideas, from-template). Files \
            in inbox/<user>/ run as that user. Results appear under assets/<yyyy-mm>/; rejected \
            files move to inbox/failed/ with NAME.error.txt saying why.

            Several `creative watch` processes (on one machine or several sharing the folder) may \
            run at once: each request runs exactly once. SIGTERM or Ctrl-C lets running jobs finish; \
            after a crash, the next start runs whatever was left.
            """,
        // `serve` will add the REST API to the same process (issue 6); until then it is this.
        aliases: ["serve"]
    )

    @OptionGroup var global: GlobalOptions
    @Option(help: "Worker threads (default: one per core).") var workers: Int?
    @Option(help: "Seconds a job claim lives without renewal; a crashed worker's jobs run again after this.") var lease = 30.0
    @Option(help: "Poll every SECONDS instead of using inotify (for NFS and other network filesystems).", transform: { text in
        guard let value = Double(text), value > 0 else { throw ValidationError("--poll takes a number of seconds, such as 2.") }
        return value
    }) var poll: Double?
    @Option(help: "Seconds between safety rescans of the inbox and the library.") var rescan = 30.0

    func run() async throws {
        let library = try CreativeLibrary.initialize(global.libraryPath).0
        var options = Engine.Options()
        options.workers = workers ?? options.workers
        options.lease = lease
        options.pollInterval = poll
        options.rescanInterval = rescan
        options.defaultUser = global.userId
        let engine = Engine(library: library, options: options)
        let group = ServiceGroup(
            configuration: .init(services: [.init(service: engine, successTerminationBehavior: .gracefullyShutdownGroup)],
                                 gracefulShutdownSignals: [.sigterm, .sigint], logger: Logger(label: "creative"))
        )
        try await group.run()
    }
}
