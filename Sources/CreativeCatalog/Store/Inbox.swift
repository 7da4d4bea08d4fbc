import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A request file waiting in `inbox/` (or `inbox/<userId>/`).
public struct InboxFile: Sendable, Hashable {
    /// Library-relative (`inbox/alice/fox.txt`).
    public var path: String
    public var name: String
    /// The per-user sub-folder it sits in, if any.
    public var userFolder: String?
    public var size: Int
    /// Nanoseconds since 1970.
    public var mtime: Int64
    /// Set when the entry is not a regular file; it is moved to `inbox/failed/` unread.
    public var special: SpecialFile? = nil
    /// Set when the name on disk is too long or not UTF-8: `name` is then a safe stand-in, the
    /// file is moved to `inbox/failed/` under it unread, and this says why.
    public var nameProblem: String? = nil
    /// The name's bytes on disk when they are not UTF-8.
    var rawName: [UInt8]? = nil
}

/// An inbox file taken for intake: renamed to `.NAME.<jobId>.<host>.<pid>.intake` beside where
/// it was, so no other process takes it too, and read.
public struct ClaimedInboxFile: Sendable {
    public var file: InboxFile
    public var jobId: String
    /// The content, or nil when the file is larger than the limit.
    public var data: Data?
    var intakeName: String
    var folder: String
    /// The folder it was taken in, when the taker had it open.
    var dir: Descriptor? = nil
    /// Whether the taken file has no other name than its intake name.
    var onlyName = false

    /// The folder it was taken in.
    func folderDescriptor(_ root: Descriptor) throws(CreativeError) -> Descriptor? {
        if let dir { return dir }
        return try POSIX.openPath(root, folder)
    }
}

/// The inbox folders one intake pass takes files from, each opened once for the pass instead of
/// once per file and step.
public final class InboxFolders: Sendable {
    private let root: Descriptor
    private let opened = Mutex<[String: Descriptor]>([:])

    init(root: Descriptor) { self.root = root }

    func folder(_ path: String) throws(CreativeError) -> Descriptor? {
        if let dir = opened.withLock({ $0[path] }) { return dir }
        guard let dir = try POSIX.openPath(root, path) else { return nil }
        return opened.withLock { opened in
            if let first = opened[path] { return first }
            opened[path] = dir
            return dir
        }
    }
}

extension LibraryStore {
    /// Largest request file read (1 MiB).
    public static let inboxLimit = 1024 * 1024
    /// Longest inbox file name taken as it is (bytes); the intake name adds about 100 more and
    /// Linux stops at 255.
    public static let inboxNameLimit = 140

    /// A name that fits and reads anywhere for an entry whose own does not: undecodable bytes and
    /// control characters become `_`, the stem is cut to fit, a short extension is kept.
    static func safeName(_ name: String) -> String {
        var cleaned = String(name.unicodeScalars.map { $0 == "\u{FFFD}" || $0.properties.generalCategory == .control ? "_" : Character($0) })
        if cleaned.hasPrefix(".") { cleaned = "_" + cleaned.dropFirst() }
        let ext = (cleaned as NSString).pathExtension
        let keep = ext.utf8.count <= 8 && !ext.isEmpty ? "." + ext : ""
        var stem = keep.isEmpty ? cleaned : String(cleaned.dropLast(keep.count))
        while stem.utf8.count + keep.utf8.count > 100 { stem.removeLast() }
        return (stem.isEmpty ? "unnamed" : stem) + keep
    }

    /// Files waiting in `inbox/` and its per-user folders, oldest first. Names other programs use
    /// for temporaries, dotfiles and `inbox/failed/` are skipped. Entries that are not regular
    /// files (FIFOs, sockets, devices, symbolic links) are listed with `special` set.
    public func inboxFiles(ignoring ignores: (String) -> Bool) -> [InboxFile] {
        guard let inbox = try? POSIX.openPath(rootDir, "inbox") else { return [] }
        var files: [InboxFile] = []
        func collect(_ dir: Descriptor, _ path: String, user: String?) {
            for entry in POSIX.entries(dir) where !ignores(entry.name) {
                if entry.isDirectory {
                    guard user == nil, entry.name != "failed", (try? Validation.userId(entry.name)) != nil,
                        let sub = try? POSIX.openDirectory(dir, entry.name)
                    else { continue }
                    collect(sub, "\(path)/\(entry.name)", user: entry.name)
                } else if let st = entry.raw.map({ POSIX.info(dir, raw: $0) }) ?? POSIX.info(dir, entry.name), st.isRegular || st.special != nil {
                    var file = InboxFile(
                        path: "\(path)/\(entry.name)", name: entry.name, userFolder: user,
                        size: st.size, mtime: st.mtimeNanoseconds, special: st.special)
                    if entry.raw != nil || entry.name.utf8.count > Self.inboxNameLimit {
                        file.name = Self.safeName(entry.name)
                        file.path = "\(path)/\(file.name)"
                        file.rawName = entry.raw ?? Array(entry.name.utf8)
                        file.nameProblem =
                            entry.raw != nil
                            ? "The file's name is not UTF-8 text" : "The file's name is \(entry.name.utf8.count) bytes long (at most \(Self.inboxNameLimit))"
                    }
                    files.append(file)
                }
            }
        }
        collect(inbox, "inbox", user: nil)
        return files.sorted { ($0.mtime, $0.path) < ($1.mtime, $1.path) }
    }

