import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// One entity folder met by `LibraryStore.walk`: its sidecar's stat now, its key and path on
/// request. Valid only inside the visit (the name points into the directory stream's buffer).
struct FoundSidecar {
    /// The folder holding this one, library-relative.
    let parent: String
    /// The folder's name, without a terminating NUL.
    let name: UnsafeRawBufferPointer
    /// A hasher that has taken `parent` and "/": the key's first part, shared by the siblings.
    let prefix: Hasher
    let size: Int
    let mtime: Int64
    let inode: UInt64

    /// `FolderKey.of(path)`, without making the path (Hasher takes bytes as one stream, however
    /// they are split). A name that is not ASCII takes the path: one that is not UTF-8 becomes
    /// what `path` makes of it.
    var key: Int {
        guard name.allSatisfy({ $0 < 0x80 }) else { return FolderKey.of(path) }
        var hasher = prefix
        hasher.combine(bytes: name)
        return hasher.finalize()
    }

    var value: Int { FolderKey.of(size: size, mtime: mtime, inode: inode) }
    var path: String { parent + "/" + String(decoding: name, as: UTF8.self) }
    var stat: SidecarStat { SidecarStat(path: path, size: size, mtime: mtime, inode: inode) }
}

/// What a walk saw, compactly: per entity folder its key and sidecar stat, with the names in one
/// buffer, so a path (a String) is made only for the folders a caller asks about. At 100,000
/// folders a String per folder cost a fifth of a warm start.
struct WalkedFolders: Sendable {
    struct Entry {
        var key: Int
        var size: Int
        var mtime: Int64
        var inode: UInt64
        /// Index into `parents`, and where the name ends in `names`.
        var parent: Int32
        var end: Int32

        var value: Int { FolderKey.of(size: size, mtime: mtime, inode: inode) }
    }

    private(set) var entries: [Entry] = []
    private var parents: [String] = []
    private var names: [UInt8] = []

    mutating func append(_ found: FoundSidecar) {
        // Siblings share their parent's String: comparing it with the last is cheap.
        if parents.last != found.parent { parents.append(found.parent) }
        names.append(contentsOf: found.name)
        entries.append(
            Entry(
                key: found.key, size: found.size, mtime: found.mtime, inode: found.inode, parent: Int32(parents.count - 1),
                end: Int32(names.count)))
    }

    /// Adds what the walk saw to `listings`, a listing per folder (with no stamp: the sweep lists
    /// each again, comparing by name).
    func listings(into listings: inout [String: FolderListing]) {
        var start = 0
        var i = 0
        while i < entries.count {
            let parent = entries[i].parent
            var listing = FolderListing()
            while i < entries.count, entries[i].parent == parent {
                names.withUnsafeBufferPointer { listing.append(UnsafeBufferPointer(rebasing: $0[start..<Int(entries[i].end)]), value: entries[i].value) }
                start = Int(entries[i].end)
                i += 1
            }
            listings[parents[Int(parent)]] = listing
        }
    }

    func stat(_ i: Int) -> SidecarStat {
        let entry = entries[i]
        let start = i == 0 ? 0 : Int(entries[i - 1].end)
        let name = names.withUnsafeBufferPointer { String(decoding: $0[start..<Int(entry.end)], as: UTF8.self) }
        return SidecarStat(path: parents[Int(entry.parent)] + "/" + name, size: entry.size, mtime: entry.mtime, inode: entry.inode)
    }
}

extension LibraryStore {
    /// Folders below this depth are not searched: a hostile tree cannot exhaust the stack.
    static let walkDepth = 24

    /// Visits every entity folder of a kind (one `fstatat` each: a child folder holding the
    /// sidecar is an entity, any other real folder is searched further; dot folders and symlinks
    /// are skipped). Makes no String per entity, so a pass over a big library costs about its
    /// syscalls. The top folder's other folders (months, collections) are walked on `diskThreads`
    /// threads, each into a part of its own, which `visit` fills.
    func walk<Part: Sendable>(
        _ kind: EntityKind, under top: String? = nil, part: @escaping @Sendable () -> Part,
        visit: @escaping @Sendable (inout Part, FoundSidecar) -> Void
    ) -> [Part] {
        let start = top ?? kind.folder
        guard let dir = try? POSIX.openPath(rootDir, start) else { return [] }
        let sidecar = Array(("/" + kind.sidecarName).utf8)
        var mine = part()
        let containers = Self.walk(dir, path: start, sidecar: sidecar, depth: 0, into: &mine, visit: visit, descend: false)
        let parts = Mutex<[Part]>([mine])
        forEachConcurrently(containers.count, threads: diskThreads) { i in
            guard let sub = try? POSIX.openDirectory(dir, containers[i]) else { return }
            var found = part()
            Self.walk(sub, path: "\(start)/\(containers[i])", sidecar: sidecar, depth: 1, into: &found, visit: visit, descend: true)
            parts.withLock { $0.append(found) }
        }
        return parts.withLock { $0 }
    }

    /// Visits the entities directly in `dir` and, with `descend`, those in its other folders.
    /// - Returns: the other folders' names.
    @discardableResult
    private static func walk<Part>(
        _ dir: Descriptor, path: String, sidecar: [UInt8], depth: Int, into part: inout Part,
        visit: (inout Part, FoundSidecar) -> Void, descend: Bool
    ) -> [String] {
        guard depth <= walkDepth else { return [] }
        var prefix = Hasher()
        var parent = path + "/"
        parent.withUTF8 { prefix.combine(bytes: UnsafeRawBufferPointer($0)) }
        var containers: [String] = []
        // "NAME/asset.json" and its NUL: a name is at most 255 bytes.
        withUnsafeTemporaryAllocation(byteCount: 256 + sidecar.count + 1, alignment: 1) { buffer in
            let target = buffer.baseAddress!
            POSIX.forEachName(dir) { bytes, type in
                guard type == DT_DIR || type == DT_UNKNOWN, let first = bytes.first, first != UInt8(ascii: ".") else { return }
                let name = UnsafeRawBufferPointer(bytes)
                target.copyMemory(from: name.baseAddress!, byteCount: name.count)
                sidecar.withUnsafeBytes { (target + name.count).copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
                target.storeBytes(of: 0, toByteOffset: name.count + sidecar.count, as: UInt8.self)
                var st = Glibc.stat()
                if fstatat(dir.fd, target.assumingMemoryBound(to: CChar.self), &st, AT_SYMLINK_NOFOLLOW) == 0, (st.st_mode & S_IFMT) == S_IFREG {
                    let mtime = Int64(st.st_mtim.tv_sec) * 1_000_000_000 + Int64(st.st_mtim.tv_nsec)
                    visit(
                        &part,
                        FoundSidecar(parent: path, name: name, prefix: prefix, size: Int(st.st_size), mtime: mtime, inode: UInt64(st.st_ino)))
                } else {
                    containers.append(String(decoding: name, as: UTF8.self))
                }
            }
        }
        guard descend else { return containers }
        for name in containers {
            guard let sub = try? POSIX.openDirectory(dir, name) else { continue }
            walk(sub, path: "\(path)/\(name)", sidecar: sidecar, depth: depth + 1, into: &part, visit: visit, descend: true)
        }
        return containers
    }
}
