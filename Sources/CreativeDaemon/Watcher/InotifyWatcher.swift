import CInotify
import CreativeCatalog
import Foundation
import Logging
import Synchronization

/// inotify through libinotifytools. The library keeps global state and is not thread-safe, so one
/// thread owns it for the watcher's whole life and hands events to Swift concurrency through an
/// AsyncStream. Only one InotifyWatcher may run in a process at a time.
///
/// Only folders that can gain entities or requests are watched: the inbox and its folders, the
/// top folders and their collections and months — never an entity folder (`<slug>--<id>`), so a
/// library of 1,000,000 assets needs a few hundred watches, not a million. Edits inside entity
/// folders are found by the engine's sweep (`SidecarSweep`). Watches are a per-user budget
/// (`fs.inotify.max_user_watches`), placed inbox first; when it runs out the watcher says so once
/// and keeps going: what is not watched is covered by the engine's periodic rescan.
public final class InotifyWatcher: FolderWatcher {
    public let events: AsyncStream<WatchEvent>
    private let continuation: AsyncStream<WatchEvent>.Continuation
    private let stopping = StopFlag()
    private static let running = Atomic<Bool>(false)
    /// Set once a watch was refused for lack of budget: no more are tried.
    private static let exhausted = Atomic<Bool>(false)
    /// Folders watched and folders found, when the budget ran out at start; nil when all are watched.
    public let partial: (watched: Int, folders: Int)?
    /// Every folder found at start is watched, and every one made since.
    public var coversAll: Bool { partial == nil && !Self.exhausted.load(ordering: .relaxed) }

    static let mask = Int32(IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_CREATE | IN_DELETE | IN_DELETE_SELF)

    /// Starts watching `roots` recursively.
    /// - Throws: when another InotifyWatcher runs in this process or inotify cannot start.
    public init(roots: [String], logger: Logger = Logger(label: "creative.watcher")) throws {
        guard Self.running.compareExchange(expected: false, desired: true, ordering: .acquiringAndReleasing).exchanged else {
            throw WatcherError("only one inotify watcher can run in a process")
        }
        (events, continuation) = AsyncStream.makeStream(of: WatchEvent.self, bufferingPolicy: .unbounded)
        let ready = Mutex<String?>(nil)
        let placed = Mutex<(watched: Int, folders: Int)?>(nil)
        Self.exhausted.store(false, ordering: .relaxed)
        let started = DispatchSemaphore(value: 0)
        let thread = Thread { [continuation, stopping] in
            defer {
                inotifytools_cleanup()
                continuation.finish()
                Self.running.store(false, ordering: .releasing)
            }
            guard inotifytools_initialize() != 0 else {
                ready.withLock { $0 = "inotify could not start (error \(inotifytools_error()))" }
                started.signal()
                return
            }
            let folders = Self.plan(roots, inbox: roots.first ?? "")
            let watched = Self.place(folders, logger)
            if watched == 0 && !folders.isEmpty {
                ready.withLock { $0 = "could not watch \(folders[0]) (error \(inotifytools_error()))" }
                started.signal()
                return
            }
            if watched < folders.count { placed.withLock { $0 = (watched, folders.count) } }
            started.signal()
            while !stopping.isSet {
                guard let event = inotifytools_next_event(1) else {
                    if inotifytools_error() != 0 && inotifytools_error() != EINTR { continuation.yield(.overflow) }
                    continue
                }
                Self.handle(event, continuation, logger, inbox: roots.first ?? "")
            }
        }
        thread.name = "creative-inotify"
        thread.start()
        started.wait()
        if let problem = ready.withLock({ $0 }) {
            throw WatcherError(problem)
        }
        partial = placed.withLock { $0 }
    }

    /// Every real folder under `roots` (no links, no dot folders, no entity folders outside the
    /// inbox), shallowest first; at each depth the roots keep their order, so the inbox's folders
    /// come before the others. The first root is the inbox.
    static func plan(_ roots: [String], inbox: String) -> [String] {
        var result: [String] = []
        var level = roots.filter { isDirectory($0) && !isEntity($0, inbox: inbox) }
        while !level.isEmpty {
            result += level
            level = level.flatMap { subfolders($0, inbox: inbox) }
        }
        return result
    }

    private static func isEntity(_ path: String, inbox: String) -> Bool {
        path != inbox && !path.hasPrefix(inbox + "/") && LibraryStore.isEntityFolderName((path as NSString).lastPathComponent)
    }

    private static func isDirectory(_ path: String) -> Bool {
        var st = stat()
        return lstat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR
    }

