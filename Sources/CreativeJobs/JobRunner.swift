import CreativeIndex
import CreativeLibraries
import CreativeModels
import CreativeProviders
import CreativeStore
import Foundation
import Logging
import Synchronization

/// Runs queued jobs on worker threads (generation is blocking work and stays off Swift's
/// cooperative pool). Claims are files (see LibraryStore.claimJob); a running job's lease is
/// renewed while it works, and a job whose worker died is claimed again once its lease runs out.
/// A job's asset has the job's id, so a rerun completes the job instead of generating twice.
public final class JobRunner: @unchecked Sendable {
    let library: CreativeLibrary
    let logger: Logger
    let workers: Int
    /// Seconds a claim stays valid without renewal.
    let lease: Double
    private let condition = NSCondition()
    private var stopping = false
    private var active = 0
    private var threads: [Thread] = []
    private let held = Mutex<Set<String>>([])
    /// While the inbox is being taken in, workers do not start new jobs: a burst of requests is
    /// made safe (a job each) before the disk is shared with generation.
    private var paused = false
    /// Provider keys and base URLs, read from the environment as the official SDKs read them.
    let environment: ProviderEnvironment
    let retryPolicy: RetryPolicy
    /// Progress is written at most this often (seconds), and at the end.
    static let progressInterval = 0.25
    /// Tries per job for retryable failures, and the first backoff (seconds).
    static let maxAttempts = 3
    static let retryBase = 1.0

    public init(library: CreativeLibrary, workers: Int, lease: Double, environment: ProviderEnvironment = ProviderEnvironment(),
                retryPolicy: RetryPolicy = RetryPolicy(), logger: Logger = Logger(label: "creative.jobs")) {
        self.library = library
        self.environment = environment
        self.retryPolicy = retryPolicy
        self.workers = max(1, workers)
        self.lease = max(1, lease)
        self.logger = logger
    }

    public func start() {
        for n in 0..<workers {
            let thread = Thread { [self] in work() }
            thread.name = "creative-worker-\(n)"
            threads.append(thread)
            thread.start()
        }
        startRenewer()
    }

    private var renewerStarted = false

    private func startRenewer() {
        condition.lock()
        defer { condition.unlock() }
        guard !renewerStarted else { return }
        renewerStarted = true
        let renewer = Thread { [self] in renewLeases() }
        renewer.name = "creative-lease"
        renewer.start()
    }

    /// Holds back new jobs while `body` runs (intake of a burst), then wakes the workers.
    public func pausing<T>(_ body: () throws -> T) rethrows -> T {
        condition.lock(); paused = true; condition.unlock()
        defer {
            condition.lock(); paused = false; condition.broadcast(); condition.unlock()
        }
        return try body()
    }

    /// New work may be waiting.
    public func wake() {
        condition.lock()
        condition.broadcast()
        condition.unlock()
    }

    /// Stops taking jobs and waits until the running ones finish.
    public func stop() {
        condition.lock()
        stopping = true
        condition.broadcast()
        while active > 0 || !threads.isEmpty && threads.contains(where: { !$0.isFinished }) {
            _ = condition.wait(until: Date().addingTimeInterval(0.1))
        }
        condition.unlock()
    }

    private var isStopping: Bool {
        condition.lock()
        defer { condition.unlock() }
        return stopping
    }

    private var isPaused: Bool {
        condition.lock()
        defer { condition.unlock() }
        return paused
    }

    private func work() {
        while !isStopping {
            if isPaused {
                condition.lock()
                if paused && !stopping { _ = condition.wait(until: Date().addingTimeInterval(0.5)) }
                condition.unlock()
                continue
            }
            if let job = claimNext() {
                condition.lock(); active += 1; condition.unlock()
                run(job)
                condition.lock(); active -= 1; condition.broadcast(); condition.unlock()
            } else {
                condition.lock()
                if !stopping { _ = condition.wait(until: Date().addingTimeInterval(0.5)) }
                condition.unlock()
            }
        }
    }

    /// The best job this process can claim: queued ones by priority then age, and running ones
    /// whose worker stopped renewing its lease.
    private func claimNext() -> GenerationJob? {
        let store = library.store
        guard let candidates = try? library.index.runnableJobs(limit: 16) else { return nil }
        for candidate in candidates {
            // A claim nobody renews belongs to a dead worker (it may have died before it could
            // even mark the job running).
            if store.jobClaim(candidate.id) != nil {
                guard store.breakStaleJobClaim(candidate.id, lease: lease) else { continue }
                logger.notice("job \(candidate.id) lost its worker; running it again")
            }
            guard (try? store.claimJob(candidate.id)) == true else { continue }
            // The claim is ours; the sidecar (not the index) says whether there is work left.
            guard let (job, _) = try? store.read(GenerationJob.self, id: candidate.id),
                  job.status == .queued || job.status == .running
            else {
                store.releaseJobClaim(candidate.id)
                continue
            }
            held.withLock { _ = $0.insert(job.id) }
            return job
        }
        return nil
    }

