import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// What the filesystem says about one sidecar: enough to tell, without reading it, whether it
/// changed since the index last saw it.
public struct SidecarStat: Sendable, Equatable, Hashable {
    /// The entity folder, library-relative (`assets/2026-11/fox--01M…`).
    public var path: String
    public var size: Int
    /// Modification time in nanoseconds since 1970.
    public var mtime: Int64
    public var inode: UInt64

    public init(path: String, size: Int, mtime: Int64, inode: UInt64) {
        (self.path, self.size, self.mtime, self.inode) = (path, size, mtime, inode)
    }
}

/// Told about every change the store makes, in the same operation (the index keeps itself
/// current this way). Methods must not throw: the files are the truth, a cache may lag.
public protocol StoreObserver: Sendable {
    /// A sidecar was created or rewritten (also: restored from the trash).
    func stored(_ kind: EntityKind, id: String, sidecar: Data, stat: SidecarStat)
    /// Several were created at once (a group commit).
    func storedAll(_ sidecars: [StoredSidecar])
    /// An entity left its place (moved to the trash).
    func removed(_ kind: EntityKind, id: String)
    /// Where the entity was last seen, if known: a hint that `locate` verifies before use.
    func knownPath(_ kind: EntityKind, id: String) -> String?
    /// True when the observer, kept current with the disk within moments (an engine watching
    /// every folder that can gain an entity), knows for sure it has no such entity: `locate` then
    /// does not read every folder name to make sure. False when it cannot tell.
    func knowsMissing(_ kind: EntityKind, id: String) -> Bool
}

/// A sidecar just written, as told to the observer.
public struct StoredSidecar: Sendable {
    public var kind: EntityKind
    public var id: String
    public var sidecar: Data
    public var stat: SidecarStat
}

extension StoreObserver {
    public func knowsMissing(_ kind: EntityKind, id: String) -> Bool { false }

    public func storedAll(_ sidecars: [StoredSidecar]) {
        for s in sidecars { stored(s.kind, id: s.id, sidecar: s.sidecar, stat: s.stat) }
    }
}

extension LibraryStore {
    /// Every entity folder of a kind with its sidecar's stat, for a rebuild or a reconcile. One
    /// `fstatat` per entity: a child folder holding the sidecar is an entity; any other real
    /// folder is searched further. Dot folders and symlinks are skipped.
    public func scan(_ kind: EntityKind, under top: String? = nil) -> [SidecarStat] {
        walk(kind, under: top, part: { [SidecarStat]() }) { stats, found in stats.append(found.stat) }.flatMap { $0 }
    }

    /// Reads the sidecar of a folder found by `scan` (whose folders were real directories, not
    /// links, when scanned). The sidecar itself is opened with O_NOFOLLOW; one open, one read.
    public func readScanned(_ kind: EntityKind, _ entry: SidecarStat) throws(CreativeError) -> Data {
        let name = "\(entry.path)/\(kind.sidecarName)"
        // A FIFO swapped in since the scan cannot block: O_NONBLOCK makes its open return at once
        // and its read end (or fail) at once, and the read is capped. No fstat here: at 100,000
        // sidecars one more syscall each is a tenth of the rebuild.
        let fd = openat(rootDir.fd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else { throw POSIX.failure("open", name) }
        defer { close(fd) }
        let capacity = min(max(entry.size, 0), Self.sidecarLimit) + 1
        var data = Data(count: capacity)
        var done = 0
        while done < capacity {
            let n = data.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress! + done, capacity - done) }
            if n < 0 {
                if errno == EINTR { continue }
                throw POSIX.failure("read", name)
            }
            if n == 0 { break }
            done += n
        }
        guard done < capacity else {
            throw CreativeError(.tooLarge, "\(name) is larger than \(Self.sidecarLimit) bytes or grew while being read.")
        }
        return data.prefix(done)
    }

    /// The stat of one entity's sidecar, nil when it is not there.
    public func stat(_ kind: EntityKind, path: String) -> SidecarStat? {
        guard let st = POSIX.info(rootDir, "\(path)/\(kind.sidecarName)"), st.isRegular else { return nil }
        return SidecarStat(path: path, size: st.size, mtime: st.mtimeNanoseconds, inode: st.inode)
    }
}

extension LibraryStore {
    /// Entries below the library that are not regular files or folders (symbolic links, FIFOs,
    /// sockets, devices), which every reader skips: rsync and file managers copy them in. The
    /// inbox (whose intake moves them to `inbox/failed/`) and `.index/` are not searched; the walk
    /// stops `maxDepth` folders down and after `limit` findings.
    public func specialFiles(maxDepth: Int = 12, limit: Int = 1000) -> [SidecarProblem] {
        var found: [SidecarProblem] = []
        func visit(_ dir: Descriptor, _ path: String, depth: Int) {
            for entry in POSIX.entries(dir) where found.count < limit {
                let child = path.isEmpty ? entry.name : "\(path)/\(entry.name)"
                if let special = entry.special {
                    found.append(SidecarProblem(path: child, reason: "\(special.rawValue), not a regular file; skipped (never read or followed)"))
                } else if entry.isDirectory, depth < maxDepth, !(path.isEmpty && (entry.name == "inbox" || entry.name == ".index")),
                    let sub = try? POSIX.openDirectory(dir, entry.name)
                {
                    visit(sub, child, depth: depth + 1)
                }
            }
        }
        visit(rootDir, "", depth: 0)
        return found.sorted { $0.path < $1.path }
    }
}
