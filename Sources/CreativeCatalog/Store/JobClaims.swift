import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Claims on jobs, the Maildir way: a `claim` file created with O_EXCL in the job's folder, so
/// exactly one process wins, on one host or several sharing the folder (NFS v3+ honours O_EXCL).
/// Its mtime is the lease; its JSON names the worker (docs/SCHEMA.md, JobClaim).
extension LibraryStore {
    static let claimName = "claim"

    private func jobFolder(_ id: String) throws(CreativeError) -> Descriptor? {
        guard let location = try locate(.job, id: id) else { return nil }
        return try POSIX.openPath(rootDir, location.path)
    }

    /// This machine's boot: a claim made before the last reboot is dead.
    static let bootId: String = {
        let text = (try? String(contentsOfFile: "/proc/sys/kernel/random/boot_id", encoding: .utf8)) ?? ""
        let id = text.trimmingCharacters(in: .whitespacesAndNewlines)
        return id.isEmpty ? "unknown" : id
    }()

    /// Tokens of the claims this process holds: a claim with this process's pid and another
    /// token was made by an earlier process that had the same pid (PID namespaces reuse them).
    private static let heldTokens = Mutex<Set<String>>([])

    /// Tries to claim a job for `lease` seconds. - Returns: the claim when this process won it.
    public func claimJob(_ id: String, lease: Double) throws(CreativeError) -> JobClaim? {
        guard let dir = try jobFolder(id) else { return nil }
        let token = String(UInt64.random(in: 0...UInt64.max), radix: 16).leftPadded(to: 16)
        let claim = JobClaim(
            host: POSIX.hostName, pid: getpid(), bootId: Self.bootId, library: libraryId, token: token, claimedAt: Timestamp.now(), leaseSeconds: lease)
        let data: Data
        do { data = try JSONCoding.encoder(pretty: false).encode(claim) } catch { throw CreativeError(.storage, "A job claim could not be encoded.") }
        // Known as ours before the file exists: another worker of this process may read it at once.
        _ = Self.heldTokens.withLock { $0.insert(token) }
        let fd = openat(dir.fd, Self.claimName, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            let err = errno
            // On NFS a create can fail although it happened: look before deciding.
            if err != EEXIST, let found = read(dir), found.token == token { return found }
            _ = Self.heldTokens.withLock { $0.remove(token) }
            if err == EEXIST { return nil }
            throw POSIX.failure("claim", "jobs/\(id)", err)
        }
        do throws(CreativeError) {
            try POSIX.writeAll(Descriptor(fd), data, name: "jobs/\(id)/claim")
        } catch {
            _ = Self.heldTokens.withLock { $0.remove(token) }
            unlinkat(dir.fd, Self.claimName, 0)
            throw error
        }
        return read(dir) ?? claim
    }

    private func read(_ dir: Descriptor) -> JobClaim? {
        guard let (file, info) = try? POSIX.openRegular(dir, Self.claimName) else { return nil }
        return Self.decode(file, info)
    }

