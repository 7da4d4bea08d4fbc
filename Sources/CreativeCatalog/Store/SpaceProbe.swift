import Foundation

extension LibraryStore {
    /// Bytes a probe writes: about what a job's sidecar and a small image need, so a disk that
    /// passes it can take the next job.
    static let probeBytes = 1 << 20

    /// Writes and removes a temp file of ``probeBytes`` in the library's folder (the janitor's
    /// temp-name shape, so a crash leaves nothing for long): whether the disk has room again when
    /// there is no job to try it with.
    /// - Throws: `disk_full` when it has not, `storage` when the write fails otherwise.
    public func probeSpace() throws(CreativeError) {
        let name = Self.tempName(for: "space")
        let fd = openat(rootDir.fd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw POSIX.failure("write", name) }
        defer {
            close(fd)
            unlinkat(rootDir.fd, name, 0)
        }
        // posix_fallocate reserves the blocks without writing them (ENOSPC when they are not there).
        let result = posix_fallocate(fd, 0, off_t(Self.probeBytes))
        guard result == 0 else { throw POSIX.failure("write", name, result) }
    }
}
