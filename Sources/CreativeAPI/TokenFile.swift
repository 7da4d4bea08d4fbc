import CCrypt
import CreativeCatalog
import Crypto
import Foundation
import Synchronization

/// API tokens kept hashed in a file outside the library, one `user:hmac-sha256:HEX` line per token.
///
/// Tokens are 32 random characters, so a keyed hash (HMAC-SHA-256 under a per-install key in
/// `tokens.key` beside the file, mode 0600) is as safe as a password hash and costs one lookup:
/// a wrong token costs the server a microsecond, not a yescrypt run per entry. Lines in the older
/// `user:$y$…` (crypt) form still work and are rewritten in the keyed form when next used.
/// The file lives at CREATIVE_TOKENS_FILE or `~/.config/creative/tokens`, mode 0600; a token file
/// inside the library is refused.
///
/// Concurrency: the state sits behind a `Mutex`. ``match(_:)`` is a hash and a dictionary lookup,
/// safe anywhere; what reads files or runs crypt is `noasync` and runs on a blocking pool.
public final class TokenFile: Sendable {
    /// A token's owner and a short tag naming the entry (a session names the token it came from).
    public struct Match: Sendable, Equatable {
        public var user: String
        public var tag: String
    }

    struct Entries: Sendable {
        var key: SymmetricKey?
        /// Keyed digest (hex) → user.
        var keyed: [String: String] = [:]
        /// Lines still in crypt form: (user, crypt string).
        var legacy: [(user: String, hash: String)] = []
        /// The file as last read (inode, size, mtime), to notice edits.
        var identity: [Int] = []
    }

    public let path: String
    /// The per-install key: 32 random bytes, 0600, beside the tokens file.
    public var keyPath: String { path + ".key" }
    private let state: Mutex<Entries>

    static let keyedPrefix = "hmac-sha256:"