    /// Takes a file for intake with one rename; nil when another process took it first (or it is
    /// gone). The job id travels in the temporary name, so a crash mid-intake can be undone.
    public func claimInboxFile(_ file: InboxFile, jobId: String, folders: InboxFolders) throws(CreativeError) -> ClaimedInboxFile? {
        // By bytes: a name starting with a combining mark would merge with the "/" as a character.
        let folder = String(decoding: file.path.utf8.prefix(file.path.utf8.count - file.name.utf8.count - 1), as: UTF8.self)
        guard let dir = try folders.folder(folder) else { return nil }
        let intake = ".\(file.name).\(jobId).\(POSIX.hostName).\(getpid()).intake"
        let renamed = POSIX.withCString(file.rawName ?? Array(file.name.utf8)) { renameat(dir.fd, $0, dir.fd, intake) }
        guard renamed == 0 else {
            if errno == ENOENT { return nil }
            throw POSIX.failure("take", file.path)
        }
        // rename(2) moves a link or a FIFO itself; only a regular file is read.
        let read = file.special == nil && file.nameProblem == nil ? try? POSIX.readRegular(dir, intake, limit: Self.inboxLimit) : nil
        return ClaimedInboxFile(
            file: file, jobId: jobId, data: read?.data, intakeName: intake, folder: folder, dir: dir, onlyName: read?.info.links == 1)
    }

    /// A fresh set of ``InboxFolders`` for one intake pass.
    public func inboxFolders() -> InboxFolders { InboxFolders(root: rootDir) }

    /// The copy of a taken request its job folder keeps, as `name`: a second name for the taken
    /// file itself when it has no other (nothing written twice, and dropping the intake name
    /// afterwards frees nothing on disk), its bytes otherwise — a file linked in from elsewhere
    /// could later change under the job.
    public func requestCopy(_ claimed: ClaimedInboxFile, name: String) -> EntityFile {
        var copy = EntityFile(name: name, data: claimed.data ?? Data())
        if claimed.onlyName, claimed.data != nil, let dir = claimed.dir {
            copy.hardLink = (dir, claimed.intakeName)
            copy.writeIfLinkFails = true
        }
        return copy
    }

    /// The request became a job (its copy is in the job folder): drop the taken file.
    public func finishIntake(_ claimed: ClaimedInboxFile) {
        guard let dir = try? claimed.folderDescriptor(rootDir) else { return }
        unlinkat(dir.fd, claimed.intakeName, 0)
    }

    /// Puts a taken file back under its name in the inbox (the disk filled while its job was being
    /// written): it is taken again once space returns. - Returns: whether it went back.
    @discardableResult
    public func returnIntake(_ claimed: ClaimedInboxFile) -> Bool {
        guard let dir = try? claimed.folderDescriptor(rootDir) else { return false }
        return restore(claimed.intakeName, as: claimed.file.name, in: dir)
    }

    /// Moves a rejected request to `inbox/failed/NAME` with `NAME.error.txt` beside it saying,
    /// in one sentence, what is wrong and how to fix it. Nothing is deleted.
    /// - Returns: the library-relative path of the moved file.
    @discardableResult
    public func failIntake(_ claimed: ClaimedInboxFile, reason: String) throws(CreativeError) -> String {
        guard let from = try claimed.folderDescriptor(rootDir),
            let failed = try POSIX.openPath(rootDir, "inbox/failed", create: true)
        else { throw POSIX.failure("open", "inbox/failed") }
        var name = claimed.file.name
        var n = 2
        // Linked in, never renamed over: two files rejected at once under one name both stay. Where
        // a hard link is not allowed (protected_hardlinks and another user's file), renamed.
        func place(_ name: String) -> Bool {
            if POSIX.info(failed, name + ".error.txt") != nil { return false }
            if linkat(from.fd, claimed.intakeName, failed.fd, name, 0) == 0 { return true }
            return errno != EEXIST && POSIX.info(failed, name) == nil && renameat(from.fd, claimed.intakeName, failed.fd, name) == 0
        }
        while !place(name) {
            guard POSIX.info(from, claimed.intakeName) != nil, n < 10_000 else { throw POSIX.failure("move", claimed.file.path) }
            let ext = (claimed.file.name as NSString).pathExtension
            let base = (claimed.file.name as NSString).deletingPathExtension
            name = ext.isEmpty ? "\(base)-\(n)" : "\(base)-\(n).\(ext)"
            n += 1
        }
        unlinkat(from.fd, claimed.intakeName, 0)
        try writeAtomically(Data((reason + "\n").utf8), name: name + ".error.txt", in: failed, label: "inbox/failed/\(name).error.txt")
        try POSIX.syncDirectory(failed, name: "inbox/failed")
        return "inbox/failed/\(name)"
    }

