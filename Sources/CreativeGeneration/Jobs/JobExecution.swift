import CreativeCatalog
import Foundation
import Synchronization

/// Running one claimed job: the provider call, the asset it makes, the job sidecar's progress.
extension JobRunner {
    private enum Outcome: Sendable {
        case ended(GenerationJob?)
        /// The job's sidecar says `cancelled` (`creative job cancel`).
        case cancelledByUser
        /// The claim was taken over (this process was paused past its lease) or cannot be renewed.
        case claimLost
        case keeperStopped
    }

    /// Runs a job this process has claimed to its end and releases the claim. While it runs, the
    /// claim is renewed and progress is written at most every ``progressInterval``; a job
    /// cancelled on disk has its provider call cancelled.
    /// - Returns: the job as it ended; nil when its sidecar could not be read.
    /// - Parameter caller: whether a caller waits on this job in its own task (a `wait` request):
    ///   cancelling it means the caller went away and the job ends `cancelled`. A worker's job
    ///   cancelled by the engine stopping goes back to `queued` for the next start.
    func execute(_ queued: GenerationJob, _ claim: JobClaim, caller: Bool = false, progress: (@Sendable (Int, Int) -> Void)? = nil) async -> GenerationJob? {
        let reporter = ProgressReporter()
        let hold = ClaimHold(claim)
        let ended = await withTaskGroup(of: Outcome.self) { group -> GenerationJob? in
            group.addTask {
                .ended(
                    await self.perform(queued, hold, caller: caller) { step, total in
                        progress?(step, total)
                        reporter.report(step, total)
                    })
            }
            group.addTask { await self.keep(queued.id, hold, reporter) }
            var result: GenerationJob?
            for await outcome in group {
                switch outcome {
                case .ended(let job):
                    result = job
                    group.cancelAll()
                case .cancelledByUser:
                    group.cancelAll()
                case .claimLost:
                    hold.lose()
                    group.cancelAll()
                case .keeperStopped:
                    break
                }
            }
            return result
        }
        let store = library.store
        _ = try? await BlockingPool.io.runToCompletion { store.releaseJobClaim(queued.id, claim) }
        signals.signal(.ended(queued.id))
        return ended
    }

    /// Renews the claim and writes progress until cancelled, until the job is cancelled on disk,
    /// or until the claim is lost: taken over, or not renewable for most of the lease.
    private func keep(_ id: String, _ hold: ClaimHold, _ reporter: ProgressReporter) async -> Outcome {
        let store = library.store
        let renewEvery = Duration.seconds(min(lease / 3, 1))
        var sinceRenewal = Duration.zero
        var renewed = ContinuousClock.now
        while !Task.isCancelled {
            try? await Task.sleep(for: Self.progressInterval)
            sinceRenewal += Self.progressInterval
            do throws(CreativeError) {
                if sinceRenewal >= renewEvery {
                    sinceRenewal = .zero
                    let claim = hold.claim
                    switch try await BlockingPool.io.run({ store.renewJobClaim(id, claim) }) {
                    case .renewed: renewed = .now
                    case .lost: return .claimLost
                    case .unknown: if renewed.duration(to: .now) > .seconds(lease * 0.8) { return .claimLost }
                    }
                }
                if let (step, total) = reporter.take() {
                    try await update(id) { job in
                        // A write that lands after the job ended must not undo its final progress.
                        guard job.status == .running else { return }
                        job.currentStep = step
                        job.totalSteps = total
                        job.progress = min(99, step * 100 / max(total, 1))
                    }
                }
            } catch  where error.code == .cancelled && !Task.isCancelled {
                return .cancelledByUser
            } catch {
                continue
            }
        }
        return .keeperStopped
    }

