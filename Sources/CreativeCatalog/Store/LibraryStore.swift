import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Where an entity lives: its folder relative to the library root (`assets/2026-11/fox--01J…`).
public struct EntityLocation: Sendable, Equatable {
    public var kind: EntityKind
    public var path: String

    /// The folder the entity sits in below its kind's top folder (`2026-11`, `spring-campaign/shoes`).
    public var collection: String {
        let parts = path.split(separator: "/").dropFirst().dropLast()
        return parts.joined(separator: "/")
    }
}

/// A sidecar that could not be read, reported instead of stopping a listing.
public struct SidecarProblem: Sendable, Equatable, Codable {
    /// The sidecar, library-relative.
    public var path: String
    /// One sentence saying what is wrong with it.
    public var reason: String

    public init(path: String, reason: String) {
        (self.path, self.reason) = (path, reason)
    }

    /// Lines for people: the first `limit` problems, then how many more (a copied folder of
    /// thousands of entities should not bury the log).
    public static func summary(_ problems: [SidecarProblem], verb: String, limit: Int = 10) -> [String] {
        var lines = problems.prefix(limit).map { "\(verb) \($0.path): \($0.reason)" }
        if problems.count > limit { lines.append("… and \(problems.count - limit) more; `creative index check` lists them all") }
        return lines
    }
}

/// The only code that touches library files. Every write is temp file → fsync → rename →
/// fsync(dir); read-modify-write happens under an flock on the entity's folder, so concurrent
/// processes never lose an update; every path is built from validated ids and opened with
/// O_NOFOLLOW one component at a time.
public final class LibraryStore: Sendable {
    /// The library folder as given (absolute).
    public let root: String
    let rootDir: Descriptor
    private let observerSlot = Mutex<(any StoreObserver)?>(nil)
    private let idSlot = Mutex<String?>(nil)

    /// This copy of the library's id: `.library-id` at its root (a ULID), made on first use. The
    /// shipped `.rsync-filter` leaves it out, so a copy made with `rsync -F` makes its own, and
    /// jobs queued or claimed in the original are known as another copy's. "" when it cannot be
    /// read or made (a read-only library): then jobs are not told apart by copy.
    public var libraryId: String {
        idSlot.withLock { cached in
            if let cached { return cached }
            let id = Self.readOrMakeId(rootDir)
            cached = id
            return id
        }
    }

    static let idName = ".library-id"

    private static func readOrMakeId(_ root: Descriptor) -> String {
        func read() -> String? {
            guard let data = try? POSIX.readFile(root, idName, limit: 64) else { return nil }
            let id = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            return Validation.isValidId(id) ? id : nil
        }
        if let id = read() { return id }
        // Empty or garbled (a crash, a hand edit): set aside, so this copy gets a working id.
        if POSIX.info(root, idName) != nil { _ = renameat(root.fd, idName, root.fd, idName + ".invalid") }
        // Written under a temp name and linked into place: link never replaces, so when two
        // processes race, both end up with the winner's id.
        let temp = tempName(for: "library-id")
        let fd = openat(root.fd, temp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o644)
        guard fd >= 0 else { return "" }
        defer { unlinkat(root.fd, temp, 0) }
        guard (try? POSIX.writeAll(Descriptor(fd), Data((ULID.make() + "\n").utf8), name: idName)) != nil else { return "" }
        _ = linkat(root.fd, temp, root.fd, idName, 0)
        return read() ?? ""
    }

    /// The marker file that makes a folder a library; non-secret settings live in it.
    public static let settingsName = "library.json"
    static let sidecarLimit = 4 * 1024 * 1024

    private init(root: String, rootDir: Descriptor) {
        self.root = root
        self.rootDir = rootDir
    }

