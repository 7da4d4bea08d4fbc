import CreativeCatalog
import Foundation
import Hummingbird
import NIOCore
import NIOPosix
import Synchronization

/// Upload bodies in flight, over all clients: bytes and count. An upload reserves its declared
/// length (or the largest allowed when it declares none) before its body is read; past the
/// budget the server answers 503 with Retry-After and reads nothing.
final class UploadBudget: Sendable {
    private struct Used {
        var bytes = 0
        var count = 0
    }

    let limits: ServerLimits
    private let used = Mutex(Used())

    init(limits: ServerLimits) {
        self.limits = limits
    }

    /// Reserves `bytes`; false when the budget has no room for them.
    func reserve(_ bytes: Int) -> Bool {
        used.withLock { used in
            guard used.count < limits.uploads, used.bytes + bytes <= limits.uploadBytes else { return false }
            (used.bytes, used.count) = (used.bytes + bytes, used.count + 1)
            return true
        }
    }

    func release(_ bytes: Int) {
        used.withLock { used in (used.bytes, used.count) = (used.bytes - bytes, used.count - 1) }
    }
}

/// A request body written to a temp file in the library's root as it arrives (the janitor's
/// `.NAME.HOST.PID.RANDOM.tmp` shape, so a crash leaves nothing for long), never held whole.
enum StagedUpload {
    /// Writes the body to a new temp file and returns its path.
    /// - Throws: `too_large` past `limit` bytes, `disk_full` when the disk has no room (the file
    ///   is removed either way).
    static func receive(_ body: RequestBody, root: String, limit: Int) async throws -> String {
        let path = root + "/" + LibraryStore.tempName(for: "upload")
        let io = NonBlockingFileIO(threadPool: BlockingPool.io.threadPool)
        var written = 0
        do {
            try await io.withFileHandle(path: path, mode: .write, flags: .allowFileCreation(posixMode: 0o600)) { handle in
                for try await buffer in body {
                    written += buffer.readableBytes
                    guard written <= limit else {
                        throw CreativeError(.tooLarge, "An upload may be \(limit >> 20) MiB at most; import larger files with `creative import`.")
                    }
                    try await io.write(fileHandle: handle, buffer: buffer)
                }
            }
        } catch {
            await remove(path)
            if let error = error as? CreativeError { throw error }
            if let error = error as? IOError, [ENOSPC, EDQUOT].contains(error.errnoCode) {
                throw CreativeError(.diskFull, "The library's disk is full; the upload was not stored.")
            }
            throw error
        }
        return path
    }

    /// Removes a staged file (on the io pool: unlink waits on the disk).
    static func remove(_ path: String) async {
        _ = try? await BlockingPool.io.runToCompletion { unlink(path) }
    }
}