    /// Generates (with retries) and completes the job; records failure or cancellation.
    private func perform(_ queued: GenerationJob, _ hold: ClaimHold, caller: Bool, progress: @escaping @Sendable (Int, Int) -> Void) async -> GenerationJob? {
        let started = ContinuousClock.now
        let elapsed = { @Sendable in (started.duration(to: .now) / .milliseconds(1)).rounded() / 1000 }
        let (library, logger) = (library, logger)
        do throws(CreativeError) {
            let job = try await update(queued.id) { job in
                job.status = .running
                job.startedAt = job.startedAt ?? Timestamp.now()
                job.progress = 0
                job.currentStep = 0
            }
            let request = JobFactory.request(of: job)
            // A rerun looks for the asset it may already have made (one lookup gives the asset and
            // its folder). A job never started before has none: the lookup of an id the index does
            // not know walks every asset folder's name, which on a big library costs more than the job.
            var made =
                queued.startedAt == nil
                ? nil : try await BlockingPool.io.run { () throws(CreativeError) in try library.assets.find(job.id, userId: job.userId) }
            var attempt = 1
            while made == nil {
                do throws(CreativeError) {
                    made = try await generate(job, request, hold, progress: progress)
                } catch  where error.isRetryable && error.code != .diskFull && attempt < Self.maxAttempts {
                    // Exponential backoff with jitter; refusals are never retried.
                    let delay = Self.retryBase * pow(2, Double(attempt - 1)) * Double.random(in: 0.8...1.2)
                    logger.notice("job \(job.id) attempt \(attempt) failed (\(error.message)); retrying in \(String(format: "%.1f", delay))s")
                    let tried = attempt
                    try await update(job.id) { $0.parameters?["attempts"] = .int(tried) }
                    do { try await Task.sleep(for: .seconds(delay)) } catch { throw CreativeError(.cancelled, "The job was cancelled.") }
                    attempt += 1
                }
            }
            guard let (asset, location) = made else {
                throw CreativeError(.storage, "The job's asset could not be found after it was saved.")
            }
            let finished = try await update(job.id, finishing: true) { job in
                job.status = .succeeded
                job.progress = 100
                job.currentStep = job.totalSteps
                job.resultAssetId = asset.id
                job.resultUrl = "\(location.path)/\(asset.url)"
                job.thumbnailUrl = asset.thumbnailUrl.map { "\(location.path)/\($0)" }
                job.cost = asset.cost ?? 0
                job.completedAt = Timestamp.now()
                job.actualTime = elapsed()
                job.errorMessage = nil
            }
            library.disk.succeeded()
            return finished
        } catch {
            if error.code == .diskFull {
                // Not a failure: the job stays as it is on disk and runs again once a write goes
                // through (the workers wait on `library.disk`). Releasing its claim needs no space.
                library.disk.failed(error)
                return nil
            }
            library.disk.released()
            if hold.isLost {
                // Another worker runs the job now: whatever this one writes would be stale.
                logger.notice("job \(queued.id): gave it up, its claim was taken over or could not be renewed")
                return nil
            }
            let cancelled = error.code == .cancelled
            if cancelled { logger.info("job \(queued.id) was cancelled") } else { logger.notice("job \(queued.id) failed: \(error.message)") }
            let store = library.store
            // Recorded even though the task may be cancelled: the job must not stay `running`.
            let recorded = try? await BlockingPool.io.runToCompletion { () throws(CreativeError) in
                try store.update(GenerationJob.self, id: queued.id) { (job: inout GenerationJob) throws(CreativeError) in
                    guard !job.status.isFinal else { return }
                    job.updatedAt = Timestamp.now()
                    if cancelled && !caller {
                        (job.status, job.progress, job.currentStep) = (.queued, 0, 0)
                        return
                    }
                    job.status = cancelled ? .cancelled : .failed
                    job.errorMessage = cancelled ? "The job was cancelled before it finished: its caller went away." : error.message
                    job.completedAt = Timestamp.now()
                    job.actualTime = elapsed()
                }
            }
            return recorded ?? nil
        }
    }

    /// Runs the provider and saves its output as an asset with the job's id.
    private func generate(
        _ job: GenerationJob, _ request: GenerationRequest, _ hold: ClaimHold, progress: @escaping @Sendable (Int, Int) -> Void
    ) async throws(CreativeError) -> (asset: CreativeAsset, location: EntityLocation)? {
        let choice = try Router.choose(job, request, environment, retryPolicy)
        let executor = choice.executor
        try await BlockingPool.io.run { [self] () throws(CreativeError) in try checkBudget(job, provider: executor.provider) }
        // An answer paid for on an earlier run that the full disk could not take is saved now.
        let output: GenerationOutput
        if let kept = takeKept(job.id) { output = kept } else { output = try await call(executor, job, request, progress: progress) }
        let downloaded = DownloadedMedia(data: Data(), file: output.file)
        do throws(CreativeError) {
            let saved = try await save(output, of: job, request, executor: executor, note: choice.note, hold)
            await downloaded.discard()
            return saved
        } catch {
            // A paid answer is kept (its download file too) for the run after the disk has room.
            if error.code == .diskFull, executor.provider != "local", keep(output, for: job.id) { throw error }
            await downloaded.discard()
            throw error
        }
    }

