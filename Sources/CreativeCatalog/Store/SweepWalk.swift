import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// What the sweep keeps of one folder it walked (a month, a collection): the entity folders in it
/// by name, in listing order, each with a hash of its sidecar's stat, and its other folders.
struct FolderListing: Sendable {
    /// The folder's own stat when it was listed; nil when it must be listed again.
    var stamp: Stamp?
    /// When it was listed (nanoseconds since 1970).
    var listedAt: Int64 = 0
    /// The entity folders' names back to back; `ends[i]` is where the i-th ends.
    var names: [UInt8] = []
    var ends: [Int32] = []
    /// `FolderKey.of(size:mtime:inode:)` of each one's sidecar.
    var values: [Int] = []
    /// The other folders in it, walked further.
    var folders: [String] = []

    struct Stamp: Equatable {
        var mtime: Int64
        var inode: UInt64
    }

    var count: Int { values.count }

    func name(_ i: Int) -> ArraySlice<UInt8> { names[(i == 0 ? 0 : Int(ends[i - 1]))..<Int(ends[i])] }

    /// Whether a stat of the folder shows it unchanged since it was listed. A name added or
    /// removed sets the folder's mtime, but within one tick of the clock it may set the same
    /// mtime again: a listing made less than a second after the folder last changed is not used.
    func isCurrent(_ stamp: Stamp) -> Bool {
        self.stamp == stamp && stamp.mtime < listedAt - 1_000_000_000
    }

    mutating func append(_ name: UnsafeBufferPointer<UInt8>, value: Int) {
        names.append(contentsOf: name)
        ends.append(Int32(names.count))
        values.append(value)
    }
}

/// What a sweep pass found below a kind's folder.
struct SweepFindings: Sendable {
    /// Every folder walked, by library-relative path.
    var listings: [String: FolderListing] = [:]
    /// Entity folders new or whose sidecar's stat changed since `previous`.
    var changed: [String] = []
    /// Whether an entity folder of `previous` is gone.
    var removed = false
}

extension LibraryStore {
    /// One pass of the sweep over a kind's folders: every sidecar is stat'ed and compared with
    /// `previous` (the last pass's listings). A folder whose own stat is what its listing
    /// recorded is not read again (no `getdents`): its names come from the listing. The top
    /// folder's other folders are walked on all cores.
    func sweep(_ kind: EntityKind, previous: [String: FolderListing]) -> SweepFindings {
        let top = kind.folder
        let sidecar = Array(("/" + kind.sidecarName).utf8)
        guard let dir = try? POSIX.openPath(rootDir, top) else {
            return SweepFindings(removed: previous.keys.contains { $0 == top || $0.hasPrefix(top + "/") })
        }
        var mine = SweepFindings()
        let folders = Self.sweep(dir, path: top, sidecar: sidecar, depth: 0, previous: previous, into: &mine, descend: false)
        let parts = Mutex([mine])
        DispatchQueue.concurrentPerform(iterations: folders.count) { i in
            guard let sub = try? POSIX.openDirectory(dir, folders[i]) else { return }
            var found = SweepFindings()
            Self.sweep(sub, path: "\(top)/\(folders[i])", sidecar: sidecar, depth: 1, previous: previous, into: &found, descend: true)
            parts.withLock { $0.append(found) }
        }
        var result = SweepFindings()
        for part in parts.withLock({ $0 }) {
            result.listings.merge(part.listings) { new, _ in new }
            result.changed += part.changed
            result.removed = result.removed || part.removed
        }
        // A folder walked last time and not this time went, with what it held.
        let gone = previous.contains { path, listing in
            (path == top || path.hasPrefix(top + "/")) && listing.count > 0 && result.listings[path] == nil
        }
        result.removed = result.removed || gone
        return result
    }

    /// Walks one folder (and with `descend`, its other folders): from its listing when current,
    /// else listed again. - Returns: its other folders' names.
    @discardableResult
    private static func sweep(
        _ dir: Descriptor, path: String, sidecar: [UInt8], depth: Int, previous: [String: FolderListing], into found: inout SweepFindings,
        descend: Bool
    ) -> [String] {
        guard depth <= walkDepth else { return [] }
        var st = Glibc.stat()
        guard fstat(dir.fd, &st) == 0 else { return [] }
        let stamp = FolderListing.Stamp(
            mtime: Int64(st.st_mtim.tv_sec) * 1_000_000_000 + Int64(st.st_mtim.tv_nsec), inode: UInt64(st.st_ino))
        let old = previous[path]
        let listing =
            old.flatMap { old in old.isCurrent(stamp) ? restat(dir, path: path, old, sidecar: sidecar, into: &found) : nil }
            ?? relist(dir, path: path, stamp: stamp, old: old, sidecar: sidecar, into: &found)
        found.listings[path] = listing
        guard descend else { return listing.folders }
        for name in listing.folders {
            guard let sub = try? POSIX.openDirectory(dir, name) else { continue }
            sweep(sub, path: "\(path)/\(name)", sidecar: sidecar, depth: depth + 1, previous: previous, into: &found, descend: true)
        }
        return listing.folders
    }

