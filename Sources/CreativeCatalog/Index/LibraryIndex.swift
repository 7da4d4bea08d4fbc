import Foundation
import GRDB
import Logging
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// The SQLite index of a library, in `.index/`: a cache of every sidecar that listings and search
/// answer from. It can be deleted at any time; it is rebuilt from the files.
///
/// The database lives in a generation file (`index-<id>.sqlite`) named by `.index/current`. A
/// rebuild writes a new generation and switches the pointer, so readers never wait on it and an
/// old WAL can never be replayed onto a new file. Every process checks the pointer before use.
public final class LibraryIndex: Sendable {
    public let store: LibraryStore
    let directory: String
    let logger: Logger
    let state = Mutex<Generation?>(nil)
    /// Decoded sidecars of recent reads (8,192 at most): a page or an entity served again skips JSON decoding.
    let memo = SidecarMemo(capacity: 8192)
    /// Folders left out as copies of kept ones (duplicate ids), with the stat they were read at.
    let skippedCopies = Mutex<[String: SidecarStat]>([:])
    /// The build `open` made because there was no usable index; nil when it opened one.
    public let builtAtOpen = Mutex<IndexReport?>(nil)
    /// What the last full reconcile or sweep pass saw of the sidecars (see `SidecarSweep`).
    public let sweep = SidecarSweep()
    /// Every change the index takes in, for live views.
    public let events = LibraryEvents()
    /// While an engine in this process watches the library: whether its watches cover every
    /// folder that can gain an entity.
    private let watcher = Mutex<(@Sendable () -> Bool)?>(nil)

    struct Generation: Sendable {
        var name: String
        var pool: DatabasePool
        var pointer: SidecarStat?
    }

    static let pointerName = "current"

    private init(store: LibraryStore, logger: Logger) {
        self.store = store
        self.logger = logger
        directory = store.absolutePath(".index")
    }

    /// Opens the library's index, rebuilding it (with a log line saying why) when it is missing,
    /// corrupt or of another schema version, then attaches it to the store so every write
    /// through the store updates it. `progress` follows that build, when there is one.
    public static func open(
        store: LibraryStore, logger: Logger = Logger(label: "creative.index"), progress: IndexProgress? = nil
    ) throws(CreativeError) -> LibraryIndex {
        let index = LibraryIndex(store: store, logger: logger)
        if let special = try store.ensureFolder(".index") {
            logger.warning(".index was \(special.rawValue); it was removed (not what it pointed to) and the index is rebuilt inside the library")
        }
        do {
            _ = try index.pool()
        } catch let problem as IndexProblem {
            // A library that never had an index (just created) is not news; a lost one is.
            logger.log(level: problem.firstBuild ? .info : .notice, "rebuilding the index: \(problem.reason)")
            let report = try index.rebuild(progress: progress)
            index.builtAtOpen.withLock { $0 = report }
        } catch {
            throw CreativeError(.storage, "The index could not be opened: \(describe(error)).")
        }
        store.attach(index)
        return index
    }

    /// Why the current generation cannot be used.
    struct IndexProblem: Error {
        var reason: String
        var firstBuild = false
    }