    /// Runs one job now on the calling thread (a `wait` request), or, when another worker holds
    /// it, waits until it ends. `progress` sees each step.
    /// - Returns: the job in its final state.
    public func runNow(_ id: String, timeout: Double = 600, progress: (@Sendable (Int, Int) -> Void)? = nil) throws(CreativeError) -> GenerationJob {
        let store = library.store
        startRenewer()
        if try store.claimJob(id) {
            guard let (job, _) = try store.read(GenerationJob.self, id: id) else { throw .notFound("job", id) }
            if job.status == .queued || job.status == .running {
                held.withLock { _ = $0.insert(id) }
                run(job, progress: progress)
            } else {
                store.releaseJobClaim(id)
            }
        }
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            guard let (job, _) = try store.read(GenerationJob.self, id: id) else { throw .notFound("job", id) }
            if [.succeeded, .failed, .cancelled].contains(job.status) { return job }
            guard Date() < deadline else { return job }
            Thread.sleep(forTimeInterval: 0.1)
        }
    }

    private func renewLeases() {
        while !isStopping || active > 0 {
            for id in held.withLock({ $0 }) { library.store.renewJobClaim(id) }
            Thread.sleep(forTimeInterval: min(lease / 3, 1))
        }
    }

    private func run(_ queued: GenerationJob, progress: (@Sendable (Int, Int) -> Void)? = nil) {
        let started = Date()
        let store = library.store
        defer {
            held.withLock { _ = $0.remove(queued.id) }
            store.releaseJobClaim(queued.id)
        }
        do throws(CreativeError) {
            let job = try update(queued.id) { job in
                job.status = .running
                job.startedAt = job.startedAt ?? Timestamp.now()
                job.progress = 0
                job.currentStep = 0
            }
            let request = JobFactory.request(of: job)
            // One lookup gives the asset and its folder (a rerun finds the asset it already made).
            var made = try library.assets.find(job.id, userId: job.userId)
            var attempt = 1
            while made == nil {
                do throws(CreativeError) {
                    made = try generate(job, request, progress: progress)
                } catch where error.isRetryable && attempt < Self.maxAttempts && !isStopping {
                    // Exponential backoff with jitter; refusals are never retried.
                    let delay = Self.retryBase * pow(2, Double(attempt - 1)) * Double.random(in: 0.8...1.2)
                    logger.notice("job \(job.id) attempt \(attempt) failed (\(error.message)); retrying in \(String(format: "%.1f", delay))s")
                    try update(job.id) { $0.parameters?["attempts"] = .int(attempt) }
                    Thread.sleep(forTimeInterval: delay)
                    attempt += 1
                }
            }
            guard let (asset, location) = made else {
                throw CreativeError(.storage, "The job's asset could not be found after it was saved.")
            }
            try update(job.id) { job in
                job.status = .succeeded
                job.progress = 100
                job.currentStep = job.totalSteps
                job.resultAssetId = asset.id
                job.resultUrl = "\(location.path)/\(asset.url)"
                job.thumbnailUrl = asset.thumbnailUrl.map { "\(location.path)/\($0)" }
                job.cost = asset.cost ?? 0
                job.completedAt = Timestamp.now()
                job.actualTime = (Date().timeIntervalSince(started) * 1000).rounded() / 1000
                job.errorMessage = nil
            }
        } catch where error.code == .cancelled {
            logger.info("job \(queued.id) was cancelled")
        } catch {
            logger.notice("job \(queued.id) failed: \(error.message)")
            _ = try? update(queued.id) { job in
                guard job.status != .cancelled else { return }
                job.status = .failed
                job.errorMessage = error.message
                job.completedAt = Timestamp.now()
                job.actualTime = (Date().timeIntervalSince(started) * 1000).rounded() / 1000
            }
        }
    }

    /// Runs the provider and saves its output as an asset with the job's id.
    private func generate(_ job: GenerationJob, _ request: GenerationRequest, progress: (@Sendable (Int, Int) -> Void)?) throws(CreativeError) -> (asset: CreativeAsset, location: EntityLocation)? {
        guard job.type == .image || job.type == .text else {
            throw CreativeError(.invalidInput, "Jobs of type \(job.type.rawValue) cannot run yet.", field: "type")
        }
        let choice = try Router.choose(job, request, environment, retryPolicy)
        let executor = choice.executor
        try checkBudget(job, provider: executor.provider)
        var lastWrite = Date.distantPast
        var cancelled = false
        let output: GenerationOutput
        do {
            output = try executor.run(job, request) { [self] step, total in
                progress?(step, total)
                guard !cancelled, Date().timeIntervalSince(lastWrite) >= Self.progressInterval || step == total else { return }
                lastWrite = Date()
                do throws(CreativeError) {
                    try update(job.id) { job in
                        job.currentStep = step
                        job.totalSteps = total
                        job.progress = min(99, step * 100 / max(total, 1))
                    }
                } catch {
                    cancelled = cancelled || error.code == .cancelled
                }
            }
        } catch let error as CreativeError {
            throw error
        } catch {
            throw CreativeError(.storage, "The \(executor.provider) provider failed: \(error).")
        }
        // A job cancelled while it ran leaves no asset behind.
        if cancelled { throw CreativeError(.cancelled, "The job was cancelled.") }
        var input = AssetInput(media: .bytes(output.data, fileName: output.fileName))
        input.type = job.type
        input.title = request.title ?? String(job.prompt.prefix(80))
        input.prompt = job.prompt
        input.negativePrompt = job.negativePrompt
        input.model = job.model
        input.provider = executor.provider
        input.generationId = job.id
        input.cost = output.cost
        input.tags = request.tags
        input.category = request.category
        input.isPublic = request.isPublic
        if job.type == .image {
            (input.seed, input.steps, input.guidance, input.sampler) = (request.seed, request.steps, request.guidance, request.sampler)
        }
        var parameters = output.parameters
        if let note = choice.note {
            parameters["requestedModel"] = .string(job.model ?? "")
            parameters["providerNote"] = .string(note)
            input.model = "local"
        }
        for key in ["width", "height", "contentType", "tone", "length", "audience", "goal", "topic", "count", "kind", "parentAssetId"] {
            if let value = job.parameters?[key] { parameters[key] = value }
        }
        if let templateId = job.templateId {
            parameters["templateId"] = .string(templateId)
            if let variables = job.parameters?["variables"] { parameters["templateVariables"] = variables }
        }
        input.parameters = parameters
        _ = try library.assets.saveAsset(userId: job.userId, asset: input, id: job.id)
        return try library.assets.find(job.id, userId: job.userId)
    }

    /// Providers that bill per call; a user past their monthly budget gets none of them.
    static let paidProviders: Set<String> = ["openai", "anthropic", "stability"]

    /// Refuses a job before it is queued when it would run on a paid provider for a user whose
    /// budget is spent (the run checks again: spending may happen in between). A job the router
    /// cannot place is left to fail when it runs, with the router's sentence.
    func checkBudgetAtSubmit(_ job: GenerationJob) throws(CreativeError) {
        guard let choice = try? Router.choose(job, JobFactory.request(of: job), environment, retryPolicy) else { return }
        try checkBudget(job, provider: choice.executor.provider)
    }

    private func checkBudget(_ job: GenerationJob, provider: String) throws(CreativeError) {
        guard Self.paidProviders.contains(provider), let budget = try library.store.settings().budget(for: job.userId) else { return }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = .gmt
        let monthStart = calendar.dateInterval(of: .month, for: Date())?.start ?? Date()
        let spent = try library.index.spent(userId: job.userId, since: monthStart)
        guard spent < budget else {
            throw CreativeError(.budgetExceeded, String(format: "%@ has spent $%.2f of the $%.2f monthly budget in library.json; raise monthlyBudgetUSD or wait until next month.", job.userId, spent, budget))
        }
    }

    /// Read-modify-write of the job sidecar; refuses to touch a cancelled job.
    @discardableResult
    private func update(_ id: String, _ change: (inout GenerationJob) -> Void) throws(CreativeError) -> GenerationJob {
        let updated = try library.store.update(GenerationJob.self, id: id) { (job: inout GenerationJob) throws(CreativeError) in
            guard job.status != .cancelled else { throw CreativeError(.cancelled, "The job was cancelled.") }
            change(&job)
            job.updatedAt = Timestamp.now()
        }
        guard let updated else { throw .notFound("job", id) }
        return updated
    }
}
