import CreativeCatalog
import CreativeGeneration
import Foundation
import Logging
import ServiceLifecycle
import Synchronization

/// The folder door as a service: watches the library, turns inbox files into jobs, runs them,
/// and keeps the index current with edits made by hand. On graceful shutdown (SIGTERM) it stops
/// taking work and lets running jobs finish; after a SIGKILL the next start reclaims them.
public struct Engine: Service {
    public struct Options: Sendable {
        /// Worker threads (default: one per core).
        public var workers = ProcessInfo.processInfo.activeProcessorCount
        /// Seconds a job claim lives without renewal.
        public var lease = 30.0
        /// Poll every this many seconds instead of using inotify (network filesystems).
        public var pollInterval: Double?
        /// Safety rescan period (seconds): catches anything the watcher missed.
        public var rescanInterval = 30.0
        /// Hand edits inside entity folders (which are not watched) are found by a sweep that
        /// stats every sidecar this often (seconds) — less often on big libraries, so the sweep
        /// takes at most a tenth of the time.
        public var sweepInterval = 1.0
        /// User for files dropped straight into inbox/ (not a per-user folder).
        public var defaultUser = "local"
        /// Seconds between janitor passes, which remove temp files a dead process left (the
        /// first pass runs once the engine is ready).
        public var janitorInterval = 3600.0

        public init() {}
    }

    let library: CreativeLibrary
    let options: Options
    let logger: Logger
    /// Turns ready once the start-up pass (reconcile and intake) is done; /healthz reports it.
    public let readiness: Readiness
    /// The engine's workers; give it to the API so jobs it queues start at once.
    public let runner: JobRunner

    public init(
        library: CreativeLibrary, options: Options = Options(), logger: Logger = Logger(label: "creative.engine"),
        readiness: Readiness = Readiness()
    ) {
        self.library = library
        self.options = options
        self.logger = logger
        self.readiness = readiness
        runner = JobRunner(library: library, workers: options.workers, lease: options.lease)
    }

    public func run() async throws {
        let store = library.store
        let root = store.root
        // Start-up: finish what a crash left (stray temp files went in CreativeLibrary.initialize),
        // then catch up with what happened while stopped.
        let started = ContinuousClock.now
        let (halfTaken, restored) = try await BlockingPool.io.run { store.recoverIntakes() }
        for path in halfTaken {
            logger.warning("start-up: \(path) was being taken when the engine stopped; moved to inbox/failed/ (it may be what stopped it)")
        }
        if restored > 0 { logger.notice("start-up: \(restored) requests taken but not yet committed when the engine stopped went back into the inbox") }
        let intake = Intake(library: library, defaultUser: options.defaultUser)
        let work = WorkQueue(intake: intake, runner: runner, library: library, logger: logger)
        let watcher = try await Self.watcher(root: root, options: options, logger: logger)
        library.index.sweep.enable()
        work.rescan()
        // Polling (and a watcher short of watches) learns of new folders only on a rescan: then
        // lookups of unknown ids still walk the library.
        let inotify = watcher as? InotifyWatcher
        let index = library.index
        defer { index.keptCurrent(by: nil) }
        work.afterPending { [logger, readiness] in
            if let inotify { index.keptCurrent { inotify.coversAll } }
            readiness.markReady()
            logger.notice(
                "ready: index reconciled and inbox taken in, \(started.duration(to: .now).formatted(.units(allowed: [.seconds], fractionalPart: .show(length: 2)))) after start"
            )
        }
        let runner = runner
        await withDiscardingTaskGroup { group in
            // The runner stops taking jobs on graceful shutdown and returns once its jobs end.
            group.addTask { try? await runner.run() }
            group.addTask { await work.run() }
            group.addTask { [options] in await Self.every(options.rescanInterval) { work.rescan() } }
            // Both walk every folder: after the start-up pass, not competing with it for the disk.
            // An engine stopped before it was ready never starts them (nor waits for a ready
            // that its stopped work queue will not bring).
            group.addTask { [options, readiness] in
                try? await cancelWhenGracefulShutdown {
                    await readiness.wait()
                    await work.sweep(every: options.sweepInterval)
                }
            }
            group.addTask { [options, logger, readiness] in
                let janitor = { @Sendable () async throws in
                    let removed = try await BlockingPool.io.run { store.removeStrayTempFiles() }
                    if !removed.isEmpty { logger.notice("janitor: removed \(removed.count) temp files left by processes that died") }
                }
                try? await cancelWhenGracefulShutdown {
                    await readiness.wait()
                    guard !Task.isCancelled else { return }
                    try? await janitor()
                    await Self.every(options.janitorInterval, janitor)
                }
            }
            await withGracefulShutdownHandler {
                for await event in watcher.events {
                    work.handle(event, root: root)
                }
            } onGracefulShutdown: {
                watcher.stop()
            }
            logger.notice("stopping: waiting for running jobs to finish")
            work.finish()
            runner.stopTaking()
        }
    }
}