    /// Settles intakes a crashed process left half-done: if its job exists the taken file is
    /// dropped; if its job was staged (parsed and written, waiting for its batch's commit) the file
    /// goes back to its name in the inbox; otherwise it was being parsed, and it moves to
    /// `inbox/failed/` with an error saying so (the file may be what stopped the engine, so it is
    /// never parsed again by itself). Only intakes whose process is gone (same host) or that are
    /// older than `maxAge` seconds (another host) are touched: another engine may be mid-intake
    /// right now. Run at start-up.
    /// - Returns: the library-relative paths moved to `inbox/failed/`, and how many went back.
    @discardableResult
    public func recoverIntakes(maxAge: Double = 600) -> (failed: [String], restored: Int) {
        var moved: [String] = []
        var restored = 0
        let staged = stagedJobs()
        let now = Date().timeIntervalSince1970
        func visit(_ dir: Descriptor, _ path: String) {
            for entry in POSIX.entries(dir) {
                if entry.isDirectory, !entry.name.hasPrefix("."), entry.name != "failed", let sub = try? POSIX.openDirectory(dir, entry.name) {
                    visit(sub, "\(path)/\(entry.name)")
                    continue
                }
                guard entry.name.hasPrefix("."), entry.name.hasSuffix(".intake") else { continue }
                let parts = entry.name.dropFirst().dropLast(".intake".count).split(separator: ".", omittingEmptySubsequences: false)
                guard parts.count >= 4, let pid = Int32(parts[parts.count - 1]) else { continue }
                let host = String(parts[parts.count - 2])
                let jobId = String(parts[parts.count - 3])
                guard Validation.isValidId(jobId) else { continue }
                // Age of the intake from the job id (a ULID made at the rename): the file's mtime is
                // the request's, which a rename keeps, so an old file taken a moment ago looked stale.
                let age = now - (ULID.date(of: jobId)?.timeIntervalSince1970 ?? now)
                // At start-up an intake with this process's pid is an earlier process's (PID namespaces reuse pids).
                let ownerGone = host == POSIX.hostName ? pid == getpid() || POSIX.isGone(pid: pid, host: host) : age > maxAge
                guard ownerGone else { continue }
                if (try? locate(.job, id: jobId)) ?? nil != nil {
                    unlinkat(dir.fd, entry.name, 0)
                    continue
                }
                let original = parts.dropLast(3).joined(separator: ".")
                if let temp = staged[jobId], restore(entry.name, as: original, in: dir) {
                    if let jobs = try? POSIX.openPath(rootDir, "jobs") { POSIX.removeTree(jobs, temp) }
                    restored += 1
                    continue
                }
                let file = InboxFile(path: "\(path)/\(original)", name: original, userFolder: nil, size: 0, mtime: 0)
                let claimed = ClaimedInboxFile(file: file, jobId: jobId, data: nil, intakeName: entry.name, folder: path)
                let reason =
                    "The engine (\(host), process \(pid)) stopped while it was taking this request, and the file may be what stopped it; check it, then drop it into inbox/ again."
                if let to = try? failIntake(claimed, reason: reason) { moved.append(to) }
            }
        }
        if let inbox = try? POSIX.openPath(rootDir, "inbox") { visit(inbox, "inbox") }
        return (moved, restored)
    }

    /// Job folders written under their temp name (`.<id>.<host>.<pid>.<n>.tmp`) with their
    /// sidecar, by job id: what a group commit had staged when its process died.
    private func stagedJobs() -> [String: String] {
        guard let jobs = try? POSIX.openPath(rootDir, "jobs") else { return [:] }
        var found: [String: String] = [:]
        for entry in POSIX.entries(jobs) where entry.isDirectory && entry.name.hasPrefix(".") && entry.name.hasSuffix(".tmp") {
            let id = String(entry.name.dropFirst().prefix { $0 != "." })
            if Validation.isValidId(id), POSIX.info(jobs, "\(entry.name)/\(EntityKind.job.sidecarName)")?.isRegular == true {
                found[id] = entry.name
            }
        }
        return found
    }

    /// Puts a taken file back under its name (or `NAME-2` …, never over a file dropped since).
    private func restore(_ intake: String, as name: String, in dir: Descriptor) -> Bool {
        let ext = (name as NSString).pathExtension
        let base = (name as NSString).deletingPathExtension
        for n in 1..<100 {
            let candidate = n == 1 ? name : (ext.isEmpty ? "\(base)-\(n)" : "\(base)-\(n).\(ext)")
            if linkat(dir.fd, intake, dir.fd, candidate, 0) == 0 {
                unlinkat(dir.fd, intake, 0)
                return true
            }
            guard errno == EEXIST else { return false }
        }
        return false
    }
}
