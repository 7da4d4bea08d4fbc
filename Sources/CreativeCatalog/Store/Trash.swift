import Foundation

#if canImport(Glibc)
import Glibc
#endif

extension LibraryStore {
    static let trashFolder = ".trash"

    /// Moves an entity folder to `.trash/<its path>`; restore moves it back.
    /// - Returns: false when no entity has this id.
    @discardableResult
    public func moveToTrash(_ kind: EntityKind, id: String) throws(CreativeError) -> Bool {
        guard let location = try locate(kind, id: id) else { return false }
        try move(location.path, to: "\(Self.trashFolder)/\(location.path)")
        observer?.removed(kind, id: id)
        return true
    }

    /// Reads a deleted entity in `.trash/`; nil when it is not there.
    public func readFromTrash<T: Sidecar>(_ type: T.Type, id: String) throws(CreativeError) -> (T, EntityLocation)? {
        _ = try Validation.id(id)
        guard let location = try locate(T.kind, id: id, under: "\(Self.trashFolder)/\(T.kind.folder)"),
            let dir = try POSIX.openPath(rootDir, location.path)
        else { return nil }
        return (try readSidecar(T.self, in: dir, path: location.path).0, location)
    }

    /// Entities of a kind in `.trash/` (at most `limit` folders read, two levels deep as the
    /// library keeps them); unreadable sidecars are skipped.
    public func trashed<T: Sidecar>(_ type: T.Type, limit: Int = 2000) -> [T] {
        guard let top = try? POSIX.openPath(rootDir, "\(Self.trashFolder)/\(T.kind.folder)") else { return [] }
        var found: [T] = []
        var read = 0
        func walk(_ dir: Descriptor, _ path: String, depth: Int) {
            for entry in POSIX.entries(dir) where read < limit && entry.isDirectory && !entry.name.hasPrefix(".") {
                guard let sub = try? POSIX.openDirectory(dir, entry.name) else { continue }
                let child = "\(path)/\(entry.name)"
                if POSIX.info(sub, T.kind.sidecarName)?.isRegular == true {
                    read += 1
                    if let (entity, _, _) = try? readSidecar(T.self, in: sub, path: child) { found.append(entity) }
                } else if depth < 3 {
                    walk(sub, child, depth: depth + 1)
                }
            }
        }
        walk(top, "\(Self.trashFolder)/\(T.kind.folder)", depth: 0)
        return found
    }

    /// Moves an entity back from `.trash/` to where it was.
    /// - Throws: `not_found` when it is not in the trash, `conflict` when its old place is taken.
    @discardableResult
    public func restoreFromTrash(_ kind: EntityKind, id: String) throws(CreativeError) -> EntityLocation {
        _ = try Validation.id(id)
        guard let trashed = try locate(kind, id: id, under: "\(Self.trashFolder)/\(kind.folder)") else {
            throw CreativeError(.notFound, "No deleted \(kind.rawValue) with id \(id) is in the trash.")
        }
        if try locate(kind, id: id) != nil {
            throw CreativeError(.conflict, "The \(kind.rawValue) \(id) already exists outside the trash.")
        }
        let target = String(trashed.path.dropFirst(Self.trashFolder.count + 1))
        try move(trashed.path, to: target)
        if let dir = try POSIX.openPath(rootDir, target),
            let sidecar = try POSIX.readFile(dir, kind.sidecarName, limit: Self.sidecarLimit)
        {
            didStore(kind, id: id, path: target, sidecar: sidecar)
        }
        return EntityLocation(kind: kind, path: target)
    }

    /// Renames a folder inside the library, creating the target's parents, refusing to replace.
    func move(_ source: String, to target: String) throws(CreativeError) {
        let sourceParts = source.split(separator: "/").map(String.init)
        let targetParts = target.split(separator: "/").map(String.init)
        guard let sourceName = sourceParts.last, let targetName = targetParts.last,
            let from = try POSIX.openPath(rootDir, sourceParts.dropLast().joined(separator: "/")),
            let to = try POSIX.openPath(rootDir, targetParts.dropLast().joined(separator: "/"), create: true)
        else { throw CreativeError(.notFound, "\(source) is not in the library.") }
        guard POSIX.info(to, targetName) == nil else {
            throw CreativeError(.conflict, "\(target) already exists; move it away first.")
        }
        guard renameat(from.fd, sourceName, to.fd, targetName) == 0 else { throw POSIX.failure("move", source) }
        try POSIX.syncDirectory(to, name: target)
        try POSIX.syncDirectory(from, name: source)
    }
}
