import ArgumentParser
import CreativeCatalog
import CreativeDaemon
import CreativeGeneration
import CreativeLibraries
import Foundation

struct JobCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "job",
        abstract: "List, inspect and cancel generation jobs.",
        subcommands: [List.self, Status.self, Cancel.self]
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
                    "\(job.id)  \(job.status.rawValue.padding(toLength: 9, withPad: " ", startingAt: 0))  \(String(format: "%3d%%", job.progress))  \(job.type.rawValue.padding(toLength: 5, withPad: " ", startingAt: 0))  \(job.prompt.prefix(60))"
                }
            }
        }
    }

    struct Status: AsyncParsableCommand, JSONOutput {
        static let configuration = CommandConfiguration(abstract: "Show a job with its progress (the seed's getImageStatus).")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The job id.") var id: String

        func run() async throws {
            guard let job = try await generators(global).0.getImageStatus(id, userId: global.userId) else {
                throw CreativeError.notFound("job", id)
            }
            Output.emit(job, json: global.json) {
                var lines = [
                    "id:        \(job.id)",
                    "status:    \(job.status.rawValue)  \(job.progress)%\(job.totalSteps.map { " (step \(job.currentStep ?? 0) of \($0))" } ?? "")",
                    "type:      \(job.type.rawValue)   model: \(job.model ?? "-")   provider: \(job.provider ?? "-")",
                    "prompt:    \(job.prompt)",
                ]
                if let result = job.resultUrl { lines.append("result:    \(result)") }
                if let error = job.errorMessage { lines.append("error:     \(error)") }
                if let time = job.actualTime { lines.append(String(format: "took:      %.2fs", time)) }
                return lines.joined(separator: "\n")
            }
        }
    }

    struct Cancel: ParsableCommand, JSONOutput {
        static let configuration = CommandConfiguration(abstract: "Cancel a queued or running job.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The job id.") var id: String

        func run() throws {
            let library = try global.open()
            let updated = try library.store.update(GenerationJob.self, id: id) { (job: inout GenerationJob) throws(CreativeError) in
                guard job.userId == global.userId else { throw .notFound("job", id) }
                guard job.status == .queued || job.status == .running else {
                    throw CreativeError(.conflict, "Job \(id) already \(job.status.rawValue); only queued or running jobs can be cancelled.")
                }
                job.status = .cancelled
                job.completedAt = Timestamp.now()
                job.updatedAt = Timestamp.now()
            }
            guard updated != nil else { throw CreativeError.notFound("job", id) }
            Output.emit(SuccessResult(), json: global.json) { "cancelled job \(id)" }
        }
    }
}
