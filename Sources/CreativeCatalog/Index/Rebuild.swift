import CLinux
import Foundation
import GRDB
import Synchronization

/// What a rebuild or reconcile did.
public struct IndexReport: Codable, Sendable {
    public var success = true
    /// Entities indexed, by kind (rebuild), or changes made (reconcile).
    public var assets = 0
    public var templates = 0
    public var jobs = 0
    public var added = 0
    public var updated = 0
    public var removed = 0
    /// Sidecars skipped because they cannot be read or parsed, with the reason.
    public var problems: [SidecarProblem] = []
    public var seconds = 0.0
}

extension IndexReport {
    mutating func count(_ kind: EntityKind, _ change: Int) {
        switch kind {
        case .asset: assets += change
        case .template: templates += change
        case .job: jobs += change
        }
    }
}

/// Progress of long index work: entities done of the total.
public typealias IndexProgress = @Sendable (_ done: Int, _ total: Int) -> Void

extension LibraryIndex {
    static let kinds: [EntityKind] = [.asset, .template, .job]

    /// Rebuilds the whole index from the sidecars into a new generation file, then switches to
    /// it. Sidecars are read and decoded in parallel; one writer inserts in a single transaction
    /// with no journal (the file is not in use until the switch). A sidecar that cannot be read
    /// or parsed is skipped and reported, never fatal. Blocks the calling thread.
    @discardableResult
    public func rebuild(progress: IndexProgress? = nil) throws(CreativeError) -> IndexReport {
        let start = Date()
        let entries = Self.kinds.flatMap { kind in store.scan(kind).map { (kind, $0) } }
        let name = "index-\(ULID.make()).sqlite"
        let path = "\(directory)/\(name)"
        // Through the library's open folder: a library removed while open is not made again.
        _ = try? POSIX.openPath(store.rootDir, ".index", create: true)
        var report = IndexReport()
        do {
            var config = Configuration()
            config.prepareDatabase { db in
                // 16 KiB pages keep a ~1 KB sidecar inside its row (no overflow page).
                try db.execute(sql: "PRAGMA page_size = 16384; PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; PRAGMA cache_size = -32768")
            }
            let queue = try DatabaseQueue(path: path, configuration: config)
            try IndexSchema.migrator.migrate(queue, upTo: "\(IndexSchema.version)-tables")
            // While loading, FTS5 holds more before writing out and merges less often: each
            // batch of rows is written out at its end anyway (see Rowids). Defaults after.
            try Self.ftsSettings(queue, hashSize: 8 << 20, automerge: 8)
            try queue.writeWithoutTransaction { db in
                try db.inTransaction {
                    var ids = Duplicates.Seen()
                    var rowids = Rowids.Allocator()
                    // Rows are written a few chunks at a time in rowid order (FTS5 writes out what
                    // it holds at each step down: see Rowids), and before an id seen earlier is
                    // looked up in the table. The chunks are held as decoded and only their rows'
                    // places sorted: copying and moving whole rows was a fifth of this thread.
                    var held: [[IndexRow]] = []
                    var pending: [(rowid: Int64, chunk: Int32, row: Int32)] = []
                    func write() throws {
                        pending.sort { $0.rowid < $1.rowid }
                        for p in pending { try IndexWriter.insert(held[Int(p.chunk)][Int(p.row)], db, rowid: p.rowid) }
                        pending.removeAll(keepingCapacity: true)
                        held.removeAll(keepingCapacity: true)
                    }
                    try Self.decodeInParallel(entries, store: store, progress: progress) { rows, problems in
                        held.append(rows)
                        for i in rows.indices {
                            let admitted = try ids.admit(rows[i], db, &report) {
                                try write()
                                held.append(rows)
                            }
                            guard admitted else { continue }
                            pending.append((try rowids.next(for: rows[i], db), Int32(held.count - 1), Int32(i)))
                            report.count(rows[i].kind, 1)
                        }
                        if pending.count >= 8192 { try write() }
                        report.problems += problems
                    }
                    try write()
                    try ids.finish(db)
                    try db.execute(sql: "INSERT INTO meta (key, value) VALUES ('builtAt', ?)", arguments: [Timestamp.format(Date())])
                    return .commit
                }
            }
            try Self.ftsSettings(queue, hashSize: 1 << 20, automerge: 4)
            try IndexSchema.migrator.migrate(queue)
            try queue.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA journal_mode = WAL") }
            try queue.close()
            try Self.fsync(path)
        } catch let error as CreativeError {
            Self.removeGeneration(at: directory, name)
            throw error
        } catch {
            Self.removeGeneration(at: directory, name)
            throw CreativeError(.storage, "The index could not be rebuilt: \(Self.describe(error)).")
        }
        do {
            try switchTo(name)
        } catch {
            Self.removeGeneration(at: directory, name)
            throw error
        }
        memo.forgetAll()
        report.problems.sort { $0.path < $1.path }
        report.seconds = Date().timeIntervalSince(start)
        creative_malloc_trim()
        for line in SidecarProblem.summary(report.problems, verb: "skipped") { logger.warning("\(line)") }
        return report
    }

