import Foundation
import Logging
import Synchronization

/// Whether the library's disk is full, and when to try writing again.
///
/// A write refused for lack of space (`disk_full`: ENOSPC, EDQUOT) pauses intake and jobs; reads
/// go on. Writing is tried again one attempt at a time, after 1 s, 2 s, 4 s … up to 30 s,
/// until one succeeds; sooner when statvfs(2) shows the filesystem gained space. The log gets one line when the disk fills and one when space is back.
///
/// ```swift
/// if let wait = library.disk.wait() { try await Task.sleep(for: wait); continue }
/// do { try write() ; library.disk.succeeded() } catch where error.code == .diskFull { library.disk.failed(error) }
/// ```
public final class DiskPressure: Sendable {
    private struct State {
        var full = false
        var since = ContinuousClock.now
        var delay = Duration.seconds(1)
        var next = ContinuousClock.now
        /// An attempt is under way: others wait for its outcome.
        var trying = false
        /// Free bytes when first looked at after the last refusal.
        var freeAfterRefusal: Int?
    }

    static let firstDelay = Duration.seconds(1)
    static let longestDelay = Duration.seconds(30)
    private let state = Mutex(State())
    private let logger: Logger
    /// A folder on the library's filesystem, for statvfs(2).
    private let root: String?

    public init(root: String? = nil, logger: Logger = Logger(label: "creative.disk")) {
        self.root = root
        self.logger = logger
    }

    /// Whether writes are paused.
    public var isFull: Bool { state.withLock { $0.full } }

    /// nil when the caller may write now (while the disk is full, it is then the one attempt
    /// of this step and must report ``succeeded()`` or ``failed(_:)``); otherwise how long to wait
    /// before asking again.
    public func wait(now: ContinuousClock.Instant = .now) -> Duration? {
        state.withLock { state in
            guard state.full else { return nil }
            if state.trying { return .milliseconds(250) }
            guard now >= state.next else { return now.duration(to: state.next) }
            state.trying = true
            return nil
        }
    }

    /// A write went through: space is back if it was gone.
    public func succeeded() {
        let ended = state.withLock { state -> Duration? in
            guard state.full else { return nil }
            defer { state = State() }
            return state.since.duration(to: .now)
        }
        if let ended {
            logger.notice(
                "the library's disk has space again after \(ended.formatted(.units(allowed: [.seconds], width: .abbreviated))); intake and jobs resume")
        }
    }

    /// A write was refused for lack of space: pause, and back off once more. While the disk is
    /// known full, only the step's attempt counts: writes already under way when it filled (a
    /// batch of intake files) do not add pauses of their own.
    public func failed(_ error: CreativeError) {
        let started = state.withLock { state -> Bool in
            if !state.full {
                state = State(full: true, since: .now, delay: Self.firstDelay, next: .now + Self.firstDelay)
                return true
            }
            guard state.trying else { return false }
            state.trying = false
            state.delay = min(state.delay * 2, Self.longestDelay)
            state.next = .now + state.delay
            state.freeAfterRefusal = nil
            return false
        }
        if started {
            logger.warning("the library's disk is full (\(error.message)); intake and jobs wait, trying again after 1 s, 2 s, 4 s … up to every 30 s")
        }
    }

    /// Cuts the pause short when the filesystem has gained space (statvfs, no write): someone
    /// freed or grew it, so the next attempt need not wait out the backoff.
    @available(*, noasync)
    public func lookForSpace() {
        guard let root, isFull else { return }
        var info = statvfs()
        guard statvfs(root, &info) == 0 else { return }
        let free = Int(info.f_bavail) * Int(info.f_frsize)
        state.withLock { state in
            guard state.full else { return }
            guard let before = state.freeAfterRefusal else { return state.freeAfterRefusal = free }
            if free > before + (1 << 20) { state.next = min(state.next, .now) }
        }
    }

    /// An attempt ended without telling either way (it failed for another reason).
    public func released() {
        state.withLock { $0.trying = false }
    }
}