    public static func defaultPath(_ env: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if let path = env["CREATIVE_TOKENS_FILE"], !path.isEmpty { return path }
        let config = env["XDG_CONFIG_HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? ((env["HOME"] ?? NSHomeDirectory()) + "/.config")
        return config + "/creative/tokens"
    }

    /// Reads the file (missing: no tokens) and its key, making the key when the file has entries.
    /// - Throws: `invalid_input` when the file sits inside `library`, a line is malformed or the
    ///   key file is unsafe; `storage` when a needed key cannot be written.
    @available(*, noasync)
    public init(path: String, library: String) throws(CreativeError) {
        self.path = path
        let resolved = URL(fileURLWithPath: path).standardizedFileURL.resolvingSymlinksInPath().path
        let root = URL(fileURLWithPath: library).standardizedFileURL.resolvingSymlinksInPath().path
        guard !resolved.hasPrefix(root + "/") else {
            throw .invalid("tokens", "The tokens file \(path) is inside the library, which is synced and shared; move it out (CREATIVE_TOKENS_FILE).")
        }
        state = Mutex(Entries())
        try reload()
    }

    public var isEmpty: Bool { state.withLock { $0.keyed.isEmpty && $0.legacy.isEmpty } }

    /// Whether some entries are still in crypt form (checking those costs a yescrypt run each).
    public var hasLegacyEntries: Bool { state.withLock { !$0.legacy.isEmpty } }

    /// The install's key, made when missing: signs sessions and keys token digests.
    /// - Throws: `storage` when the key cannot be written; `invalid_input` when it is unsafe.
    @available(*, noasync)
    public func key() throws(CreativeError) -> SymmetricKey {
        if let key = state.withLock({ $0.key }) { return key }
        let key = try Self.loadKey(keyPath, create: true) ?? SymmetricKey(size: .bits256)
        state.withLock { $0.key = key }
        return key
    }

    /// The entry a token belongs to, by its keyed digest: one hash, one lookup. The lookup
    /// compares digests under a key the client does not know, so how long it takes says nothing
    /// about any token. Crypt-form entries are not tried here (see ``legacyMatch(_:)``).
    public func match(_ token: String) -> Match? {
        state.withLock { entries in
            guard let key = entries.key else { return nil }
            let digest = Self.digest(token, key: key)
            return entries.keyed[digest].map { Match(user: $0, tag: Self.tag(digest)) }
        }
    }

    /// Whether the entry `tag` names still exists and belongs to `user`.
    public func contains(tag: String, user: String) -> Bool {
        state.withLock { entries in entries.keyed.contains { Self.tag($0.key) == tag && $0.value == user } }
    }

    /// The user a token belongs to, trying crypt-form entries too (one yescrypt run each); a
    /// matching crypt entry is rewritten in the keyed form.
    @available(*, noasync)
    public func user(for token: String) -> String? {
        if let match = match(token) { return match.user }
        return legacyMatch(token)?.user
    }

    /// Checks the crypt-form entries and upgrades the one that matches.
    @available(*, noasync)
    public func legacyMatch(_ token: String) -> Match? {
        let legacy = state.withLock { $0.legacy }
        guard let entry = legacy.first(where: { Self.crypt(token, setting: $0.hash) == $0.hash }) else { return nil }
        guard let key = try? key() else { return Match(user: entry.user, tag: "") }
        let digest = Self.digest(token, key: key)
        try? Self.rewrite(path) { lines in lines.map { $0 == "\(entry.user):\(entry.hash)" ? "\(entry.user):\(Self.keyedPrefix)\(digest)" : $0 } }
        try? reload()
        return match(token) ?? Match(user: entry.user, tag: Self.tag(digest))
    }

    /// Reads the file again when it changed on disk (a token added or removed by hand or by
    /// `creative token`).
    @available(*, noasync)
    public func reload() throws(CreativeError) {
        let (text, identity) = try Self.read(path)
        guard identity != state.withLock({ $0.identity }) || identity.isEmpty else { return }
        var entries = Entries(identity: identity)
        for (n, line) in text.split(separator: "\n").enumerated() where !line.hasPrefix("#") && !line.trimmingCharacters(in: .whitespaces).isEmpty {
            let parts = line.split(separator: ":", maxSplits: 1).map(String.init)
            guard parts.count == 2 else {
                throw .invalid("tokens", "Line \(n + 1) of \(path) is not user:HASH; make tokens with `creative token add USER`.")
            }
            let user = try Validation.userId(parts[0])
            if parts[1].hasPrefix(Self.keyedPrefix), parts[1].count == Self.keyedPrefix.count + 64 {
                entries.keyed[String(parts[1].dropFirst(Self.keyedPrefix.count))] = user
            } else if parts[1].hasPrefix("$") {
                entries.legacy.append((user, parts[1]))
            } else {
                throw .invalid("tokens", "Line \(n + 1) of \(path) is not user:HASH; make tokens with `creative token add USER`.")
            }
        }
        let hasEntries = !entries.keyed.isEmpty || !entries.legacy.isEmpty
        if let known = state.withLock({ $0.key }) {
            entries.key = known
        } else {
            entries.key = try Self.loadKey(keyPath, create: hasEntries)
        }
        state.withLock { $0 = entries }
    }

    /// Makes a new random token for `user`, appends its keyed digest to the file and returns the
    /// token: it is shown once and stored nowhere in clear. The file is replaced whole (a temp
    /// file created 0600, fsynced, renamed, the folder fsynced); its folder is created 0700.
    /// - Throws: `invalid_input` when `path` is inside a library (libraries are synced and shared);
    ///   `storage` when the file cannot be written.
    @available(*, noasync)
    public static func add(user: String, path: String) throws(CreativeError) -> String {
        let user = try Validation.userId(user)
        if let library = enclosingLibrary(of: path) {
            throw .invalid(
                "tokens",
                "The tokens file \(path) would be inside the library \(library), which is synced and shared; choose a path outside it (CREATIVE_TOKENS_FILE).")
        }
        var generator = SystemRandomNumberGenerator()
        let alphabet = Array("abcdefghijkmnpqrstuvwxyz23456789")
        let token = String((0..<32).map { _ in alphabet[Int(generator.next(upperBound: UInt32(alphabet.count)))] })
        let folder = (path as NSString).deletingLastPathComponent
        try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        guard let key = try loadKey(path + ".key", create: true) else { throw CreativeError(.storage, "Could not make the tokens key.") }
        try rewrite(path) { $0 + ["\(user):\(keyedPrefix)\(digest(token, key: key))"] }
        return token
    }

    /// Removes every token of `user`; returns how many there were.
    /// - Throws: `storage` when the file cannot be written.
    @available(*, noasync)
    public static func remove(user: String, path: String) throws(CreativeError) -> Int {
        let user = try Validation.userId(user)
        var removed = 0
        try rewrite(path) { lines in
            let kept = lines.filter { !$0.hasPrefix(user + ":") }
            removed = lines.count - kept.count
            return kept
        }
        return removed
    }

    static func digest(_ token: String, key: SymmetricKey) -> String {
        HMAC<SHA256>.authenticationCode(for: Data(token.utf8), using: key).map { String(format: "%02x", $0) }.joined()
    }

    static func tag(_ digest: String) -> String { String(digest.prefix(16)) }

    /// crypt_r with its own state, so checks on several threads do not share crypt's buffer.
    static func crypt(_ token: String, setting: String) -> String? {
        let data = UnsafeMutablePointer<crypt_data>.allocate(capacity: 1)
        defer { data.deallocate() }
        memset(data, 0, MemoryLayout<crypt_data>.size)
        guard let out = crypt_r(token, setting, data) else { return nil }
        let result = String(cString: out)
        return result.hasPrefix("*") ? nil : result
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
}