    /// The pool of the current generation, switching when another process rebuilt the index.
    /// - Throws: `IndexProblem` when there is no usable index, `CreativeError` otherwise.
    func pool() throws -> DatabasePool {
        let pointerPath = "\(directory)/\(Self.pointerName)"
        let pointer = Self.stat(pointerPath)
        if let current = state.withLock({ $0 }), current.pointer == pointer, pointer != nil {
            return current.pool
        }
        // Read without following links or blocking on a FIFO: the folder is synced and shared.
        let folder = try? POSIX.openPath(store.rootDir, ".index")
        guard pointer != nil, let folder,
            let data = try? POSIX.readFile(folder, Self.pointerName, limit: 256),
            case let name = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines), Self.isGenerationName(name)
        else { throw IndexProblem(reason: "there is no index yet (.index/current is missing or unreadable)", firstBuild: pointer == nil) }
        guard POSIX.info(folder, name)?.isRegular == true else {
            throw IndexProblem(reason: "the index file .index/\(name) was deleted or is not a regular file")
        }
        // SQLite opens these by name and would follow a link planted in their place.
        for suffix in ["-wal", "-shm"] where POSIX.info(folder, name + suffix).map({ !$0.isRegular }) ?? false {
            throw IndexProblem(reason: "the index file .index/\(name)\(suffix) is not a regular file")
        }
        let pool: DatabasePool
        do {
            pool = try DatabasePool(path: "\(directory)/\(name)", configuration: Self.configuration())
            try pool.read { db in
                let migrator = IndexSchema.migrator
                guard try migrator.hasCompletedMigrations(db), try !migrator.hasBeenSuperseded(db) else {
                    throw IndexProblem(reason: "the index has another schema version than \(IndexSchema.version)")
                }
                _ = try Int.fetchOne(db, sql: "SELECT rowid FROM item LIMIT 1")
            }
        } catch let problem as IndexProblem {
            throw problem
        } catch {
            throw IndexProblem(reason: "the index file .index/\(name) cannot be read (\(Self.describe(error)))")
        }
        state.withLock { $0 = Generation(name: name, pool: pool, pointer: pointer) }
        return pool
    }

    static func configuration() -> Configuration {
        var config = Configuration()
        config.busyMode = .timeout(15)
        config.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
            // Read pages in place: a filtered page visits more rows than SQLite's page cache holds,
            // and copying each 16 KiB page through pread(2) was a third of a listing's time.
            try db.execute(sql: "PRAGMA mmap_size = 1073741824")
            SearchRank.register(db)
        }
        return config
    }

    static func isGenerationName(_ name: String) -> Bool {
        name.hasPrefix("index-") && name.hasSuffix(".sqlite") && !name.contains("/")
    }

    /// One stat(2): this runs before every index operation, so no Foundation attribute dictionary.
    static func stat(_ path: String) -> SidecarStat? {
        var st = Glibc.stat()
        guard lstat(path, &st) == 0 else { return nil }
        let mtime = Int64(st.st_mtim.tv_sec) * 1_000_000_000 + Int64(st.st_mtim.tv_nsec)
        return SidecarStat(path: path, size: Int(st.st_size), mtime: mtime, inode: UInt64(st.st_ino))
    }

    static func describe(_ error: any Error) -> String {
        if let db = error as? DatabaseError { return db.message ?? "\(db.resultCode)" }
        return "\(error)"
    }

    /// Runs a read; a corrupt database is rebuilt once and the read retried.
    /// - Parameter statement: the body runs one statement, which SQLite keeps consistent on its
    ///   own: no transaction is opened around it (a BEGIN and a COMMIT fewer per page).
    func read<T>(statement: Bool = false, _ body: (Database) throws -> T) throws(CreativeError) -> T {
        do {
            return try withRecovery { statement ? try self.pool().unsafeRead(body) : try self.pool().read(body) }
        } catch let error as CreativeError {
            throw error
        } catch {
            throw CreativeError(.storage, "The index could not be read: \(Self.describe(error)).")
        }
    }

    /// Runs a write with the same recovery as `read`.
    func write<T>(_ body: (Database) throws -> T) throws(CreativeError) -> T {
        do {
            return try withRecovery { try self.pool().write(body) }
        } catch let error as CreativeError {
            throw error
        } catch {
            throw CreativeError(.storage, "The index could not be updated: \(Self.describe(error)).")
        }
    }

    private func withRecovery<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let problem as IndexProblem {
            logger.notice("rebuilding the index: \(problem.reason)")
        } catch let error as DatabaseError where [.SQLITE_CORRUPT, .SQLITE_NOTADB].contains(error.resultCode) {
            logger.notice("rebuilding the index: it is corrupt (\(Self.describe(error)))")
        }
        try rebuild()
        return try body()
    }
}

extension LibraryIndex: StoreObserver {
    public func stored(_ kind: EntityKind, id: String, sidecar: Data, stat: SidecarStat) {
        memo.forget(kind, id: id)
        do {
            let row = try IndexRow.make(kind, sidecar: sidecar, stat: stat)
            try write { db in try IndexWriter.upsert(row, db) }
            events.publish([LibraryEvent(kind: kind, id: id, userId: row.userId, removed: false)])
        } catch {
            logger.warning("the index missed a change to \(stat.path) (\(error)); `creative index rebuild` repairs it")
        }
    }

    public func storedAll(_ sidecars: [StoredSidecar]) {
        var rows: [IndexRow] = []
        for s in sidecars {
            memo.forget(s.kind, id: s.id)
            do throws(CreativeError) {
                rows.append(try IndexRow.make(s.kind, sidecar: s.sidecar, stat: s.stat))
            } catch {
                logger.warning("the index missed a change to \(s.stat.path) (\(error)); `creative index rebuild` repairs it")
            }
        }
        do {
            try write { db in for row in rows { try IndexWriter.upsert(row, db) } }
            events.publish(rows.map { LibraryEvent(kind: $0.kind, id: $0.id, userId: $0.userId, removed: false) })
        } catch {
            logger.warning("the index missed \(rows.count) new entries (\(error)); `creative index rebuild` repairs it")
        }
    }

    public func removed(_ kind: EntityKind, id: String) {
        memo.forget(kind, id: id)
        do {
            if let owner = try write({ db in try IndexWriter.delete(kind: kind, id: id, db) }) {
                events.publish([LibraryEvent(kind: kind, id: id, userId: owner, removed: true)])
            }
        } catch {
            logger.warning("the index missed the removal of \(kind.rawValue) \(id) (\(error))")
        }
    }

    /// Whether an engine keeps the index current (see `keptCurrent(by:)`).
    public var isCurrent: Bool { watcher.withLock { $0 }?() ?? false }

    public func knowsMissing(_ kind: EntityKind, id: String) -> Bool {
        guard isCurrent else { return false }
        let count = try? read { db in
            try Int.fetchOne(db, sql: "SELECT count(*) FROM item WHERE kind = ? AND id = ?", arguments: [kind.rawValue, id])
        }
        return count == 0
    }

    /// Said by an engine once its first reconcile is done (and unsaid, with nil, when it stops):
    /// while `coversAll` says its watches cover every folder that can gain an entity, the index
    /// learns of a new folder within moments, so an id it does not know is taken as missing
    /// without a walk.
    public func keptCurrent(by coversAll: (@Sendable () -> Bool)?) { watcher.withLock { $0 = coversAll } }

    public func knownPath(_ kind: EntityKind, id: String) -> String? {
        try? read { db in
            try String.fetchOne(db, sql: "SELECT path FROM item WHERE kind = ? AND id = ?", arguments: [kind.rawValue, id])
        }
    }
}