    /// Parses an open claim; a claim of an older engine (`host.pid`) reads as one with no boot,
    /// library or token, judged by its host, pid and a 30-second lease; an unreadable one as one
    /// with no host, judged by its age.
    private static func decode(_ file: Descriptor, _ info: POSIX.FileInfo) -> JobClaim? {
        var bytes = [UInt8](repeating: 0, count: min(max(info.size, 1), 4096))
        let count = Glibc.read(file.fd, &bytes, bytes.count)
        let data = Data(bytes.prefix(max(0, count)))
        let made = Date(timeIntervalSince1970: info.mtime)
        var claim: JobClaim
        if let decoded = try? JSONCoding.decoder().decode(JobClaim.self, from: data) {
            claim = decoded
        } else if case let owner = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines),
            let dot = owner.lastIndex(of: "."), let pid = Int32(owner[owner.index(after: dot)...])
        {
            claim = JobClaim(host: String(owner[..<dot]), pid: pid, bootId: "", library: "", token: "", claimedAt: made, leaseSeconds: 30)
        } else {
            // Empty or garbled (its maker died between creating and writing it): no owner to ask,
            // so judged by age alone.
            claim = JobClaim(host: "", pid: 0, bootId: "", library: "", token: "", claimedAt: made, leaseSeconds: 30)
        }
        claim.renewedAt = Date(timeIntervalSince1970: info.mtime)
        return claim
    }

    /// The claim on a job, if any, with its last renewal.
    public func jobClaim(_ id: String) -> JobClaim? {
        guard let dir = try? jobFolder(id) else { return nil }
        return read(dir)
    }

    /// Whether the worker named by `claim` can still be at work (docs/SCHEMA.md, JobClaim).
    public func judge(_ claim: JobClaim, now: Date = Date()) -> ClaimVerdict {
        if claim.host.isEmpty { return claim.expiresAt < now ? .dead("it names no worker and is over \(Int(claim.leaseSeconds)) s old") : .live }
        let sameLibrary = claim.library.isEmpty || libraryId.isEmpty || claim.library == libraryId
        if claim.host == POSIX.hostName && sameLibrary {
            if !claim.bootId.isEmpty && claim.bootId != Self.bootId { return .dead("its machine has restarted since") }
            if claim.pid == getpid() {
                let ours = Self.heldTokens.withLock { $0.contains(claim.token) }
                return ours ? .live : .dead("an earlier process with this pid made it")
            }
            if POSIX.isGone(pid: claim.pid, host: claim.host) { return .dead("process \(claim.pid) is gone") }
            // The pid was reused: the process that has it now started after the claim was made.
            if let running = POSIX.process(claim.pid), running.started > claim.claimedAt.addingTimeInterval(2) {
                return .dead("process \(claim.pid) is another program now")
            }
            return .live
        }
        let who = sameLibrary ? "host \(claim.host) (process \(claim.pid))" : "another copy of this library (\(claim.owner))"
        guard sameLibrary, (try? settings().sharedStorage) == true else { return .heldElsewhere(who) }
        return claim.expiresAt < now ? .dead("the lease of \(who) ran out") : .live
    }

    /// Renews the lease: touches the claim file just read and found ours.
    public func renewJobClaim(_ id: String, _ claim: JobClaim) -> ClaimRenewal {
        guard let dir = try? jobFolder(id) else { return .unknown }
        let opened: (file: Descriptor, info: POSIX.FileInfo)?
        do { opened = try POSIX.openRegular(dir, Self.claimName) } catch { return .unknown }
        guard let (file, info) = opened else { return .lost }
        guard let found = Self.decode(file, info) else { return .unknown }
        guard found.token == claim.token else { return .lost }
        return futimens(file.fd, nil) == 0 ? .renewed : .unknown
    }

    /// Gives a claim up (only the one this process made).
    public func releaseJobClaim(_ id: String, _ claim: JobClaim) {
        // The file goes first: while it exists, another worker of this process must see it as ours.
        defer { _ = Self.heldTokens.withLock { $0.remove(claim.token) } }
        guard let dir = try? jobFolder(id), let found = read(dir), found.token == claim.token else { return }
        unlinkat(dir.fd, Self.claimName, 0)
    }

    /// Breaks the claim judged dead (or taken over on purpose) so the job can be claimed again:
    /// renames it to a unique name, then checks that the file moved is the one judged (token and
    /// last renewal); a claim renewed or made since is put back. - Returns: true when it broke it.
    public func breakJobClaim(_ id: String, judged: JobClaim) -> Bool {
        guard let dir = try? jobFolder(id) else { return false }
        let aside = ".claim.broken.\(POSIX.hostName).\(getpid()).\(UInt32.random(in: 0...UInt32.max))"
        guard renameat(dir.fd, Self.claimName, dir.fd, aside) == 0 else { return false }
        defer { unlinkat(dir.fd, aside, 0) }
        let moved = (try? POSIX.openRegular(dir, aside)).flatMap { $0.map { Self.decode($0.file, $0.info) } } ?? nil
        if let moved, moved.token == judged.token, moved.renewedAt == judged.renewedAt { return true }
        // Not the claim judged: put it back unless a new one is there already (link never replaces).
        _ = linkat(dir.fd, aside, dir.fd, Self.claimName, 0)
        return false
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