    /// Opens an existing library.
    /// - Throws: `library_not_found` when the folder or its library.json is missing.
    public static func open(_ path: String) throws(CreativeError) -> LibraryStore {
        let absolute = URL(fileURLWithPath: path).standardizedFileURL.path
        let fd = Glibc.open(absolute, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else {
            throw CreativeError(.libraryNotFound, "There is no library at \(path); create one with `creative init`.")
        }
        let store = LibraryStore(root: absolute, rootDir: Descriptor(fd))
        guard POSIX.info(store.rootDir, settingsName)?.isRegular == true else {
            throw CreativeError(.libraryNotFound, "\(path) is not a Creative Engine library (no library.json); create one with `creative init`.")
        }
        // Links are never followed inside a library: a linked top folder would be silently empty.
        for folder in ["assets", "templates", "jobs", "inbox", ".trash"] {
            if let special = POSIX.info(store.rootDir, folder)?.special {
                throw CreativeError(
                    .storage, "\(path)/\(folder) is \(special.rawValue); a library's folders must be real folders inside it, so put the folder itself there.")
            }
        }
        return store
    }

    /// Creates the library layout (idempotent) and opens it.
    public static func create(_ path: String) throws(CreativeError) -> LibraryStore {
        let absolute = URL(fileURLWithPath: path).standardizedFileURL.path
        do {
            try FileManager.default.createDirectory(atPath: absolute, withIntermediateDirectories: true)
        } catch {
            throw CreativeError(.storage, "Could not create the library folder \(path).")
        }
        let fd = Glibc.open(absolute, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw POSIX.failure("open", path) }
        let store = LibraryStore(root: absolute, rootDir: Descriptor(fd))
        for folder in ["assets", "templates", "jobs", "inbox", "inbox/failed", ".trash", ".index"] {
            _ = try POSIX.openPath(store.rootDir, folder, create: true)
        }
        if POSIX.info(store.rootDir, ".rsync-filter") == nil {
            try store.writeAtomically(Data(Self.rsyncFilter.utf8), name: ".rsync-filter", in: store.rootDir, label: ".rsync-filter")
        }
        if POSIX.info(store.rootDir, settingsName) == nil {
            let settings = Data("{\n  \"formatVersion\" : 1\n}\n".utf8)
            try store.writeAtomically(settings, name: settingsName, in: store.rootDir, label: settingsName)
        }
        return store
    }

    /// Attaches the observer told about every change (the index). One per store.
    public func attach(_ observer: any StoreObserver) {
        observerSlot.withLock { $0 = observer }
    }

    var observer: (any StoreObserver)? { observerSlot.withLock { $0 } }

    /// Absolute path of a library-relative path, for showing to people.
    public func absolutePath(_ relative: String) -> String { "\(root)/\(relative)" }

    // MARK: Reading

    /// Finds an entity's folder by id: first by the `--<id>` folder-name suffix, then by reading
    /// sidecars, so a folder renamed or moved by hand is still found.
    public func locate(_ kind: EntityKind, id: String) throws(CreativeError) -> EntityLocation? {
        _ = try Validation.id(id)
        // The index's hint is trusted when the folder is still there and its name carries the id
        // (read and update check the sidecar's id anyway); a renamed folder is checked by its sidecar.
        let hint = observer?.knownPath(kind, id: id)
        if let hint, hint.hasPrefix(kind.folder + "/"),
            !hint.split(separator: "/").contains(where: { $0 == ".." || $0.hasPrefix(".") }),
            stat(kind, path: hint) != nil
        {
            let named = FolderName.id(in: String(hint.split(separator: "/").last ?? "")) == id
            if named { return EntityLocation(kind: kind, path: hint) }
            if try sidecarId(kind, at: hint) == id { return EntityLocation(kind: kind, path: hint) }
        }
        // An id made up by an API client would otherwise cost a read of every folder name.
        if hint == nil, observer?.knowsMissing(kind, id: id) == true { return nil }
        return try locate(kind, id: id, under: kind.folder)
    }

    func locate(_ kind: EntityKind, id: String, under top: String) throws(CreativeError) -> EntityLocation? {
        guard let start = try POSIX.openPath(rootDir, top) else { return nil }
        // Names only (readdir, no stat): a folder named `…--<id>` is an entity and is not entered;
        // any other folder is entered. Folders renamed by hand (no id in the name) that hold a
        // sidecar are remembered and read only if the name search finds nothing.
        var unnamed: [String] = []
        var found: String?
        // Other entities' folders are passed over by their bytes: a miss reads every name in the
        // library, and an API client can ask for any id.
        let target = Array(id.utf8)
        let wanted = { (name: UnsafeBufferPointer<UInt8>, type: Int32) -> Bool in
            guard type == Int32(DT_DIR) || type == Int32(DT_UNKNOWN) else { return false }
            return name.reversed().starts(with: target.reversed()) || !FolderName.isEntityName(name)
        }
        func walk(_ dir: Descriptor, _ path: String) {
            for entry in POSIX.entries(dir, keeping: wanted) where found == nil && entry.isDirectory && !entry.name.hasPrefix(".") {
                let child = "\(path)/\(entry.name)"
                if let named = FolderName.id(in: entry.name), Validation.isValidId(named) {
                    if named == id { found = child }
                    continue
                }
                guard let sub = try? POSIX.openDirectory(dir, entry.name) else { continue }
                if POSIX.info(sub, kind.sidecarName)?.isRegular == true {
                    unnamed.append(child)
                } else {
                    walk(sub, child)
                }
            }
        }
        walk(start, top)
        // Named for this id: it is the one unless its sidecar says another id. A sidecar that
        // cannot be read stays found, so the caller reports it (with its path) instead of "not found".
        if let found, (try sidecarId(kind, at: found)).map({ $0 == id }) ?? true {
            return EntityLocation(kind: kind, path: found)
        }
        for path in unnamed where try sidecarId(kind, at: path) == id {
            return EntityLocation(kind: kind, path: path)
        }
        return nil
    }

    private func sidecarId(_ kind: EntityKind, at path: String) throws(CreativeError) -> String? {
        guard let dir = try POSIX.openPath(rootDir, path),
            let data = try? POSIX.readFile(dir, kind.sidecarName, limit: Self.sidecarLimit),
            case .object(let object)? = try? JSONDecoder().decode(JSONValue.self, from: data)
        else { return nil }
        return object["id"]?.stringValue
    }

    /// Every entity folder of a kind: folders below `top` that hold the kind's sidecar. Dot
    /// folders and symlinks are skipped; an entity folder is not searched further.
    public func entityFolders(_ kind: EntityKind, under top: String? = nil) -> [String] {
        let start = top ?? kind.folder
        guard let dir = try? POSIX.openPath(rootDir, start) else { return [] }
        var result: [String] = []
        func walk(_ dir: Descriptor, _ path: String) {
            let entries = POSIX.entries(dir)
            if path != start, entries.contains(where: { $0.name == kind.sidecarName && !$0.isDirectory }) {
                result.append(path)
                return
            }
            for entry in entries where entry.isDirectory && !entry.name.hasPrefix(".") {
                if let child = try? POSIX.openDirectory(dir, entry.name) {
                    walk(child, "\(path)/\(entry.name)")
                }
            }
        }
        walk(dir, start)
        return result.sorted()
    }

    private static func objectByJSONDecoder(_ data: Data) -> [String: JSONValue]? {
        guard case .object(let object)? = try? JSONCoding.decoder().decode(JSONValue.self, from: data) else { return nil }
        return object
    }

    /// Reads and decodes the sidecar in a folder, keeping the raw object for unknown keys.
    func readSidecar<T: Sidecar>(_ type: T.Type, in dir: Descriptor, path: String) throws(CreativeError) -> (T, [String: JSONValue], Data) {
        let file = "\(path)/\(T.kind.sidecarName)"
        guard let data = try POSIX.readFile(dir, T.kind.sidecarName, limit: Self.sidecarLimit) else {
            throw CreativeError(.invalidSidecar, "The sidecar \(file) is missing.")
        }
        guard let object = JSONReader.object(data) ?? Self.objectByJSONDecoder(data) else {
            throw CreativeError(.invalidSidecar, "The sidecar \(file) is not a valid JSON object; fix or restore it.")
        }
        if let value = T(json: data, parameters: true) { return (value, object, data) }
        do {
            return (try JSONCoding.decoder().decode(T.self, from: data), object, data)
        } catch let error as DecodingError {
            let detail = CreativeError(decoding: error).message
            throw CreativeError(.invalidSidecar, "The sidecar \(file) does not match the schema: \(detail)")
        } catch {
            throw CreativeError(.invalidSidecar, "The sidecar \(file) could not be read.")
        }
    }

    /// Reads an entity by id; nil when no such entity exists, or when its sidecar is a symbolic
    /// link, FIFO, socket or device.
    /// - Throws: `invalid_sidecar` (with the file's path) when its sidecar is broken.
    public func read<T: Sidecar>(_ type: T.Type, id: String) throws(CreativeError) -> (T, EntityLocation)? {
        guard var location = try locate(T.kind, id: id),
            var dir = try POSIX.openPath(rootDir, location.path),
            // A sidecar replaced by a link (or a FIFO) describes nothing of this library.
            POSIX.info(dir, T.kind.sidecarName)?.special == nil
        else { return nil }
        var (entity, _, _) = try readSidecar(T.self, in: dir, path: location.path)
        if entity.id != id {
            // A stale hint or a copied folder: search properly.
            guard let found = try locate(T.kind, id: id, under: T.kind.folder), let foundDir = try POSIX.openPath(rootDir, found.path) else { return nil }
            (location, dir) = (found, foundDir)
            (entity, _, _) = try readSidecar(T.self, in: dir, path: location.path)
            guard entity.id == id else { return nil }
        }
        return (entity, location)
    }

    /// Makes `name` (a folder at the library's top, such as `.index`) a real folder: a symbolic
    /// link or other special file there is removed (the link itself; what it points to is not
    /// touched), so nothing the engine writes there can land outside the library.
    /// - Returns: what was removed, if anything.
    /// - Throws: `storage` when the folder cannot be made.
    @discardableResult
    public func ensureFolder(_ name: String) throws(CreativeError) -> SpecialFile? {
        let found = POSIX.info(rootDir, name)
        if let special = found?.special {
            guard unlinkat(rootDir.fd, name, 0) == 0 else { throw POSIX.failure("remove", name) }
            guard mkdirat(rootDir.fd, name, 0o755) == 0 || errno == EEXIST else { throw POSIX.failure("create the folder", name) }
            return special
        }
        if found == nil, mkdirat(rootDir.fd, name, 0o755) != 0, errno != EEXIST { throw POSIX.failure("create the folder", name) }
        return nil
    }

    /// Reads every entity of a kind. Broken sidecars are returned as problems, never thrown.
    public func readAll<T: Sidecar>(_ type: T.Type) -> (entities: [(T, EntityLocation)], problems: [SidecarProblem]) {
        var entities: [(T, EntityLocation)] = []
        var problems: [SidecarProblem] = []
        for path in entityFolders(T.kind) {
            do {
                guard let dir = try POSIX.openPath(rootDir, path) else { continue }
                let (entity, _, _) = try readSidecar(T.self, in: dir, path: path)
                entities.append((entity, EntityLocation(kind: T.kind, path: path)))
            } catch {
                problems.append(SidecarProblem(path: "\(path)/\(T.kind.sidecarName)", reason: error.message))
            }
        }
        return (entities, problems)
    }

    /// Reads a file inside an entity folder (media, for example).
    public func readFile(at location: EntityLocation, name: String, limit: Int) throws(CreativeError) -> Data? {
        guard !name.contains("/"), !name.hasPrefix("."), let dir = try POSIX.openPath(rootDir, location.path) else {
            return nil
        }
        return try POSIX.readFile(dir, name, limit: limit)
    }

    /// Opens a file inside an entity folder for streaming: a regular file only, never through a
    /// symlink, never blocking on a FIFO. nil when it is not there.
    /// - Returns: the open file (closed when the last reference to it goes) and its size.
    /// - Throws: `storage` when the name is not a regular file.
    public func openFile(at location: EntityLocation, name: String) throws(CreativeError) -> (file: Descriptor, size: Int)? {
        guard !name.contains("/"), !name.hasPrefix("."), let dir = try POSIX.openPath(rootDir, location.path),
            let (file, info) = try POSIX.openRegular(dir, name)
        else { return nil }
        return (file, info.size)
    }
}

extension LibraryStore {
    /// The `.rsync-filter` a new library gets (README, Syncing). Claims are copied so that a copy
    /// knows which jobs another copy holds; `.library-id` is not, so a copy makes its own; `P`
    /// rules keep `--delete` off jobs and the trash.
    static let rsyncFilter = """
        # Read by rsync -F (README, Syncing). The index is a per-machine cache; temp files and
        # intakes are in flight; .library-id names this copy (a copy makes its own). Job claims are
        # copied, so an engine on a copy sees which jobs another copy holds or queued.
        # P: --delete never removes jobs or the trash (a stale copy would).
        - /.index/
        - .*.tmp
        - .*.intake
        - .claim.broken.*
        - /.library-id
        P /jobs/
        P /jobs/**
        P /.trash/
        P /.trash/**

        """

    /// The library's settings (`library.json`); defaults when the file says nothing more.
    /// - Throws: `invalid_sidecar` naming library.json when it cannot be parsed.
    public func settings() throws(CreativeError) -> LibrarySettings {
        guard let data = try POSIX.readFile(rootDir, Self.settingsName, limit: Self.sidecarLimit) else { return LibrarySettings() }
        do {
            return try JSONCoding.decoder().decode(LibrarySettings.self, from: data)
        } catch let error as DecodingError {
            throw CreativeError(.invalidSidecar, "library.json does not match its schema: \(CreativeError(decoding: error).message)")
        } catch {
            throw CreativeError(.invalidSidecar, "library.json is not valid JSON; fix it or restore it.")
        }
    }
}
