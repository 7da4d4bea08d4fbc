import ArgumentParser
import CreativeCatalog
import CreativeDaemon
import CreativeGeneration
import CreativeLibraries
import Foundation

struct JobCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "job",
        abstract: "List, inspect, cancel and retry generation jobs.",
        subcommands: [List.self, Status.self, Cancel.self, Retry.self]
    )

    struct List: ParsableCommand, JSONOutput {
        static let configuration = CommandConfiguration(abstract: "Your jobs, newest first.")
        @OptionGroup var global: GlobalOptions
        @Option(help: "queued, running, succeeded, failed or cancelled.") var status: JobStatus?
        @Option(help: "Items per page, 1–500 (default 50).") var limit: Int?
        @Option(help: "Continue after a previous page.") var cursor: String?

        func run() throws {
            let library = try global.open()
            let page = try library.index.listJobs(userId: global.userId, status: status, limit: limit, cursor: cursor)
            Output.emit(page, json: global.json) {
                Output.page(page) { job in
                    let line =
                        "\(job.id)  \(job.status.rawValue.padding(toLength: 9, withPad: " ", startingAt: 0))  \(String(format: "%3d%%", job.progress))  \(job.type.rawValue.padding(toLength: 5, withPad: " ", startingAt: 0))  \(job.prompt.prefix(60))"
                    return heldElsewhere(job, library).map { "\(line)\n    held by \($0); `creative job retry \(job.id)` runs it here" } ?? line
                }
            }
        }
    }

    struct Status: AsyncParsableCommand, JSONOutput {
        static let configuration = CommandConfiguration(abstract: "Show a job with its progress (the seed's getImageStatus).")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The job id.") var id: String

        func run() async throws {
            let library = try global.open()
            guard let job = try await ImageGenerator(generation: Generation(library: library)).getImageStatus(id, userId: global.userId) else {
                throw CreativeError.notFound("job", id)
            }
            Output.emit(job, json: global.json) {
                var lines = [
                    "id:        \(job.id)",
                    "status:    \(job.status.rawValue)  \(job.progress)%\(job.totalSteps.map { " (step \(job.currentStep ?? 0) of \($0))" } ?? "")",
                    "type:      \(job.type.rawValue)   model: \(job.model ?? "-")   provider: \(job.provider ?? "-")",
                    "prompt:    \(job.prompt)",
                ]
                if let who = heldElsewhere(job, library) { lines.append("held by:   \(who); `creative job retry \(job.id)` runs it here") }
                if let result = job.resultUrl { lines.append("result:    \(result)") }
                if let error = job.errorMessage { lines.append("error:     \(error)") }
                if let time = job.actualTime { lines.append(String(format: "took:      %.2fs", time)) }
                return lines.joined(separator: "\n")
            }
        }
    }

    struct Cancel: AsyncParsableCommand, JSONOutput {
        static let configuration = CommandConfiguration(abstract: "Cancel a queued or running job.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The job id.") var id: String

        func run() async throws {
            _ = try await Generation(library: try global.open()).cancel(id, userId: global.userId)
            Output.emit(SuccessResult(), json: global.json) { "cancelled job \(id)" }
        }
    }

    struct Retry: AsyncParsableCommand, JSONOutput {
        static let configuration = CommandConfiguration(
            abstract: "Run a job here, now, on purpose.",
            discussion: """
                For a job held by another host or another copy of the library (`job list` says so), or one that failed or was \
                cancelled. Takes the job's claim over whoever holds it: make sure the other engine is not running it. A job \
                whose asset exists finishes from it without a second provider call.
                """)
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The job id.") var id: String

        func run() async throws {
            let (library, user, id) = (try global.open(), global.userId, id)
            guard let (found, _) = try library.store.read(GenerationJob.self, id: id), found.userId == user else { throw CreativeError.notFound("job", id) }
            guard found.status != .succeeded else {
                throw CreativeError(.conflict, "Job \(id) already succeeded (\(found.resultUrl ?? "its asset")); generate again to make another.")
            }
            let runner = JobRunner(library: library, workers: 1, lease: 30)
            let bar = ProgressBar("running", json: global.json)
            let job = try await cancellingOnInterrupt { try await runner.runNow(id, retry: true, progress: bar.update) }
            bar.finish()
            Output.emit(job, json: global.json) {
                job.status == .succeeded ? "job \(id) succeeded: \(job.resultUrl ?? "")" : "job \(id) \(job.status.rawValue): \(job.errorMessage ?? "")"
            }
            if job.status != .succeeded { throw ExitCode.failure }
        }
    }
}

/// Who holds a queued or running job when it is another host or another copy of the library
/// (by its claim, or by where it was queued); nil when this copy may run it.
func heldElsewhere(_ job: GenerationJob, _ library: CreativeLibrary) -> String? {
    guard job.status == .queued || job.status == .running else { return nil }
    if let claim = library.store.jobClaim(job.id), case .heldElsewhere(let who) = library.store.judge(claim) { return who }
    let here = library.store.libraryId
    if let home = job.libraryId, !here.isEmpty, home != here { return "another copy of this library (queued there)" }
    return nil
}