    /// Saves a provider's output as the job's asset (its id is the job's).
    private func save(
        _ output: GenerationOutput, of job: GenerationJob, _ request: GenerationRequest, executor: any JobExecutor, note: String?, _ hold: ClaimHold
    ) async throws(CreativeError) -> (asset: CreativeAsset, location: EntityLocation)? {
        if job.type == .image && Self.rasterFormat(output.data) == nil {
            throw CreativeError(
                .providerError,
                "\(executor.provider) answered with something that is not a PNG, JPEG, WebP or GIF image (SVG or HTML can carry script); it was not saved.")
        }
        // A job cancelled while it ran leaves no asset behind.
        if Task.isCancelled { throw CreativeError(.cancelled, "The job was cancelled.") }
        let input = Self.assetInput(job, request, output, provider: executor.provider, note: note)
        let (library, claim) = (library, hold.claim)
        // Only the claim's holder saves: a worker paused past its lease may wake to find the job
        // taken over, and must not write next to the new worker.
        guard try await BlockingPool.io.run({ library.store.renewJobClaim(job.id, claim) }) != .lost else {
            hold.lose()
            throw CreativeError(.cancelled, "The job's claim was taken over.")
        }
        let stamp = job.type == .image && executor.provider != "local"
        return try await BlockingPool.media.run { () throws(CreativeError) in
            var input = input
            // The built-in provider writes its parameters chunk itself; other providers' images get it here.
            if stamp { input.data = ProvenanceWriter.stamped(input, media: output.data).base64EncodedString() }
            do throws(CreativeError) {
                _ = try library.assets.saveAsset(
                    userId: job.userId, asset: input, id: job.id, lineage: Self.lineage(job), thumbnail: output.thumbnail)
            } catch  where error.code == .conflict {
                // The asset is there already (a worker that lost the claim saved it first): the
                // job's work is done, and finishing it from that asset is the same success.
                guard let found = try library.assets.find(job.id, userId: job.userId) else { throw error }
                return found
            }
            return try library.assets.find(job.id, userId: job.userId)
        }
    }

