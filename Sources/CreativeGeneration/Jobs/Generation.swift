import CreativeCatalog
import Foundation

/// What generateImage, regenerateImage and createFromTemplate return (the seed's shape).
public struct GenerateResult: Codable, Sendable, Equatable {
    public var success = true
    public var jobId: String?
    /// Set when the call waited and the job succeeded.
    public var assetId: String?
    /// Set when the call waited and the job failed or was cancelled.
    public var error: String?
    /// Text for content jobs that waited.
    public var content: String?
}

/// Submits requests as jobs and, when asked to wait, runs them in the calling task. Shared by
/// ImageGenerator and ContentCreator so every door makes jobs the same way the inbox does.
public struct Generation: Sendable {
    public let library: CreativeLibrary
    let runner: JobRunner

    /// - Parameter runner: the engine's runner when one runs in this process (queued jobs then
    ///   start at once); without one, queued jobs wait for a `creative watch` or `serve`.
    public init(library: CreativeLibrary, runner: JobRunner? = nil) {
        self.library = library
        self.runner = runner ?? JobRunner(library: library, workers: 1, lease: 30)
    }

    /// Validates the request and writes its job (queued; a running engine picks it up).
    public func submit(_ request: GenerationRequest, userId: String, extra: [String: JSONValue] = [:]) async throws(CreativeError) -> GenerationJob {
        let job = try await write(request, userId: userId, extra: extra)
        runner.wake()
        return job
    }

    /// Cancels a queued or running job of the user's; a worker running it stops its provider
    /// call when it sees the sidecar change.
    /// - Throws: `not_found` for an unknown or foreign job, `conflict` for one that has ended.
    public func cancel(_ jobId: String, userId: String) async throws(CreativeError) -> GenerationJob {
        let store = library.store
        return try await BlockingPool.io.run { () throws(CreativeError) -> GenerationJob in
            _ = try Validation.id(jobId)
            let updated = try store.update(GenerationJob.self, id: jobId) { (job: inout GenerationJob) throws(CreativeError) in
                guard job.userId == userId else { throw .notFound("job", jobId) }
                guard job.status == .queued || job.status == .running else {
                    throw CreativeError(.conflict, "Job \(jobId) already \(job.status.rawValue); only queued or running jobs can be cancelled.")
                }
                job.status = .cancelled
                job.completedAt = Timestamp.now()
                job.updatedAt = Timestamp.now()
            }
            guard let updated else { throw CreativeError.notFound("job", jobId) }
            return updated
        }
    }

    private func write(_ request: GenerationRequest, userId: String, extra: [String: JSONValue]) async throws(CreativeError) -> GenerationJob {
        let (library, runner) = (library, runner)
        return try await BlockingPool.io.run { () throws(CreativeError) in
            let userId = try Validation.userId(userId)
            try request.validate()
            var job = try JobFactory.make(request, userId: userId, id: ULID.make(), source: nil, library: library)
            for (key, value) in extra { job.parameters?[key] = value }
            try runner.checkBudgetAtSubmit(job)
            try library.store.create(job, in: "jobs")
            return job
        }
    }

    /// Submits, then (with `wait`) runs the job in the calling task and reports its outcome:
    /// cancelling the caller cancels the provider call. `extra` adds job parameters (lineage
    /// such as parentAssetId).
    public func generate(
        _ request: GenerationRequest, userId: String, wait: Bool, extra: [String: JSONValue] = [:],
        progress: (@Sendable (Int, Int) -> Void)? = nil
    ) async throws(CreativeError) -> GenerateResult {
        guard wait else { return GenerateResult(jobId: try await submit(request, userId: userId, extra: extra).id) }
        // Not announced to the workers: this call runs it.
        let job = try await write(request, userId: userId, extra: extra)
        let done = try await runner.runNow(job.id, progress: progress)
        var result = GenerateResult(success: done.status == .succeeded, jobId: done.id, assetId: done.resultAssetId)
        if done.status != .succeeded { result.error = done.errorMessage ?? "The job ended \(done.status.rawValue)." }
        if done.type == .text, let assetId = done.resultAssetId {
            let store = library.store
            result.content = try await BlockingPool.io.run { () throws(CreativeError) -> String? in
                guard let location = try store.locate(.asset, id: assetId),
                    let data = try store.readFile(at: location, name: "content.md", limit: 4 * 1024 * 1024)
                else { return nil }
                return String(decoding: data, as: UTF8.self)
            }
        }
        return result
    }
}
