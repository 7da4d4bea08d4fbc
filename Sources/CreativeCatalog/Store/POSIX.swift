import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An open file descriptor, closed when the last reference goes. The store reaches every file
/// through directory descriptors opened one component at a time with O_NOFOLLOW, so no symlink in
/// a library (a synced one may carry a link to ~/.ssh) can lead a read or write outside it.
public final class Descriptor: Sendable {
    public let fd: Int32

    init(_ fd: Int32) { self.fd = fd }
    deinit { close(fd) }

    /// A second descriptor of the same open file, for a reader that owns and closes it itself.
    /// - Throws: `storage` when the process is out of descriptors.
    public func duplicate() throws(CreativeError) -> Int32 {
        let copy = fcntl(fd, F_DUPFD_CLOEXEC, 0)
        guard copy >= 0 else { throw POSIX.failure("open again", "a file") }
        return copy
    }
}

enum POSIX {
    static func failure(_ what: String, _ path: String, _ err: Int32 = errno) -> CreativeError {
        CreativeError(err == ENOSPC || err == EDQUOT ? .diskFull : .storage, "Could not \(what) \(path): \(String(cString: strerror(err))).")
    }

    /// Opens a directory below `dir` without following a symlink. nil when it does not exist.
    static func openDirectory(_ dir: Descriptor, _ name: String) throws(CreativeError) -> Descriptor? {
        let fd = openat(dir.fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        if fd >= 0 { return Descriptor(fd) }
        if errno == ENOENT || errno == ENOTDIR || errno == ELOOP { return nil }
        throw failure("open the folder", name)
    }

    /// Opens (and with `create`, makes) a relative folder path one component at a time.
    static func openPath(_ root: Descriptor, _ relative: String, create: Bool = false) throws(CreativeError) -> Descriptor? {
        var current = root
        for component in relative.split(separator: "/") where !component.isEmpty {
            let name = String(component)
            guard name != "..", name != "." else {
                throw CreativeError(.invalidInput, "Paths inside the library may not contain \(name).")
            }
            if create {
                // Opened first: a mkdir of a folder that exists still locks its parent for a create.
                if let next = try openDirectory(current, name) {
                    current = next
                    continue
                }
                if mkdirat(current.fd, name, 0o755) == 0 {
                    // A new folder (a month, a collection) survives a crash like the files in it.
                    try syncDirectory(current, name: relative)
                } else if errno != EEXIST {
                    throw failure("create the folder", relative)
                }
            }
            guard let next = try openDirectory(current, name) else { return nil }
            current = next
        }
        return current
    }

    struct FileInfo {
        var isDirectory: Bool
        var isRegular: Bool
        /// What the entry is, for files that are not regular (`nil` for a regular file or folder).
        var special: SpecialFile?
        var size: Int
        var inode: UInt64
        /// Names the file has (hard links).
        var links: Int
        var mtime: Double
        var mtimeNanoseconds: Int64
    }

    /// lstat relative to a directory; nil when nothing is there.
    static func info(_ dir: Descriptor, _ name: String) -> FileInfo? {
        var st = stat()
        guard fstatat(dir.fd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 else { return nil }
        return FileInfo(st)
    }

    /// Status of an entry known by its raw name bytes (a name that is not UTF-8).
    static func info(_ dir: Descriptor, raw: [UInt8]) -> FileInfo? {
        var st = stat()
        guard withCString(raw, { fstatat(dir.fd, $0, &st, AT_SYMLINK_NOFOLLOW) }) == 0 else { return nil }
        return FileInfo(st)
    }

    /// Calls `body` with `raw` as a NUL-terminated C string.
    static func withCString<T>(_ raw: [UInt8], _ body: (UnsafePointer<CChar>) -> T) -> T {
        (raw + [0]).withUnsafeBufferPointer { bytes in
            bytes.withMemoryRebound(to: CChar.self) { body($0.baseAddress!) }
        }
    }

    static func info(_ file: Descriptor) -> FileInfo? {
        var st = stat()
        guard fstat(file.fd, &st) == 0 else { return nil }
        return FileInfo(st)
    }

    /// Opens a regular file below `dir` for reading: never through a symlink, and with
    /// O_NONBLOCK, so a FIFO planted in a library (rsync copies them) is refused instead of
    /// blocking the open until something writes to it. nil when nothing is there.
    /// - Throws: `storage` for a symlink, a FIFO, a socket, a device or a folder.
    static func openRegular(_ dir: Descriptor, _ name: String) throws(CreativeError) -> (file: Descriptor, info: FileInfo)? {
        let fd = openat(dir.fd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)
        if fd < 0 {
            if errno == ENOENT { return nil }
            if errno == ELOOP {
                throw CreativeError(.storage, "\(name) is a symbolic link; links are not followed inside a library.")
            }
            throw failure("open", name)
        }
        let file = Descriptor(fd)
        guard let st = info(file), st.isRegular else {
            throw CreativeError(.storage, "\(name) is not a regular file.")
        }
        // Regular files ignore O_NONBLOCK; clear it so reads behave as usual everywhere.
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK)
        return (file, st)
    }

    /// Reads a regular file (see ``openRegular(_:_:)``), refusing files over `limit` bytes.
    static func readFile(_ dir: Descriptor, _ name: String, limit: Int) throws(CreativeError) -> Data? {
        try readRegular(dir, name, limit: limit)?.data
    }

    /// ``readFile(_:_:limit:)`` with the file's status.
    static func readRegular(_ dir: Descriptor, _ name: String, limit: Int) throws(CreativeError) -> (data: Data, info: FileInfo)? {
        guard let (file, st) = try openRegular(dir, name) else { return nil }
        guard st.size <= limit else {
            throw CreativeError(.tooLarge, "\(name) is \(st.size) bytes; the limit is \(limit).")
        }
        var data = Data(count: st.size)
        var done = 0
        while done < st.size {
            let n = data.withUnsafeMutableBytes { read(file.fd, $0.baseAddress! + done, st.size - done) }
            if n < 0 {
                if errno == EINTR { continue }
                throw failure("read", name)
            }
            if n == 0 { break }
            done += n
        }
        return (done == st.size ? data : data.prefix(done), st)
    }

    /// Writes all bytes to an open file, then fsyncs it (unless a caller flushes a batch at once).
    static func writeAll(_ file: Descriptor, _ data: Data, name: String, sync: Bool = true) throws(CreativeError) {
        var done = 0
        while done < data.count {
            let n = data.withUnsafeBytes { write(file.fd, $0.baseAddress! + done, data.count - done) }
            if n < 0 {
                if errno == EINTR { continue }
                throw failure("write", name)
            }
            done += n
        }
        // Never retry a failed fsync: the kernel may have dropped the dirty pages already.
        guard !sync || fsync(file.fd) == 0 else { throw failure("flush", name) }
    }

    static func syncDirectory(_ dir: Descriptor, name: String) throws(CreativeError) {
        guard fsync(dir.fd) == 0 else { throw failure("flush the folder", name) }
    }

    /// An entry of a directory. `name` is the decoded name; `raw` keeps the bytes when they are
    /// not UTF-8 (other programs may write any bytes but `/`), so the entry can still be renamed.
    struct Entry {
        var name: String
        var isDirectory: Bool
        var raw: [UInt8]? = nil
        /// From the entry's type (no stat): set for links, FIFOs, sockets and devices.
        var special: SpecialFile? = nil
    }

    /// Calls `body` with each entry's name (its bytes, valid only during the call; `.` and `..`
    /// included) and its `d_type`. Makes no String: walks over big folders start here.
    static func forEachName(_ dir: Descriptor, _ body: (UnsafeBufferPointer<UInt8>, Int32) -> Void) {
        let copy = dup(dir.fd)
        guard copy >= 0, let stream = fdopendir(copy) else {
            if copy >= 0 { close(copy) }
            return
        }
        defer { closedir(stream) }
        rewinddir(stream)
        while let entry = readdir(stream) {
            let type = Int32(entry.pointee.d_type)
            withUnsafeBytes(of: &entry.pointee.d_name) { raw in
                let length = strnlen(raw.baseAddress!.assumingMemoryBound(to: CChar.self), raw.count)
                body(UnsafeBufferPointer(rebasing: raw.bindMemory(to: UInt8.self)[..<length]), type)
            }
        }
    }

    /// Names in a directory (without `.` and `..`) and whether each is a real directory
    /// (symlinks report false, so walks never follow them).
    /// - Parameter keeping: asked first with the name's bytes and the entry's `d_type`: a walk
    ///   that wants few of the entries makes no String for the others.
    static func entries(_ dir: Descriptor, keeping keep: (UnsafeBufferPointer<UInt8>, Int32) -> Bool = { _, _ in true }) -> [Entry] {
        var result: [Entry] = []
        forEachName(dir) { raw, type in
            guard keep(raw, type) else { return }
            let bytes = Array(raw)
            let decoded = String(validating: bytes, as: UTF8.self)
            let name = decoded ?? String(decoding: bytes, as: UTF8.self)
            if name == "." || name == ".." { return }
            var isDirectory = false
            var special: SpecialFile?
            switch type {
            case Int32(DT_DIR): isDirectory = true
            case Int32(DT_REG): break
            case Int32(DT_LNK): special = .symbolicLink
            case Int32(DT_FIFO): special = .fifo
            case Int32(DT_SOCK): special = .socket
            case Int32(DT_CHR), Int32(DT_BLK): special = .device
            default:
                let st = decoded == nil ? info(dir, raw: bytes) : info(dir, name)
                (isDirectory, special) = (st?.isDirectory ?? false, st?.special)
            }
            result.append(Entry(name: name, isDirectory: isDirectory, raw: decoded == nil ? bytes : nil, special: special))
        }
        return result
    }

    static func lock(_ dir: Descriptor) throws(CreativeError) {
        while flock(dir.fd, LOCK_EX) != 0 {
            if errno != EINTR { throw failure("lock", "an entity folder") }
        }
    }

    static func unlock(_ dir: Descriptor) { _ = flock(dir.fd, LOCK_UN) }

    /// Removes a file or a whole folder below `dir`, never following symlinks.
    static func removeTree(_ dir: Descriptor, _ name: String) {
        if unlinkat(dir.fd, name, 0) == 0 { return }
        guard let child = try? openDirectory(dir, name) else { return }
        for entry in entries(child) { removeTree(child, entry.name) }
        _ = unlinkat(dir.fd, name, AT_REMOVEDIR)
    }

    /// Whether `pid` on `host` is a process of this machine that no longer exists (a writer that
    /// died). Another host's processes cannot be checked: false.
    static func isGone(pid: Int32, host: String) -> Bool {
        guard host == hostName, pid != getpid() else { return false }
        if kill(pid, 0) != 0 { return errno == ESRCH }
        // Killed but not yet reaped by its parent: it will never run again.
        return process(pid)?.state == "Z"
    }

    /// State letter and start time of a process of this machine, from /proc/PID/stat.
    static func process(_ pid: Int32) -> (state: Character, started: Date)? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = stat.lastIndex(of: ")")
        else { return nil }
        // After "pid (comm) ": state is field 3, start time (clock ticks after boot) field 22.
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count > 19, let state = fields[0].first, let ticks = Double(fields[19]) else { return nil }
        return (state, Date(timeIntervalSince1970: bootTime + ticks / Double(sysconf(Int32(_SC_CLK_TCK)))))
    }

