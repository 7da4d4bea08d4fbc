import CLinux
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A file to place in a new entity folder.
public struct EntityFile: Sendable {
    public var name: String
    public var data: Data
    /// When set, the file is placed as a hard link to this one (`creative import --link`) and
    /// `data` is not written.
    var hardLink: (dir: Descriptor, name: String)?
    /// With `hardLink`: write `data` instead where the link is refused (another filesystem,
    /// protected_hardlinks) rather than fail.
    var writeIfLinkFails = false

    public init(name: String, data: Data) {
        self.name = name
        self.data = data
    }
}

extension LibraryStore {
    /// A temp name in the target's own directory: `.NAME.HOST.PID.RANDOM.tmp`. The janitor knows
    /// the shape, and the watcher ignores dotfiles and `*.tmp`.
    package static func tempName(for name: String) -> String {
        ".\(name).\(POSIX.hostName).\(getpid()).\(UInt32.random(in: 0...UInt32.max)).tmp"
    }

    /// temp file in the same directory → fsync → rename → fsync(dir). A crash at any instant
    /// leaves the old file or the new one, never a torn one.
    func writeAtomically(_ data: Data, name: String, in dir: Descriptor, label: String) throws(CreativeError) {
        let temp = Self.tempName(for: name)
        let fd = openat(dir.fd, temp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw POSIX.failure("create a temporary file for", label) }
        let file = Descriptor(fd)
        do throws(CreativeError) {
            try POSIX.writeAll(file, data, name: label)
            guard renameat(dir.fd, temp, dir.fd, name) == 0 else { throw POSIX.failure("replace", label) }
        } catch {
            unlinkat(dir.fd, temp, 0)
            throw error
        }
        try POSIX.syncDirectory(dir, name: label)
    }

    /// Sidecar bytes: the model's fields, plus any keys the model does not own from the file it
    /// replaces (written by a newer version or by hand), so nothing is lost on rewrite.
    func encode<T: Sidecar>(_ entity: T, preserving original: [String: JSONValue] = [:]) throws(CreativeError) -> Data {
        do {
            let encoded = try JSONCoding.encoder().encode(entity)
            // Nothing to carry over (a new entity, or a file with only our keys): the bytes as
            // encoded are the bytes of the merged object, so skip the round trip.
            if !original.keys.contains(where: { !T.fieldNames.contains($0) }) { return encoded + Data("\n".utf8) }
            var object = try JSONCoding.decoder().decode([String: JSONValue].self, from: encoded)
            for (key, value) in original where !T.fieldNames.contains(key) && object[key] == nil {
                object[key] = value
            }
            return try JSONCoding.encoder().encode(object) + Data("\n".utf8)
        } catch {
            throw CreativeError(.storage, "Could not encode the \(T.kind.rawValue) \(entity.id).")
        }
    }

    /// Creates a new entity folder `<parent>/<slug>--<id>` atomically: it is assembled under a
    /// temp name and renamed into place, so watchers and readers never see a half-made folder.
    /// The sidecar is written last.
    @discardableResult
    public func create<T: Sidecar>(_ entity: T, in parent: String, files: [EntityFile] = []) throws(CreativeError) -> EntityLocation {
        let staged = try stage(entity, in: parent, files: files, sync: true)
        let location = try place(staged, sync: true)
        didStore(T.kind, id: entity.id, path: location.path, sidecar: staged.sidecar)
        return location
    }

    /// An entity folder written under its temp name, not yet in place (see `createAll`).
    public struct StagedEntity: Sendable {
        public let kind: EntityKind
        public let id: String
        let parent: String
        let name: String
        let temp: String
        let sidecar: Data
        /// Its files and folder were flushed one by one (`stage(…, sync: true)`).
        let synced: Bool
    }

    /// Whether a group commit of `count` folders should flush each one's files rather than the
    /// whole filesystem. `syncfs` writes out every dirty page of the filesystem, other programs'
    /// and the index's included: 6 ms on a quiet disk, 115 ms measured just after an engine's
    /// start on a busy one, whatever the batch. A few folders' own `fsync`s (about three each,
    /// on parallel threads) cost less and do not depend on what else is on the disk.
    public static func flushesEach(_ count: Int) -> Bool { count <= 8 }

    /// Writes an entity's folder under a temp name in `parent`; with `sync`, its files and the
    /// folder are flushed one by one.
    public func stage<T: Sidecar>(_ entity: T, in parent: String, files: [EntityFile] = [], sync: Bool = false) throws(CreativeError) -> StagedEntity {
        _ = try Validation.id(entity.id)
        let name = T.kind == .job ? entity.id : FolderName.make(title: entity.folderTitle, id: entity.id)
        guard let parentDir = try POSIX.openPath(rootDir, parent, create: true) else {
            throw POSIX.failure("create the folder", parent)
        }
        guard POSIX.info(parentDir, name) == nil else {
            throw CreativeError(.conflict, "\(parent)/\(name) already exists.")
        }
        let temp = Self.tempName(for: entity.id)
        guard mkdirat(parentDir.fd, temp, 0o755) == 0, let dir = try POSIX.openDirectory(parentDir, temp) else {
            throw POSIX.failure("create a folder in", parent)
        }
        let sidecar = try encode(entity)
        do throws(CreativeError) {
            for file in files + [EntityFile(name: T.kind.sidecarName, data: sidecar)] {
                if let link = file.hardLink {
                    if linkat(link.dir.fd, link.name, dir.fd, file.name, 0) == 0 {
                        // The linked bytes may never have been flushed by whoever wrote them.
                        if sync, let (linked, _) = try POSIX.openRegular(dir, file.name), fsync(linked.fd) != 0 {
                            throw POSIX.failure("flush", file.name)
                        }
                        continue
                    }
                    if !file.writeIfLinkFails {
                        if errno == EXDEV {
                            throw CreativeError(
                                .storage, "\(link.name) is on another filesystem than the library, so it cannot be hard-linked; copy it instead.")
                        }
                        throw POSIX.failure("hard-link", link.name)
                    }
                }
                let fd = openat(dir.fd, file.name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o644)
                guard fd >= 0 else { throw POSIX.failure("create", "\(parent)/\(name)/\(file.name)") }
                try POSIX.writeAll(Descriptor(fd), file.data, name: file.name, sync: sync)
            }
            if sync { try POSIX.syncDirectory(dir, name: name) }
        } catch {
            POSIX.removeTree(parentDir, temp)
            throw error
        }
        return StagedEntity(kind: T.kind, id: entity.id, parent: parent, name: name, temp: temp, sidecar: sidecar, synced: sync)
    }

