import CreativeCatalog
import Foundation
import Hummingbird
import Synchronization

/// Per-user token buckets for generation requests: `perMinute` requests a minute, in bursts of
/// up to `perMinute`. Generation is what costs money and CPU; reads are not limited.
final class RateLimiter: Sendable {
    private struct Bucket {
        var tokens: Double
        var updated: ContinuousClock.Instant
    }

    private let perMinute: Int
    private let buckets = Mutex<[String: Bucket]>([:])

    init(perMinute: Int) {
        self.perMinute = perMinute
    }

    /// Takes a token for `user`; nil when the request may go ahead, otherwise the seconds until
    /// one is free.
    func wait(for user: String, now: ContinuousClock.Instant = .now) -> Double? {
        let capacity = Double(perMinute), perSecond = Double(perMinute) / 60
        return buckets.withLock { buckets in
            var bucket = buckets[user] ?? Bucket(tokens: capacity, updated: now)
            let elapsed = bucket.updated.duration(to: now)
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            bucket.tokens = min(capacity, bucket.tokens + max(0, seconds) * perSecond)
            bucket.updated = now
            defer { buckets[user] = bucket }
            guard bucket.tokens >= 1 else { return (1 - bucket.tokens) / perSecond }
            bucket.tokens -= 1
            return nil
        }
    }
}

/// Answers 429 `rate_limited` with Retry-After to a user past their generation rate (POSTs only:
/// polling a job's status is free).
struct RateLimitMiddleware: RouterMiddleware {
    typealias Context = APIContext
    let limiter: RateLimiter

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard request.method == .post, let wait = limiter.wait(for: context.userId) else { return try await next(request, context) }
        let seconds = Int(wait.rounded(.up))
        var response = APIError.response(
            CreativeError(.rateLimited, "\(context.userId) sent more generation requests than this server allows per minute; try again in \(seconds) s."))
        response.headers[.retryAfter] = "\(seconds)"
        return response
    }
}