    /// The raster format of an image answer from its first bytes, nil for anything else: images
    /// from providers are stored and served as they come, so nothing that can hold script is kept.
    static func rasterFormat(_ data: Data) -> String? {
        let head = [UInt8](data.prefix(12))
        func starts(_ magic: [UInt8], at offset: Int = 0) -> Bool { head.count >= offset + magic.count && Array(head[offset..<offset + magic.count]) == magic }
        if starts([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) { return "png" }
        if starts([0xFF, 0xD8, 0xFF]) { return "jpeg" }
        if starts(Array("GIF87a".utf8)) || starts(Array("GIF89a".utf8)) { return "gif" }
        if starts(Array("RIFF".utf8)) && starts(Array("WEBP".utf8), at: 8) { return "webp" }
        return nil
    }

    /// The asset a job's output becomes: the request's fields, the provider's details, lineage.
    static func assetInput(_ job: GenerationJob, _ request: GenerationRequest, _ output: GenerationOutput, provider: String, note: String?) -> AssetInput {
        var input = AssetInput(media: output.file.map { .file(path: $0) } ?? .bytes(output.data, fileName: output.fileName))
        input.fileName = output.fileName
        input.type = job.type
        input.title = request.title ?? String(job.prompt.prefix(80))
        input.prompt = job.prompt
        input.negativePrompt = job.negativePrompt
        input.model = job.model
        input.provider = provider
        input.generationId = job.id
        input.cost = output.cost
        input.tags = request.tags
        input.category = request.category
        input.isPublic = request.isPublic
        if job.type == .image {
            (input.seed, input.steps, input.guidance, input.sampler) = (request.seed, request.steps, request.guidance, request.sampler)
        }
        var parameters = output.parameters
        if let note {
            parameters["requestedModel"] = .string(job.model ?? "")
            parameters["providerNote"] = .string(note)
            input.model = "local"
        }
        for key in ["width", "height", "contentType", "tone", "length", "audience", "goal", "topic", "count", "kind", "instructions"] {
            if let value = job.parameters?[key] { parameters[key] = value }
        }
        input.parameters = parameters
        return input
    }

    /// The new asset's lineage: the asset a regenerate started from, the template and its variables.
    static func lineage(_ job: GenerationJob) -> AssetLineage {
        var lineage = AssetLineage(source: .generated, templateId: job.templateId)
        if case .string(let parent)? = job.parameters?["parentAssetId"], Validation.isValidId(parent) { lineage.parentAssetId = parent }
        if job.templateId != nil, case .object(let variables)? = job.parameters?["variables"] { lineage.templateVariables = variables }
        return lineage
    }

    /// Providers that bill per call; a user past their monthly budget gets none of them.
    static let paidProviders: Set<String> = ["openai", "anthropic", "stability", "elevenlabs", "runway", "google"]

    /// Refuses a job before it is queued when it would run on a paid provider for a user whose
    /// budget is spent (the run checks again: spending may happen in between). A job the router
    /// cannot place is left to fail when it runs, with the router's sentence. Blocking: reads the index.
    func checkBudgetAtSubmit(_ job: GenerationJob) throws(CreativeError) {
        guard let choice = try? Router.choose(job, JobFactory.request(of: job), environment, retryPolicy) else { return }
        try checkBudget(job, provider: choice.executor.provider)
    }

    func checkBudget(_ job: GenerationJob, provider: String) throws(CreativeError) {
        guard Self.paidProviders.contains(provider), let budget = try library.store.settings().budget(for: job.userId) else { return }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = .gmt
        let monthStart = calendar.dateInterval(of: .month, for: Date())?.start ?? Date()
        let spent = try library.index.spent(userId: job.userId, since: monthStart)
        guard spent < budget else {
            throw CreativeError(
                .budgetExceeded,
                String(
                    format: "%@ has spent $%.2f of the $%.2f monthly budget in library.json; raise monthlyBudgetUSD or wait until next month.", job.userId,
                    spent, budget))
        }
    }

    /// Read-modify-write of the job sidecar on the io pool; refuses to touch a cancelled job, and
    /// bumps `updatedAt` only when the change changed something.
    /// - Parameter finishing: write even if the task is cancelled (the work it records is done).
    @discardableResult
    func update(_ id: String, finishing: Bool = false, _ change: @escaping @Sendable (inout GenerationJob) -> Void) async throws(CreativeError) -> GenerationJob
    {
        let store = library.store
        let write = { @Sendable () throws(CreativeError) -> GenerationJob? in
            try store.update(GenerationJob.self, id: id) { (job: inout GenerationJob) throws(CreativeError) in
                guard job.status != .cancelled else { throw CreativeError(.cancelled, "The job was cancelled.") }
                let before = job
                change(&job)
                // A change that changed nothing leaves the sidecar as it is (rsync copies nothing).
                if job != before { job.updatedAt = Timestamp.now() }
            }
        }
        let updated = finishing ? try await BlockingPool.io.runToCompletion(write) : try await BlockingPool.io.run(write)
        guard let updated else { throw .notFound("job", id) }
        return updated
    }
}

/// A claim a worker holds, and whether it has lost it (then the worker writes nothing more).
final class ClaimHold: Sendable {
    let claim: JobClaim
    private let lost = Atomic(false)

    init(_ claim: JobClaim) { self.claim = claim }

    func lose() { lost.store(true, ordering: .relaxed) }
    var isLost: Bool { lost.load(ordering: .relaxed) }
}

/// The latest progress a provider reported, taken by the job's keeper at most every interval.
final class ProgressReporter: Sendable {
    private let latest = Mutex<(step: Int, total: Int)?>(nil)

    func report(_ step: Int, _ total: Int) { latest.withLock { $0 = (step, total) } }

    func take() -> (Int, Int)? {
        latest.withLock { value in
            defer { value = nil }
            return value.map { ($0.step, $0.total) }
        }
    }
}