extension Engine {
    /// Polling when asked (`--poll`) or when the library is on a network filesystem; inotify
    /// otherwise, and polling again when inotify cannot start (out of instances).
    static func watcher(root: String, options: Options, logger: Logger) async throws(CreativeError) -> any FolderWatcher {
        let roots = ["\(root)/inbox", "\(root)/assets", "\(root)/templates"]
        let network = try await BlockingPool.io.run { NetworkFileSystem.name(of: root) }
        if options.pollInterval == nil, let network {
            // Walking every asset every 2 s on a network filesystem would cost more than it finds:
            // the inbox is polled, the rest is seen by the periodic rescan.
            logger.notice(
                "\(root) is on \(network): inotify misses other machines' writes there, so the engine polls inbox/ every 2 s and rescans the rest every \(options.rescanInterval) s (--poll SECONDS to poll everything)"
            )
            return PollingWatcher(roots: [roots[0]], interval: 2)
        }
        if let interval = options.pollInterval {
            logger.notice("watching \(root) by polling every \(interval) s, \(options.workers) workers")
            return PollingWatcher(roots: roots, interval: interval)
        }
        // Placing the watches walks every folder: on the io pool, not on this task's thread.
        let started = try await BlockingPool.io.run { [logger] () -> Result<InotifyWatcher, WatcherError> in
            do { return .success(try InotifyWatcher(roots: roots, logger: logger)) } catch let error as WatcherError { return .failure(error) } catch {
                return .failure(WatcherError("\(error)"))
            }
        }
        switch started {
        case .success(let watcher):
            let coverage =
                watcher.partial.map { "\($0.watched) of \($0.folders) folders (the rest by a rescan every \(options.rescanInterval) s)" } ?? "every folder"
            logger.notice("watching \(root) with inotify, \(coverage), \(options.workers) workers")
            return watcher
        case .failure(let error):
            logger.warning("inotify could not start (\(error)); polling inbox/ every 2 s and rescanning the rest every \(options.rescanInterval) s instead")
            return PollingWatcher(roots: [roots[0]], interval: 2)
        }
    }

    /// Runs `body` every `seconds` until graceful shutdown (or cancellation).
    static func every(_ seconds: Double, _ body: @escaping @Sendable () async throws -> Void) async {
        try? await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                try await Task.sleep(for: .seconds(seconds))
                try await body()
            }
        }
    }
}

/// Whether an engine has finished its start-up pass, for readiness checks.
public final class Readiness: Sendable {
    private let ready = Atomic<Bool>(false)
    private let waiters = Waiters<Bool>()

    public init() {}

    public var isReady: Bool { ready.load(ordering: .acquiring) }

    func markReady() {
        ready.store(true, ordering: .releasing)
        waiters.latch(true)
    }

    /// Returns once ready, or once the task is cancelled.
    func wait() async { await waiters.wait(true) }
}

/// Serialises intake and index refreshes: one consumer task takes work in order and runs it on
/// the io pool (intake and reconcile block on files); bursts of events coalesce into one pass.
final class WorkQueue: Sendable {
    private enum Work {
        case intake
        case reconcile
        case call(@Sendable () -> Void)
    }

    private struct Pending {
        var intake = false
        var reconcile = false
        /// What the pending reconcile covers: the whole library, or these folders.
        var everything = false
        var folders = Set<String>()
    }

    private let intake: Intake
    private let runner: JobRunner
    private let library: CreativeLibrary
    private let logger: Logger
    private let pending = Mutex(Pending())
    private let queue: AsyncStream<Work>
    private let input: AsyncStream<Work>.Continuation
    /// How long a reconcile waits for more events to join it.
    static let coalescing = Duration.milliseconds(200)

    init(intake: Intake, runner: JobRunner, library: CreativeLibrary, logger: Logger) {
        (self.intake, self.runner, self.library, self.logger) = (intake, runner, library, logger)
        (queue, input) = AsyncStream.makeStream(of: Work.self)
    }