    /// The folders in `path` to watch: entity folders are left out by name, before any path is
    /// made (a month folder holds tens of thousands).
    private static func subfolders(_ path: String, inbox: String) -> [String] {
        guard let dir = opendir(path) else { return [] }
        defer { closedir(dir) }
        let entities = path != inbox && !path.hasPrefix(inbox + "/")
        var found: [String] = []
        while let entry = readdir(dir) {
            let type = Int32(entry.pointee.d_type)
            guard type == Int32(DT_DIR) || type == Int32(DT_UNKNOWN) else { continue }
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            guard !(entities && LibraryStore.isEntityFolderName(name)), !Self.ignores(name, inInbox: !entities) else { continue }
            let child = "\(path)/\(name)"
            if type == Int32(DT_DIR) || isDirectory(child) { found.append(child) }
        }
        return found.sorted()
    }

    /// Watches `folders` in order until the budget runs out. - Returns: how many are watched.
    /// - Parameter anyway: try even after the budget ran out (an inbox folder made later: watches
    ///   freed since may have room for it).
    private static func place(_ folders: [String], _ logger: Logger, anyway: Bool = false) -> Int {
        var watched = 0
        for folder in folders {
            guard anyway || !exhausted.load(ordering: .relaxed) else { break }
            if inotifytools_watch_file(folder, mask) != 0 {
                watched += 1
            } else if inotifytools_error() == ENOSPC {
                // Said once; an inbox folder that finds no room later is left to the rescan quietly.
                guard !exhausted.exchange(true, ordering: .relaxed) else { break }
                let limit =
                    (try? String(contentsOfFile: "/proc/sys/fs/inotify/max_user_watches", encoding: .utf8))?
                    .trimmingCharacters(in: .whitespacesAndNewlines) ?? "?"
                logger.warning(
                    """
                    inotify watch limit reached (fs.inotify.max_user_watches = \(limit)): watching \(watched) folders, the inbox and \
                    top folders first; the rest is seen by the periodic rescan. To watch every folder: \
                    sudo sysctl fs.inotify.max_user_watches=\(max(524_288, folders.count * 2))
                    """)
            }
        }
        return watched
    }

    /// Turns one raw event into a WatchEvent. The name is a flexible array member Swift cannot
    /// import: it sits right after the fixed part of the struct.
    private static func handle(
        _ event: UnsafeMutablePointer<inotify_event>, _ out: AsyncStream<WatchEvent>.Continuation, _ logger: Logger, inbox: String
    ) {
        let mask = Int32(bitPattern: event.pointee.mask)
        if mask & Int32(IN_Q_OVERFLOW) != 0 {
            out.yield(.overflow)
            return
        }
        guard let dirC = inotifytools_filename_from_wd(event.pointee.wd) else { return }
        let dir = String(cString: dirC)
        var name = ""
        if event.pointee.len > 0 {
            let raw = UnsafeRawPointer(event).advanced(by: MemoryLayout<inotify_event>.size)
            name = String(cString: raw.assumingMemoryBound(to: CChar.self))
        }
        let path = dir.hasSuffix("/") ? dir + name : dir + "/" + name
        let isDirectory = mask & Int32(IN_ISDIR) != 0
        // Temporaries (ours are dot-folders renamed into place when complete) are not watched.
        if ignores(name, inInbox: dir == inbox || dir.hasPrefix(inbox + "/")) { return }
        if isDirectory && mask & Int32(IN_CREATE | IN_MOVED_TO) != 0 {
            // Watch first, then report, so the consumer's scan of it cannot miss a file. Out of
            // budget, the folder is left to the periodic rescan (the report still brings a scan).
            _ = place(plan([path], inbox: inbox), logger, anyway: path.hasPrefix(inbox + "/"))
            out.yield(.directoryAppeared(path))
        } else if mask & Int32(IN_CLOSE_WRITE | IN_MOVED_TO) != 0 {
            out.yield(.fileReady(path))
        } else if mask & Int32(IN_DELETE | IN_MOVED_FROM | IN_DELETE_SELF) != 0 {
            if isDirectory && mask & Int32(IN_MOVED_FROM) != 0 { _ = inotifytools_remove_watch_by_filename(path) }
            out.yield(.removed(path))
        }
    }

    /// In the inbox, what a drop's writer leaves while writing (`IgnoreRules`); elsewhere only dot
    /// names, as every walk of the library skips them: a collection may be named `old~` or
    /// `draft.tmp`, and entities moved into it must be seen.
    private static func ignores(_ name: String, inInbox: Bool) -> Bool {
        inInbox ? IgnoreRules.ignores(name) : name.isEmpty || name.hasPrefix(".")
    }

    public func stop() {
        stopping.set()
    }
}

/// Why a watcher could not start.
public struct WatcherError: Error, CustomStringConvertible {
    public var description: String

    init(_ description: String) { self.description = description }
}
