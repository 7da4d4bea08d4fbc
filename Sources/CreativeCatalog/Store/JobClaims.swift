import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Claims on jobs, the Maildir way: a `claim` file created with O_EXCL in the job's folder.
/// Exactly one process wins, on one host or several sharing the folder (NFS v3+ honours O_EXCL).
/// Its mtime is the lease: the owner touches it while working; a claim not touched for the lease
/// time belongs to a dead worker and may be broken by renaming it away (one rename wins).
extension LibraryStore {
    static let claimName = "claim"

    private func jobFolder(_ id: String) throws(CreativeError) -> Descriptor? {
        guard let location = try locate(.job, id: id) else { return nil }
        return try POSIX.openPath(rootDir, location.path)
    }

    /// A unique owner name for this process: `host.pid`.
    public static var claimOwner: String { "\(POSIX.hostName).\(getpid())" }

    /// Tries to claim a job. - Returns: true when this process now owns it.
    public func claimJob(_ id: String, owner: String = LibraryStore.claimOwner) throws(CreativeError) -> Bool {
        guard let dir = try jobFolder(id) else { return false }
        let fd = openat(dir.fd, Self.claimName, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            if errno == EEXIST { return false }
            // On NFS a create can fail although it happened: look before deciding.
            if let owner2 = claimOwner(of: dir), owner2 == owner { return true }
            throw POSIX.failure("claim", "jobs/\(id)")
        }
        let file = Descriptor(fd)
        try POSIX.writeAll(file, Data((owner + "\n").utf8), name: "jobs/\(id)/claim")
        return true
    }

    private func claimOwner(of dir: Descriptor) -> String? {
        guard let data = try? POSIX.readFile(dir, Self.claimName, limit: 4096) else { return nil }
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Who holds the job's claim and how long ago it was last renewed (seconds).
    public func jobClaim(_ id: String) -> (owner: String, age: Double)? {
        guard let dir = try? jobFolder(id), let owner = claimOwner(of: dir), let st = POSIX.info(dir, Self.claimName) else { return nil }
        return (owner, Date().timeIntervalSince1970 - st.mtime)
    }

    /// Renews the lease (touches the claim). - Returns: false when the claim is no longer ours.
    @discardableResult
    public func renewJobClaim(_ id: String, owner: String = LibraryStore.claimOwner) -> Bool {
        guard let dir = try? jobFolder(id), claimOwner(of: dir) == owner else { return false }
        return utimensat(dir.fd, Self.claimName, nil, AT_SYMLINK_NOFOLLOW) == 0
    }

    /// Gives a claim up (only our own).
    public func releaseJobClaim(_ id: String, owner: String = LibraryStore.claimOwner) {
        guard let dir = try? jobFolder(id), claimOwner(of: dir) == owner else { return }
        unlinkat(dir.fd, Self.claimName, 0)
    }

    /// Breaks a claim whose lease ran out (not renewed for `lease` seconds), so the job can be
    /// claimed again. - Returns: true when this call broke it.
    public func breakStaleJobClaim(_ id: String, lease: Double) -> Bool {
        guard let dir = try? jobFolder(id), let st = POSIX.info(dir, Self.claimName),
            Date().timeIntervalSince1970 - st.mtime > lease
        else { return false }
        let aside = "claim.stale.\(Self.claimOwner).\(UInt32.random(in: 0...UInt32.max))"
        guard renameat(dir.fd, Self.claimName, dir.fd, aside) == 0 else { return false }
        unlinkat(dir.fd, aside, 0)
        return true
    }
}
