import CreativeLibraries
import CreativeModels
import CreativeStore
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

/// Submits requests as jobs and, when asked to wait, runs them in this process. Shared by
/// ImageGenerator and ContentCreator so every door makes jobs the same way the inbox does.
public struct Generation: Sendable {
    public let library: CreativeLibrary
    let runner: JobRunner

    public init(library: CreativeLibrary, runner: JobRunner? = nil) {
        self.library = library
        self.runner = runner ?? JobRunner(library: library, workers: 1, lease: 30)
    }

    /// Validates the request and writes its job (queued; a running engine picks it up).
    public func submit(_ request: GenerationRequest, userId: String, extra: [String: JSONValue] = [:]) throws(CreativeError) -> GenerationJob {
        let userId = try Validation.userId(userId)
        try request.validate()
        var job = try JobFactory.make(request, userId: userId, id: ULID.make(), source: nil, library: library)
        for (key, value) in extra { job.parameters?[key] = value }
        try runner.checkBudgetAtSubmit(job)
        try library.store.create(job, in: "jobs")
        return job
    }

    /// Submits, then (with `wait`) runs the job here and reports its outcome. `extra` adds job
    /// parameters (lineage such as parentAssetId).
    public func generate(_ request: GenerationRequest, userId: String, wait: Bool, extra: [String: JSONValue] = [:],
                  progress: (@Sendable (Int, Int) -> Void)? = nil) throws(CreativeError) -> GenerateResult {
        let job = try submit(request, userId: userId, extra: extra)
        guard wait else { return GenerateResult(jobId: job.id) }
        let done = try runner.runNow(job.id, progress: progress)
        var result = GenerateResult(success: done.status == .succeeded, jobId: done.id, assetId: done.resultAssetId)
        if done.status != .succeeded { result.error = done.errorMessage ?? "The job ended \(done.status.rawValue)." }
        if done.type == .text, let assetId = done.resultAssetId, let location = try library.store.locate(.asset, id: assetId),
           let data = try library.store.readFile(at: location, name: "content.md", limit: 4 * 1024 * 1024) {
            result.content = String(decoding: data, as: UTF8.self)
        }
        return result
    }
}