    /// When this machine booted (seconds since 1970), from /proc/stat.
    static let bootTime: Double = {
        let stat = (try? String(contentsOfFile: "/proc/stat", encoding: .utf8)) ?? ""
        let line = stat.split(separator: "\n").first { $0.hasPrefix("btime ") }
        return line.flatMap { Double($0.dropFirst(6)) } ?? 0
    }()

    static let hostName: String = {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "localhost" }
        let name = String(cString: buffer).replacingOccurrences(of: ".", with: "_")
        return name.isEmpty ? "localhost" : name
    }()
}

extension POSIX.FileInfo {
    init(_ st: stat) {
        isDirectory = (st.st_mode & S_IFMT) == S_IFDIR
        isRegular = (st.st_mode & S_IFMT) == S_IFREG
        special = SpecialFile(mode: st.st_mode)
        size = Int(st.st_size)
        inode = UInt64(st.st_ino)
        links = Int(st.st_nlink)
        mtime = Double(st.st_mtim.tv_sec) + Double(st.st_mtim.tv_nsec) / 1e9
        mtimeNanoseconds = Int64(st.st_mtim.tv_sec) * 1_000_000_000 + Int64(st.st_mtim.tv_nsec)
    }
}

/// An entry that is neither a regular file nor a folder: never read from a library.
public enum SpecialFile: String, Sendable, Hashable {
    case symbolicLink = "a symbolic link"
    case fifo = "a FIFO (named pipe)"
    case socket = "a socket"
    case device = "a device"

    init?(mode: mode_t) {
        switch mode & S_IFMT {
        case S_IFLNK: self = .symbolicLink
        case S_IFIFO: self = .fifo
        case S_IFSOCK: self = .socket
        case S_IFCHR, S_IFBLK: self = .device
        default: return nil
        }
    }
}
