import CreativeCatalog
import Crypto
import Foundation

/// The files behind ``TokenFile``: read without following a link or blocking on a FIFO, replaced
/// whole under a lock on their folder, the key made once with O_EXCL.
extension TokenFile {
    /// The file's text and identity (inode, size, mtime); "" and [] when missing.
    @available(*, noasync)
    static func read(_ path: String) throws(CreativeError) -> (String, [Int]) {
        let fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else {
            if errno == ENOENT { return ("", []) }
            throw .invalid("tokens", "The tokens file \(path) cannot be read (\(errno == ELOOP ? "it is a symbolic link" : String(cString: strerror(errno)))).")
        }
        let handle = FileHandle(fileDescriptor: fd, closeOnDealloc: true)
        var st = stat()
        guard fstat(fd, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG, st.st_size <= 1 << 20 else {
            throw .invalid("tokens", "The tokens file \(path) is not a regular file under 1 MiB; make it with `creative token add USER`.")
        }
        let identity = [Int(st.st_ino), Int(st.st_size), Int(st.st_mtim.tv_sec), Int(st.st_mtim.tv_nsec)]
        return (String(decoding: (try? handle.readToEnd()) ?? Data(), as: UTF8.self), identity)
    }

    /// The key in `path`; made (32 random bytes, 0600, O_EXCL so two processes agree on one)
    /// when missing and `create` is set.
    /// - Throws: `invalid_input` when the key file is a link, not regular, readable by others or
    ///   too short; `storage` when it cannot be written.
    @available(*, noasync)
    static func loadKey(_ path: String, create: Bool) throws(CreativeError) -> SymmetricKey? {
        for _ in 0..<2 {
            let fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)
            if fd >= 0 {
                defer { close(fd) }
                var st = stat()
                var bytes = [UInt8](repeating: 0, count: 64)
                guard fstat(fd, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG, st.st_mode & 0o077 == 0 else {
                    throw .invalid("tokens", "The key file \(path) must be a regular file only its owner can read (chmod 600).")
                }
                let count = Glibc.read(fd, &bytes, bytes.count)
                guard count >= 32 else { throw .invalid("tokens", "The key file \(path) is shorter than 32 bytes; remove it and make tokens again.") }
                return SymmetricKey(data: bytes[0..<count])
            }
            guard errno == ENOENT else {
                throw .invalid(
                    "tokens", "The key file \(path) cannot be read (\(errno == ELOOP ? "it is a symbolic link" : String(cString: strerror(errno)))).")
            }
            guard create else { return nil }
            let folder = (path as NSString).deletingLastPathComponent
            try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            let temp = "\(path).\(getpid()).tmp"
            let out = open(temp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
            guard out >= 0 else { throw CreativeError(.storage, "Could not write the key file \(path).") }
            var generator = SystemRandomNumberGenerator()
            let bytes = (0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }
            let written = write(out, bytes, bytes.count) == bytes.count && fsync(out) == 0
            close(out)
            // link(2) fails when another process made the key first: then both read that one.
            let linked = written && link(temp, path) == 0
            unlink(temp)
            if !linked && errno != EEXIST { throw CreativeError(.storage, "Could not write the key file \(path).") }
            fsyncFolder(folder)
        }
        throw CreativeError(.storage, "Could not read the key file \(path).")
    }

    /// Replaces the file with `change(lines)`, under an exclusive lock on its folder so two
    /// writers (`creative token add`, a server upgrading an entry) never lose each other's line.
    @available(*, noasync)
    static func rewrite(_ path: String, _ change: ([String]) -> [String]) throws(CreativeError) {
        let folder = (path as NSString).deletingLastPathComponent
        let dir = open(folder.isEmpty ? "." : folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard dir >= 0 else { throw CreativeError(.storage, "Could not open the folder of the tokens file \(path).") }
        defer { close(dir) }
        flock(dir, LOCK_EX)
        defer { flock(dir, LOCK_UN) }
        let lines = try read(path).0.split(separator: "\n").map(String.init)
        let temp = "\(path).\(getpid()).tmp"
        let fd = open(temp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw CreativeError(.storage, "Could not write the tokens file \(path).") }
        let bytes = Array(change(lines).map { $0 + "\n" }.joined().utf8)
        let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        let synced = fsync(fd) == 0
        close(fd)
        guard written == bytes.count, synced, rename(temp, path) == 0 else {
            unlink(temp)
            throw CreativeError(.storage, "Could not write the tokens file \(path).")
        }
        fsyncFolder(folder)
    }

    private static func fsyncFolder(_ folder: String) {
        let dir = open(folder.isEmpty ? "." : folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if dir >= 0 {
            _ = fsync(dir)
            close(dir)
        }
    }
}
