import CreativeCatalog
import Foundation
import Logging
import ServiceLifecycle
import Synchronization

/// Runs queued jobs: a `Service` whose workers are child tasks.
///
/// Concurrency: workers await; the file and index work of a job runs on ``BlockingPool/io``,
/// image encoding on ``BlockingPool/media`` and provider calls on libcurl's thread, so no worker
/// ever blocks a cooperative thread. Claims are files (see `LibraryStore.claimJob`); a running
/// job's claim is renewed while it works; a job whose worker died is claimed again (at once when
/// this host can tell, after the lease on shared storage), and a worker that loses its claim gives
/// the job up. A job's asset has the job's id, so a rerun completes the job instead of
/// generating twice. On graceful shutdown workers take no new jobs and finish the running ones.
public final class JobRunner: Service, Sendable {
    let library: CreativeLibrary
    let logger: Logger
    let workers: Int
    /// Seconds a claim stays valid without renewal.
    let lease: Double
    /// Provider keys and base URLs, read from the environment as the official SDKs read them.
    let environment: ProviderEnvironment
    let retryPolicy: RetryPolicy
    /// Progress is written at most this often, and at the end.
    static let progressInterval = Duration.milliseconds(250)
    /// How often idle workers look for work nobody signalled: jobs written by other processes,
    /// claims whose lease ran out.
    static let idleLook = Duration.milliseconds(500)
    /// Tries per job for retryable failures, and the first backoff (seconds).
    static let maxAttempts = 3
    static let retryBase = 1.0

    enum Signal: Hashable, Sendable {
        /// New work may be waiting.
        case work
        /// A job this process ran has ended.
        case ended(String)
    }

    private struct State {
        var stopping = false
        /// While the inbox is being taken in, workers start no new jobs: a burst of requests is
        /// made safe (a job each) before the disk is shared with generation.
        var paused = false
        /// Jobs found held elsewhere, logged once.
        var heldLogged: Set<String> = []
        /// Jobs queued in another copy of the library: never taken by this runner.
        var foreign: Set<String> = []
        /// Paid answers a full disk could not take, by job: the job's next run saves these
        /// instead of calling (and paying) its provider again. At most ``keptAnswers``.
        var kept: [String: GenerationOutput] = [:]
    }

    static let keptAnswers = 8

    /// Keeps a paid answer for the job's next run; false when enough are kept already.
    func keep(_ output: GenerationOutput, for id: String) -> Bool {
        state.withLock { state in
            guard state.kept[id] != nil || state.kept.count < Self.keptAnswers else { return false }
            state.kept[id] = output
            return true
        }
    }

    /// The answer kept for a job, taken (it is saved now or kept again).
    func takeKept(_ id: String) -> GenerationOutput? {
        state.withLock { $0.kept.removeValue(forKey: id) }
    }

    private let state = Mutex(State())
    let signals = Waiters<Signal>()

    public init(
        library: CreativeLibrary, workers: Int, lease: Double, environment: ProviderEnvironment = ProviderEnvironment(),
        retryPolicy: RetryPolicy = RetryPolicy(), logger: Logger = Logger(label: "creative.jobs")
    ) {
        self.library = library
        var environment = environment
        // Downloads land on the library's disk, where their asset is written next.
        environment.downloadFolder = environment.downloadFolder ?? library.store.root
        self.environment = environment
        self.retryPolicy = retryPolicy
        self.workers = max(1, workers)
        self.lease = max(1, lease)
        self.logger = logger
    }

    /// Runs the workers until graceful shutdown (or ``stopTaking()``), then waits for the jobs
    /// they are running.
    public func run() async throws {
        await withGracefulShutdownHandler {
            await withDiscardingTaskGroup { group in
                for _ in 0..<workers { group.addTask { await self.work() } }
            }
        } onGracefulShutdown: {
            self.stopTaking()
        }
    }

    /// Stops taking new jobs; running ones finish.
    public func stopTaking() {
        state.withLock { $0.stopping = true }
        signals.signal(.work, sticky: true)
    }

    /// Holds back new jobs while `body` runs (intake of a burst), then wakes the workers.
    public func pausing<T>(_ body: () throws -> T) rethrows -> T {
        state.withLock { $0.paused = true }
        defer {
            state.withLock { $0.paused = false }
            wake()
        }
        return try body()
    }

    /// New work may be waiting.
    public func wake() {
        signals.signal(.work, sticky: true)
    }

    private var isStopping: Bool { state.withLock { $0.stopping } }

    private func work() async {
        // A cancelled runner (the engine stopped without grace) stops too: its waits return at once.
        while !isStopping && !Task.isCancelled {
            if state.withLock({ $0.paused }) {
                await signals.wait(.work, timeout: Self.idleLook)
                continue
            }
            // A full disk: one job at a time tries again, after a growing pause (DiskPressure).
            if let pause = library.disk.wait() {
                try? await Task.sleep(for: min(pause, .seconds(1)))
                let disk = library.disk
                _ = try? await BlockingPool.io.run { disk.lookForSpace() }
                continue
            }
            if let (job, claim) = await claimNext() {
                _ = await execute(job, claim)
            } else if library.disk.isFull {
                // Nothing to try the disk with: a small write of our own tells whether space is back.
                let (disk, store) = (library.disk, library.store)
                _ = try? await BlockingPool.io.run { () throws(CreativeError) in
                    do throws(CreativeError) {
                        try store.probeSpace()
                        disk.succeeded()
                    } catch {
                        if error.code == .diskFull { disk.failed(error) } else { disk.released() }
                    }
                }
                await signals.wait(.work, timeout: Self.idleLook)
            } else {
                await signals.wait(.work, timeout: Self.idleLook)
            }
        }
    }