    /// Points `.index/current` at a new generation (atomically) and removes the old ones.
    private func switchTo(_ name: String) throws(CreativeError) {
        // Like a sidecar: temp file, fsync, rename, fsync of the folder; never through a link.
        guard let folder = try POSIX.openPath(store.rootDir, ".index") else {
            throw CreativeError(.storage, "Could not switch the index to its new file: .index is gone.")
        }
        try store.writeAtomically(Data((name + "\n").utf8), name: Self.pointerName, in: folder, label: ".index/\(Self.pointerName)")
        state.withLock { $0 = nil }
        let files = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        for file in files where Self.isGenerationName(file.replacingOccurrences(of: "-wal", with: "").replacingOccurrences(of: "-shm", with: "")) {
            // Processes still reading an old generation keep its open inode until they switch.
            if !file.hasPrefix(name) { try? FileManager.default.removeItem(atPath: "\(directory)/\(file)") }
        }
    }

    static func removeGeneration(at directory: String, _ name: String) {
        for suffix in ["", "-wal", "-shm", "-journal"] {
            try? FileManager.default.removeItem(atPath: "\(directory)/\(name)\(suffix)")
        }
    }

    private static func ftsSettings(_ queue: DatabaseQueue, hashSize: Int, automerge: Int) throws {
        try queue.write { db in
            try db.execute(sql: "INSERT INTO item_fts (item_fts, rank) VALUES ('hashsize', ?), ('automerge', ?)", arguments: [hashSize, automerge])
        }
    }

    static func fsync(_ path: String) throws {
        let handle = try FileHandle(forUpdating: URL(fileURLWithPath: path))
        try handle.synchronize()
        try handle.close()
    }

    /// Reads and decodes sidecars in chunks on `diskThreads` threads; hands each finished chunk
    /// to `consume` on the calling thread (the database writer) while the others are still being
    /// decoded.
    ///
    /// The decoders are threads of this rebuild's own, not a shared pool: a rebuild may start from
    /// a pool thread (a read that found the index corrupt), and workers queued behind that same
    /// pool's busy threads would never run. When `consume` throws, the pipe closes and every
    /// decoder stops after its current chunk.
    static func decodeInParallel(
        _ entries: [(EntityKind, SidecarStat)], store: LibraryStore, progress: IndexProgress?,
        consume: ([IndexRow], [SidecarProblem]) throws -> Void
    ) throws {
        let chunkSize = 500
        let chunkCount = (entries.count + chunkSize - 1) / chunkSize
        let pipe = ChunkPipe(count: chunkCount)
        defer { pipe.close() }
        let workers = max(1, min(diskThreads, chunkCount))
        for _ in 0..<workers {
            let thread = Thread {
                while let chunk = pipe.nextChunk() {
                    var rows: [IndexRow] = []
                    var problems: [SidecarProblem] = []
                    rows.reserveCapacity(chunkSize)
                    for (kind, stat) in entries[(chunk * chunkSize)..<min(entries.count, (chunk + 1) * chunkSize)] {
                        do throws(CreativeError) {
                            rows.append(try IndexRow.make(kind, sidecar: try store.readScanned(kind, stat), stat: stat))
                        } catch {
                            problems.append(SidecarProblem(path: "\(stat.path)/\(kind.sidecarName)", reason: error.message))
                        }
                    }
                    pipe.finish(rows, problems)
                }
            }
            thread.start()
        }
        var done = 0
        progress?(0, entries.count)
        while let (rows, problems) = pipe.take() {
            try consume(rows, problems)
            done += rows.count + problems.count
            progress?(done, entries.count)
        }
    }
}

/// Hands chunk numbers to decoding threads and their results to the one writer, holding at most
/// a few decoded chunks (more would only raise peak memory). Threads block on its condition, so
/// it is `@unchecked Sendable`: every stored property is read and written under `condition`.
final class ChunkPipe: @unchecked Sendable {
    private let condition = NSCondition()
    private var next = 0
    private var taken = 0
    private var closed = false
    private var ready: [([IndexRow], [SidecarProblem])] = []
    private let count: Int
    private let maxReady = 4

    init(count: Int) { self.count = count }

    /// The next chunk to decode; nil when all were handed out or the pipe closed.
    func nextChunk() -> Int? {
        condition.lock()
        defer { condition.unlock() }
        guard next < count, !closed else { return nil }
        next += 1
        return next - 1
    }

    /// Queues a decoded chunk, waiting while the writer is behind; dropped once the pipe closed.
    func finish(_ rows: [IndexRow], _ problems: [SidecarProblem]) {
        condition.lock()
        defer { condition.unlock() }
        while ready.count >= maxReady && !closed { condition.wait() }
        guard !closed else { return }
        ready.append((rows, problems))
        condition.broadcast()
    }

    /// The next decoded chunk, waiting for one; nil when all were taken.
    func take() -> ([IndexRow], [SidecarProblem])? {
        condition.lock()
        defer { condition.unlock() }
        guard taken < count, !closed else { return nil }
        while ready.isEmpty { condition.wait() }
        taken += 1
        defer { condition.broadcast() }
        return ready.removeFirst()
    }

    /// Stops the decoders: no more chunks are handed out and waiting ones return.
    func close() {
        condition.lock()
        closed = true
        ready = []
        condition.broadcast()
        condition.unlock()
    }
}
