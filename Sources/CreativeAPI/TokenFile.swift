import CCrypt
import CreativeCatalog
import Foundation
import Synchronization

/// API tokens kept hashed in a file outside the library: one `user:HASH` line per token, HASH a
/// crypt(3) string (yescrypt). The file lives at CREATIVE_TOKENS_FILE or
/// `~/.config/creative/tokens`, mode 0600; a token file inside the library is refused.
public final class TokenFile: Sendable {
    public let path: String
    private let entries: [(user: String, hash: String)]
    /// Tokens already checked, so a request costs one hash at most once per token.
    private let verified = Mutex<[String: String]>([:])

    public static func defaultPath(_ env: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if let path = env["CREATIVE_TOKENS_FILE"], !path.isEmpty { return path }
        let config = env["XDG_CONFIG_HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? ((env["HOME"] ?? NSHomeDirectory()) + "/.config")
        return config + "/creative/tokens"
    }

    /// The file's text, read without following a link or blocking on a FIFO; "" when missing.
    static func read(_ path: String) throws(CreativeError) -> String {
        let fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else {
            if errno == ENOENT { return "" }
            throw .invalid("tokens", "The tokens file \(path) cannot be read (\(errno == ELOOP ? "it is a symbolic link" : String(cString: strerror(errno)))).")
        }
        let handle = FileHandle(fileDescriptor: fd, closeOnDealloc: true)
        var st = stat()
        guard fstat(fd, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG, st.st_size <= 1 << 20 else {
            throw .invalid("tokens", "The tokens file \(path) is not a regular file under 1 MiB; make it with `creative token add USER`.")
        }
        return String(decoding: (try? handle.readToEnd()) ?? Data(), as: UTF8.self)
    }

    /// Reads the file (missing: no tokens).
    /// - Throws: `invalid_input` when the file sits inside `library` or a line is malformed.
    public init(path: String, library: String) throws(CreativeError) {
        self.path = path
        let resolved = URL(fileURLWithPath: path).standardizedFileURL.resolvingSymlinksInPath().path
        let root = URL(fileURLWithPath: library).standardizedFileURL.resolvingSymlinksInPath().path
        guard !resolved.hasPrefix(root + "/") else {
            throw .invalid("tokens", "The tokens file \(path) is inside the library, which is synced and shared; move it out (CREATIVE_TOKENS_FILE).")
        }
        let text = try Self.read(path)
        var entries: [(String, String)] = []
        for (n, line) in text.split(separator: "\n").enumerated() where !line.hasPrefix("#") && !line.trimmingCharacters(in: .whitespaces).isEmpty {
            let parts = line.split(separator: ":", maxSplits: 1).map(String.init)
            guard parts.count == 2, parts[1].hasPrefix("$") else {
                throw .invalid("tokens", "Line \(n + 1) of \(path) is not user:HASH; make tokens with `creative token add USER`.")
            }
            entries.append((try Validation.userId(parts[0]), parts[1]))
        }
        self.entries = entries
    }

    public var isEmpty: Bool { entries.isEmpty }

    /// The user a token belongs to, or nil.
    public func user(for token: String) -> String? {
        if let user = verified.withLock({ $0[token] }) { return user }
        for entry in entries where Self.hash(token, setting: entry.hash) == entry.hash {
            verified.withLock { $0[token] = entry.user }
            return entry.user
        }
        return nil
    }

    /// Makes a new random token for `user`, appends its hash to the file and returns the token:
    /// it is shown once and stored nowhere in clear. The file is replaced whole (a temp file
    /// created 0600 — never readable by others, not even for a moment — fsynced, renamed, the
    /// folder fsynced); its folder is created 0700.
    /// - Throws: `invalid_input` when `path` is inside a library (libraries are synced and shared);
    ///   `storage` when the file cannot be written.
    public static func add(user: String, path: String) throws(CreativeError) -> String {
        let user = try Validation.userId(user)
        if let library = enclosingLibrary(of: path) {
            throw .invalid(
                "tokens",
                "The tokens file \(path) would be inside the library \(library), which is synced and shared; choose a path outside it (CREATIVE_TOKENS_FILE).")
        }
        let token = (0..<32).map { _ in String("abcdefghijkmnpqrstuvwxyz23456789".randomElement() ?? "x") }.joined()
        guard let setting = crypt_gensalt("$y$", 0, nil, 0).map({ String(cString: $0) }), let hash = hash(token, setting: setting) else {
            throw CreativeError(.storage, "libcrypt could not hash the token.")
        }
        let folder = (path as NSString).deletingLastPathComponent
        try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let existing = try Self.read(path)
        let temp = "\(path).\(getpid()).tmp"
        let fd = open(temp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw CreativeError(.storage, "Could not write the tokens file \(path).") }
        let bytes = Array((existing + "\(user):\(hash)\n").utf8)
        let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        let synced = fsync(fd) == 0
        close(fd)
        guard written == bytes.count, synced, rename(temp, path) == 0 else {
            unlink(temp)
            throw CreativeError(.storage, "Could not write the tokens file \(path).")
        }
        let dir = open(folder.isEmpty ? "." : folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if dir >= 0 {
            _ = fsync(dir)
            close(dir)
        }
        return token
    }

    /// The library folder (one holding library.json) that `path` would be inside, if any.
    static func enclosingLibrary(of path: String) -> String? {
        var folder = URL(fileURLWithPath: path).standardizedFileURL.deletingLastPathComponent()
        while folder.path != "/" && !folder.path.isEmpty {
            // Resolved the way the tokens file will be opened: through any symlinked folder.
            let resolved = folder.resolvingSymlinksInPath()
            if FileManager.default.fileExists(atPath: resolved.appendingPathComponent("library.json").path) { return resolved.path }
            folder.deleteLastPathComponent()
        }
        return nil
    }

    /// crypt_r with its own state, so checks on several threads do not share crypt's buffer.
    static func hash(_ token: String, setting: String) -> String? {
        let data = UnsafeMutablePointer<crypt_data>.allocate(capacity: 1)
        defer { data.deallocate() }
        memset(data, 0, MemoryLayout<crypt_data>.size)
        guard let out = crypt_r(token, setting, data) else { return nil }
        let result = String(cString: out)
        return result.hasPrefix("*") ? nil : result
    }
}