    /// Renames a staged folder into place; with `sync`, flushes the parent folder.
    private func place(_ staged: StagedEntity, sync: Bool) throws(CreativeError) -> EntityLocation {
        let (parent, name) = (staged.parent, staged.name)
        guard let parentDir = try POSIX.openPath(rootDir, parent) else { throw POSIX.failure("open", parent) }
        guard renameat(parentDir.fd, staged.temp, parentDir.fd, name) == 0 else {
            let error = errno
            POSIX.removeTree(parentDir, staged.temp)
            // Another process made the folder since it was staged.
            if error == ENOTEMPTY || error == EEXIST { throw CreativeError(.conflict, "\(parent)/\(name) already exists.") }
            throw POSIX.failure("create", name)
        }
        if sync { try POSIX.syncDirectory(parentDir, name: parent) }
        return EntityLocation(kind: staged.kind, path: "\(parent)/\(name)")
    }

    /// Group commit: puts staged folders in place with one flush of the filesystem before the
    /// renames (every staged file durable; skipped when each folder was staged with `sync`) and
    /// one per parent folder after (every rename durable), then indexes them in one transaction.
    /// When this returns, each success is on disk — as after `create` — for a few syncs in all
    /// instead of four per folder.
    public func createAll(_ staged: [StagedEntity]) -> [Result<EntityLocation, CreativeError>] {
        guard !staged.isEmpty else { return [] }
        guard staged.allSatisfy(\.synced) || creative_syncfs(rootDir.fd) == 0 else {
            let failure = POSIX.failure("flush", "the library's filesystem")
            for item in staged { if let dir = try? POSIX.openPath(rootDir, item.parent) { POSIX.removeTree(dir, item.temp) } }
            return staged.map { _ in .failure(failure) }
        }
        var results = staged.map { item -> Result<EntityLocation, CreativeError> in
            do throws(CreativeError) { return .success(try place(item, sync: false)) } catch { return .failure(error) }
        }
        for parent in Set(staged.map(\.parent)) {
            do throws(CreativeError) {
                guard let dir = try POSIX.openPath(rootDir, parent) else { throw POSIX.failure("open", parent) }
                try POSIX.syncDirectory(dir, name: parent)
            } catch {
                for i in results.indices where staged[i].parent == parent { results[i] = .failure(error) }
            }
        }
        var written: [StoredSidecar] = []
        for (item, result) in zip(staged, results) {
            if case .success(let location) = result, let stat = stat(item.kind, path: location.path) {
                written.append(StoredSidecar(kind: item.kind, id: item.id, sidecar: item.sidecar, stat: stat))
            }
        }
        observer?.storedAll(written)
        return results
    }

    /// Tells the observer (the index) what was just written.
    func didStore(_ kind: EntityKind, id: String, path: String, sidecar: Data) {
        guard let observer, let stat = stat(kind, path: path) else { return }
        observer.stored(kind, id: id, sidecar: sidecar, stat: stat)
    }

    /// Read-modify-write of one entity under its lock. `change` sees the current sidecar; a
    /// sidecar whose bytes come out unchanged is not rewritten (no mtime churn for rsync).
    /// - Returns: the entity as stored after the change, or nil when no entity has this id.
    @discardableResult
    public func update<T: Sidecar>(
        _ type: T.Type, id: String, _ change: (inout T) throws(CreativeError) -> Void
    ) throws(CreativeError) -> T? {
        // A folder can be moved or deleted between locating and locking it; then look again.
        for _ in 0..<5 {
            guard let location = try locate(T.kind, id: id),
                let dir = try POSIX.openPath(rootDir, location.path)
            else { return nil }
            try POSIX.lock(dir)
            defer { POSIX.unlock(dir) }
            guard let now = POSIX.info(dir), let there = try? POSIX.openPath(rootDir, location.path),
                POSIX.info(there)?.inode == now.inode
            else { continue }
            var (entity, raw, bytes) = try readSidecar(T.self, in: dir, path: location.path)
            guard entity.id == id else { continue }
            try change(&entity)
            let data = try encode(entity, preserving: raw)
            if data != bytes {
                try writeAtomically(data, name: T.kind.sidecarName, in: dir, label: "\(location.path)/\(T.kind.sidecarName)")
                didStore(T.kind, id: id, path: location.path, sidecar: data)
            }
            return entity
        }
        throw CreativeError(.conflict, "The \(T.kind.rawValue) \(id) kept moving while it was being updated; try again.")
    }
}