    /// The sidecar's stat of `name` in `dir`, nil when `name/<sidecar>` is not a regular file.
    private static func sidecarValue(_ dir: Descriptor, _ name: UnsafeRawBufferPointer, _ sidecar: [UInt8], _ target: UnsafeMutableRawPointer) -> Int? {
        target.copyMemory(from: name.baseAddress!, byteCount: name.count)
        sidecar.withUnsafeBytes { (target + name.count).copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
        target.storeBytes(of: 0, toByteOffset: name.count + sidecar.count, as: UInt8.self)
        var st = Glibc.stat()
        guard fstatat(dir.fd, target.assumingMemoryBound(to: CChar.self), &st, AT_SYMLINK_NOFOLLOW) == 0, (st.st_mode & S_IFMT) == S_IFREG else {
            return nil
        }
        let mtime = Int64(st.st_mtim.tv_sec) * 1_000_000_000 + Int64(st.st_mtim.tv_nsec)
        return FolderKey.of(size: Int(st.st_size), mtime: mtime, inode: UInt64(st.st_ino))
    }

    /// Stats the sidecars a current listing names. - Returns: nil when one is no longer an entity
    /// or one of its other folders became one (the folder is then listed again).
    private static func restat(
        _ dir: Descriptor, path: String, _ old: FolderListing, sidecar: [UInt8], into found: inout SweepFindings
    ) -> FolderListing? {
        var listing = old
        var changed: [String] = []
        let ok = withUnsafeTemporaryAllocation(byteCount: 256 + sidecar.count + 1, alignment: 1) { buffer -> Bool in
            let target = buffer.baseAddress!
            let entities = old.names.withUnsafeBytes { names in
                (0..<old.count).allSatisfy { i in
                    let start = i == 0 ? 0 : Int(old.ends[i - 1])
                    let name = UnsafeRawBufferPointer(rebasing: names[start..<Int(old.ends[i])])
                    guard let value = sidecarValue(dir, name, sidecar, target) else { return false }
                    if value != old.values[i] {
                        listing.values[i] = value
                        changed.append(path + "/" + String(decoding: name, as: UTF8.self))
                    }
                    return true
                }
            }
            return entities
                && old.folders.allSatisfy { folder in
                    var folder = folder
                    return folder.withUTF8 { sidecarValue(dir, UnsafeRawBufferPointer($0), sidecar, target) == nil }
                }
        }
        guard ok else { return nil }
        found.changed += changed
        return listing
    }

    /// Lists a folder anew and compares each entity with `old` by name (by position while the
    /// names line up, as they do in a folder that gained or lost few).
    private static func relist(
        _ dir: Descriptor, path: String, stamp: FolderListing.Stamp, old: FolderListing?, sidecar: [UInt8], into found: inout SweepFindings
    ) -> FolderListing {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        var listing = FolderListing(stamp: stamp, listedAt: Int64(now.tv_sec) * 1_000_000_000 + Int64(now.tv_nsec))
        var next = 0
        var matched = 0
        var byName: [Int: Int]?
        withUnsafeTemporaryAllocation(byteCount: 256 + sidecar.count + 1, alignment: 1) { buffer in
            let target = buffer.baseAddress!
            POSIX.forEachName(dir) { bytes, type in
                guard type == DT_DIR || type == DT_UNKNOWN, let first = bytes.first, first != UInt8(ascii: ".") else { return }
                guard let value = sidecarValue(dir, UnsafeRawBufferPointer(bytes), sidecar, target) else {
                    listing.folders.append(String(decoding: bytes, as: UTF8.self))
                    return
                }
                listing.append(bytes, value: value)
                var before: Int?
                if let old {
                    if next < old.count, old.name(next).elementsEqual(bytes) {
                        before = next
                    } else {
                        if byName == nil { byName = Self.positions(old) }
                        before = byName?[Self.hash(bytes)].flatMap { old.name($0).elementsEqual(bytes) ? $0 : nil }
                    }
                }
                if let before {
                    matched += 1
                    next = before + 1
                }
                if before.flatMap({ old?.values[$0] }) != value {
                    found.changed.append(path + "/" + String(decoding: bytes, as: UTF8.self))
                }
            }
        }
        if let old, matched < old.count { found.removed = true }
        return listing
    }

    private static func hash(_ bytes: some Collection<UInt8>) -> Int {
        var hasher = Hasher()
        _ = bytes.withContiguousStorageIfAvailable { hasher.combine(bytes: UnsafeRawBufferPointer($0)) }
        return hasher.finalize()
    }

    private static func positions(_ listing: FolderListing) -> [Int: Int] {
        var result: [Int: Int] = [:]
        result.reserveCapacity(listing.count)
        for i in 0..<listing.count { result[hash(listing.name(i))] = i }
        return result
    }
}