    /// The best job this process can claim: queued ones by priority then age, and running ones
    /// whose worker is judged dead (see `LibraryStore.judge`). Jobs held by another host or
    /// another copy of the library are left alone (logged once).
    private func claimNext() async -> (GenerationJob, JobClaim)? {
        let (library, lease, logger) = (library, lease, logger)
        return try? await BlockingPool.io.run { [self] () throws(CreativeError) -> (GenerationJob, JobClaim)? in
            let store = library.store
            // Jobs known to be held elsewhere do not count against the look's size.
            let skipped = heldCount()
            for candidate in try library.index.runnableJobs(limit: 16 + skipped) {
                if isForeign(candidate.id) { continue }
                if let claim = store.jobClaim(candidate.id) {
                    switch store.judge(claim) {
                    case .live:
                        continue
                    case .heldElsewhere(let who):
                        if firstSeenHeld(candidate.id) {
                            logger.notice("job \(candidate.id) is held by \(who); `creative job retry \(candidate.id)` runs it here")
                        }
                        continue
                    case .dead(let why):
                        guard store.breakJobClaim(candidate.id, judged: claim) else { continue }
                        logger.notice("job \(candidate.id) lost its worker (\(why)); running it again")
                    }
                }
                guard let claim = try? store.claimJob(candidate.id, lease: lease) else { continue }
                // The claim is ours; the sidecar (not the index) says whether there is work left.
                guard let (job, _) = try? store.read(GenerationJob.self, id: candidate.id), job.status == .queued || job.status == .running else {
                    store.releaseJobClaim(candidate.id, claim)
                    continue
                }
                // Queued in another copy of the library (this one is an rsync'd copy, or that one is).
                if let home = job.libraryId, !store.libraryId.isEmpty, home != store.libraryId {
                    store.releaseJobClaim(candidate.id, claim)
                    if markForeign(candidate.id) {
                        logger.notice("job \(candidate.id) was queued in another copy of this library; `creative job retry \(candidate.id)` runs it here")
                    }
                    continue
                }
                return (job, claim)
            }
            return nil
        }
    }

    /// Notes a job held elsewhere. - Returns: whether it is news (then it is logged).
    private func firstSeenHeld(_ id: String) -> Bool {
        state.withLock { $0.heldLogged.insert(id).inserted }
    }

    /// Notes a job queued in another copy: skipped from now on. - Returns: whether it is news.
    private func markForeign(_ id: String) -> Bool {
        state.withLock { $0.foreign.insert(id).inserted }
    }

    private func isForeign(_ id: String) -> Bool { state.withLock { $0.foreign.contains(id) } }

    private func heldCount() -> Int { state.withLock { $0.heldLogged.count + $0.foreign.count } }

    /// Runs job `id` in the calling task (a `wait` request), so cancelling the caller cancels
    /// the provider call and the job ends `cancelled`. When another worker holds the job, waits
    /// until it ends: a job of this process signals its end; one that another process runs is
    /// re-read every half second.
    /// - Parameters:
    ///   - progress: sees each step of a job this call runs.
    ///   - retry: run it here on purpose (`creative job retry`): take over the claim of another
    ///     host or copy (not of a worker of this copy that is still alive), adopt a job queued in
    ///     another copy, and queue a failed or cancelled job again — all under this call's claim.
    /// - Returns: the job in its final state, or as it is when `timeout` passes.
    public func runNow(
        _ id: String, timeout: Duration = .seconds(600), retry: Bool = false, progress: (@Sendable (Int, Int) -> Void)? = nil
    ) async throws(CreativeError) -> GenerationJob {
        let (store, lease) = (library.store, lease)
        let claimed = try await BlockingPool.io.run { () throws(CreativeError) -> (GenerationJob, JobClaim)? in
            if retry, let held = store.jobClaim(id) {
                if store.judge(held) == .live {
                    throw CreativeError(.conflict, "Job \(id) is being run by \(held.owner) on this host; wait for it, or stop that process first.")
                }
                _ = store.breakJobClaim(id, judged: held)
            }
            guard let claim = try store.claimJob(id, lease: lease) else { return nil }
            do throws(CreativeError) {
                guard var (job, _) = try store.read(GenerationJob.self, id: id) else { throw .notFound("job", id) }
                if retry {
                    let here = store.libraryId
                    job =
                        try store.update(GenerationJob.self, id: id) { (job: inout GenerationJob) throws(CreativeError) in
                            if !here.isEmpty { job.libraryId = here }
                            guard job.status == .failed || job.status == .cancelled else { return }
                            (job.status, job.progress, job.currentStep, job.errorMessage, job.completedAt) = (.queued, 0, 0, nil, nil)
                            job.updatedAt = Timestamp.now()
                        } ?? job
                }
                guard job.status == .queued || job.status == .running else {
                    store.releaseJobClaim(id, claim)
                    return nil
                }
                return (job, claim)
            } catch {
                store.releaseJobClaim(id, claim)
                throw error
            }
        }
        if let (job, claim) = claimed, let done = await execute(job, claim, caller: true, progress: progress) { return done }
        let deadline = ContinuousClock.now + timeout
        while true {
            guard let (job, _) = try await BlockingPool.io.run({ () throws(CreativeError) in try store.read(GenerationJob.self, id: id) }) else {
                throw .notFound("job", id)
            }
            if job.status.isFinal || ContinuousClock.now >= deadline { return job }
            if Task.isCancelled { throw CreativeError(.cancelled, "Stopped waiting for job \(id).") }
            await signals.wait(.ended(id), timeout: Self.idleLook)
        }
    }
}

extension JobStatus {
    /// Whether the job will not change any more.
    var isFinal: Bool { self == .succeeded || self == .failed || self == .cancelled }
}