    /// Takes work until ``finish()``, then returns once the work already queued is done.
    func run() async {
        for await work in queue {
            switch work {
            case .intake:
                pending.withLock { $0.intake = false }
                // A full disk: intake waits its turn (DiskPressure) and reports how it went.
                if let pause = library.disk.wait() {
                    later(pause) { $0.scheduleIntake() }
                    continue
                }
                let (intake, runner) = (intake, runner)
                let result = try? await BlockingPool.io.runToCompletion { runner.pausing { intake.run() } }
                if let (jobs, waiting) = result {
                    if !jobs.isEmpty { runner.wake() }
                    // A file still being written in place: look again once it may have settled.
                    if waiting { later(.seconds(Intake.settleTime)) { $0.scheduleIntake() } }
                }
                if library.disk.isFull {
                    library.disk.released()
                    later(.seconds(1)) { $0.scheduleIntake() }
                }
            case .reconcile:
                let (everything, folders) = pending.withLock { state in
                    defer { (state.reconcile, state.everything, state.folders) = (false, false, []) }
                    return (state.everything, Array(state.folders))
                }
                let index = library.index
                await reconcile { () throws(CreativeError) in try everything ? index.reconcile() : index.reconcile(folders: folders) }
            case .call(let body):
                // After the passes that were pending when it was queued (a reconcile may still be
                // in its coalescing delay).
                if pending.withLock({ $0.intake || $0.reconcile }) {
                    later(.milliseconds(50)) { $0.input.yield(.call(body)) }
                } else {
                    body()
                }
            }
        }
    }

    private func reconcile(_ body: @escaping @Sendable () throws(CreativeError) -> IndexReport) async {
        do throws(CreativeError) {
            let report = try await BlockingPool.io.runToCompletion(body)
            for line in SidecarProblem.summary(report.problems, verb: "cannot index") { logger.warning("\(line)") }
        } catch {
            logger.warning("reconcile failed: \(error.message)")
        }
    }

    /// No more work is taken; ``run()`` returns after what is queued.
    func finish() { input.finish() }

    /// Looks for hand edits inside entity folders until graceful shutdown: a pass of stats (off
    /// this queue, so intake never waits for it), then a reconcile of what changed, paced to take
    /// at most a tenth of the time (a pass over 1,000,000 sidecars takes seconds).
    func sweep(every interval: Double) async {
        let (sweep, store) = (library.index.sweep, library.store)
        try? await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                let started = ContinuousClock.now
                let changes = try await BlockingPool.io.run { sweep.pass(store) }
                // A pass found all it will: nothing more to wait for.
                if changes.removed { self.scheduleReconcile(folder: nil, after: .zero) }
                for folder in changes.changed { self.scheduleReconcile(folder: folder, after: .zero) }
                try await Task.sleep(for: max(.seconds(interval), started.duration(to: .now) * 9))
            }
        }
    }

    func handle(_ event: WatchEvent, root: String) {
        switch event {
        case .fileReady(let path):
            guard let relative = relative(path, root) else { return }
            let name = (relative as NSString).lastPathComponent
            if relative.hasPrefix("inbox/") {
                if !IgnoreRules.ignores(name) { intake.markClosed(relative) }
                scheduleIntake()
            } else if [EntityKind.asset, .template].contains(where: { $0.sidecarName == name }) {
                // A sidecar in a watched folder: an entity folder whose name carries no id.
                scheduleReconcile(folder: (relative as NSString).deletingLastPathComponent)
            }
        case .directoryAppeared(let path):
            guard let relative = relative(path, root) else { return }
            if relative.hasPrefix("inbox") { scheduleIntake() } else { scheduleReconcile(folder: relative) }
        case .removed(let path):
            guard let relative = relative(path, root), !relative.hasPrefix("inbox") else { return }
            scheduleReconcile(folder: relative)
        case .overflow:
            logger.notice("the watcher lost events; rescanning")
            rescan()
        }
    }

    func rescan() {
        scheduleReconcile(folder: nil)
        scheduleIntake()
    }

    /// Runs `body` once the intake and refresh passes queued now (including a reconcile still in
    /// its coalescing delay) are done.
    func afterPending(_ body: @escaping @Sendable () -> Void) {
        input.yield(.call(body))
    }

    private func relative(_ path: String, _ root: String) -> String? {
        path.hasPrefix(root + "/") ? String(path.dropFirst(root.count + 1)) : nil
    }

    private func later(_ delay: Duration, _ body: @escaping @Sendable (WorkQueue) -> Void) {
        Task { [self] in
            try? await Task.sleep(for: delay)
            body(self)
        }
    }

    private func scheduleIntake() {
        guard
            pending.withLock({ state in
                defer { state.intake = true }; return !state.intake
            })
        else { return }
        input.yield(.intake)
    }

    /// Changes under assets/ and templates/ reach the index through a reconcile of the folders
    /// they touched (nil: everything); bursts of events (a folder copied in) are coalesced.
    private func scheduleReconcile(folder: String?, after delay: Duration = coalescing) {
        guard
            pending.withLock({ state in
                if let folder { state.folders.insert(folder) } else { state.everything = true }
                defer { state.reconcile = true }
                return !state.reconcile
            })
        else { return }
        if delay == .zero { input.yield(.reconcile) } else { later(delay) { $0.input.yield(.reconcile) } }
    }
}
