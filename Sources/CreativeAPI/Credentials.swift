import CreativeCatalog
import Crypto
import Foundation
import Hummingbird
import Synchronization

/// Who a bearer token or a session cookie names, at a cost to a guesser far above the cost to us.
///
/// A token is checked by its keyed digest (one HMAC, one lookup) against the tokens from the
/// environment and the tokens file; only crypt-form lines of an older file cost a yescrypt run,
/// and those run on the one-thread `auth` pool, never the cooperative pool. Failures are limited
/// per client address (``FailureLimiter``); a valid token is never limited, so a guesser sharing
/// an address with a user cannot lock the user out.
final class Credentials: Sendable {
    /// The yescrypt runs of crypt-form entries and the tokens file's re-reads: one thread, so a
    /// flood of guesses queues here instead of taking the io pool.
    static let pool = BlockingPool(name: "auth", threads: 1)

    let file: TokenFile?
    let sessions: Sessions
    let failures = FailureLimiter()
    /// CREATIVE_API_TOKENS by keyed digest → user.
    private let environment: [String: String]
    private let key: SymmetricKey
    private let lastReload = Mutex(ContinuousClock.now)
    /// Crypt-form checks queued on the auth pool; past ``legacyQueue`` a guess is refused unchecked.
    private let legacyPending = Atomic(0)
    static let legacyQueue = 4

    /// - Parameter key: the install's key (from the tokens file's folder); a process-only key
    ///   when there is no tokens file, so sessions then end with the process.
    init(tokens: [String: String], file: TokenFile?, key: SymmetricKey?) {
        let key = key ?? SymmetricKey(size: .bits256)
        self.file = file
        self.key = key
        environment = Dictionary(tokens.map { (TokenFile.digest($0.key, key: key), $0.value) }, uniquingKeysWith: { first, _ in first })
        sessions = Sessions(key: key)
    }

    /// The entry `token` belongs to, from the keyed digests alone (no file read, no crypt).
    func match(_ token: String) -> TokenFile.Match? {
        let digest = TokenFile.digest(token, key: key)
        if let user = environment[digest] { return TokenFile.Match(user: user, tag: TokenFile.tag(digest)) }
        return file?.match(token)
    }

    /// Whether a session's token still exists for its user.
    func isLive(tag: String, user: String) -> Bool {
        environment.contains { TokenFile.tag($0.key) == tag && $0.value == user } || (file?.contains(tag: tag, user: user) ?? false)
    }

    /// Checks a token as a request would: keyed digests first; then, unless `client` has failed
    /// too often, the crypt-form entries. Re-reads a tokens file edited on disk, at most every 2 s.
    func authenticate(_ token: String, client: String) async -> Outcome {
        await reloadIfDue()
        if let match = match(token) { return .user(match) }
        // Counted before the slow check, so parallel guesses cannot all slip under the limit.
        if let wait = failures.charge(client) { return .limited(seconds: wait) }
        guard let file, file.hasLegacyEntries else { return .refused }
        // A flood of guesses queues at most a few crypt runs; the rest are refused unchecked.
        guard legacyPending.add(1, ordering: .relaxed).newValue <= Self.legacyQueue else {
            legacyPending.subtract(1, ordering: .relaxed)
            return .refused
        }
        let match = try? await Self.pool.run { file.legacyMatch(token) }
        legacyPending.subtract(1, ordering: .relaxed)
        guard let match else { return .refused }
        failures.refund(client)
        return .user(match)
    }

    /// The user of a signed session cookie whose token still exists.
    func session(_ cookie: String) async -> String? {
        await reloadIfDue()
        guard let session = sessions.verify(cookie), isLive(tag: session.tag, user: session.user) else { return nil }
        return session.user
    }

    enum Outcome: Sendable {
        case user(TokenFile.Match)
        case refused
        case limited(seconds: Int)
    }

    /// Re-reads the tokens file when the last read is 2 s old (on the io pool, not behind the
    /// crypt runs of the auth pool): one request in 2 s waits for a stat and maybe a read.
    private func reloadIfDue() async {
        guard let file else { return }
        let now = ContinuousClock.now
        let due = lastReload.withLock { last in
            guard last.duration(to: now) >= .seconds(2) else { return false }
            last = now
            return true
        }
        if due { _ = try? await BlockingPool.io.run { () throws(CreativeError) in try file.reload() } }
    }
}

/// Failed credentials per client address: 10 in a burst, then one every 6 s; past that a client
/// is answered 429 with Retry-After and no check runs. The table holds at most 10,000 addresses.
final class FailureLimiter: Sendable {
    private struct Bucket {
        var failures: Double
        var updated: ContinuousClock.Instant
    }

    static let burst = 10.0
    static let perSecond = 1.0 / 6
    private let buckets = Mutex<[String: Bucket]>([:])

    /// Counts one failure for `client`; when its budget is spent, counts nothing and returns the
    /// seconds until it may try again.
    func charge(_ client: String, now: ContinuousClock.Instant = .now) -> Int? {
        let client = Self.key(client)
        return buckets.withLock { buckets in
            let left = buckets[client].map { Self.drained($0, now) } ?? 0
            if left + 1 > Self.burst { return Int(((left + 1 - Self.burst) / Self.perSecond).rounded(.up)) }
            if buckets[client] == nil, buckets.count >= Self.capacity {
                buckets = buckets.filter { Self.drained($0.value, now) > 0 }
                // Still full: many addresses are failing at once; a new one is not let in unlimited.
                if buckets.count >= Self.capacity { return Int((1 / Self.perSecond).rounded(.up)) }
            }
            buckets[client] = Bucket(failures: left + 1, updated: now)
            return nil
        }
    }

    static let capacity = 10_000

    /// The address a bucket counts: an IPv6 client by its /64 (one host holds a /64 and can
    /// rotate through it), an IPv4 client by itself.
    static func key(_ client: String) -> String {
        var bytes = [UInt8](repeating: 0, count: 16)
        guard client.contains(":"), inet_pton(AF_INET6, client, &bytes) == 1 else { return client }
        return bytes.prefix(8).map { String(format: "%02x", $0) }.joined() + "::/64"
    }

    /// Takes back a failure counted for a token that turned out valid.
    func refund(_ client: String, now: ContinuousClock.Instant = .now) {
        let client = Self.key(client)
        buckets.withLock { buckets in
            if let bucket = buckets[client] { buckets[client] = Bucket(failures: max(0, Self.drained(bucket, now) - 1), updated: now) }
        }
    }

    private static func drained(_ bucket: Bucket, _ now: ContinuousClock.Instant) -> Double {
        let elapsed = bucket.updated.duration(to: now)
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        return max(0, bucket.failures - seconds * perSecond)
    }
}
