import CreativeCatalog
import Foundation

/// How often and how patiently a provider call is retried.
public struct RetryPolicy: Sendable {
    /// Tries in all (the first included).
    public var attempts = 4
    /// First backoff in seconds; doubled each time, with ±20% jitter.
    public var baseDelay = 1.0
    /// Longest single wait, also the cap on a provider's retry-after.
    public var maxDelay = 60.0

    public init(attempts: Int = 4, baseDelay: Double = 1.0, maxDelay: Double = 60.0) {
        (self.attempts, self.baseDelay, self.maxDelay) = (attempts, baseDelay, maxDelay)
    }
}

/// The one HTTP layer every provider shares: retries with exponential backoff and jitter that
/// honour `retry-after` (seconds or an HTTP date) on 429, 5xx and 529, timeouts and unreachable
/// hosts; errors mapped to stable codes with the provider's own message; keys never shown.
public enum ProviderHTTP {
    static let retryStatuses: Set<Int> = [408, 409, 429, 500, 502, 503, 504, 529]

    /// Sends `request`, retrying what may pass, and returns a 2xx response. Backoff waits with
    /// `Task.sleep`, so a cancelled task stops waiting at once.
    /// - Throws: `provider_refused` (400, 404, 422 …), `provider_auth` (401/403, naming
    ///   `keyVariable`), `provider_unavailable` or `timeout` after the last try, `provider_error`
    ///   for a body over the size limit or an address that is not public, `cancelled` when the
    ///   calling task is cancelled.
    /// - Parameter redirects: also return 3xx answers that name a `location` (the caller checks
    ///   and follows it).
    public static func send(
        _ request: HTTPRequest, provider: String, keyVariable: String?, policy: RetryPolicy, redirects: Bool = false
    ) async throws(CreativeError) -> HTTPResponse {
        var attempt = 1
        while true {
            let last = attempt >= policy.attempts
            let wait: Double
            switch await HTTPClient.perform(request) {
            case .success(let response) where (200..<300).contains(response.status):
                return response
            case .success(let response) where redirects && (300..<400).contains(response.status) && response.headers["location"] != nil:
                return response
            case .success(let response):
                let message = redact(errorMessage(response.body), request.secrets)
                guard retryStatuses.contains(response.status), !last else {
                    throw failure(status: response.status, message: message, provider: provider, keyVariable: keyVariable)
                }
                wait = delay(attempt: attempt, retryAfter: response.headers["retry-after"], policy: policy)
            case .failure(.cancelled):
                throw CreativeError(.cancelled, "The call to \(provider) was cancelled.")
            case .failure(.forbiddenAddress):
                throw CreativeError(
                    .providerError, "\(provider) pointed at an address on this machine or a private network; nothing was fetched from it.")
            case .failure(.cannotSave(let code)):
                throw CreativeError(
                    code == ENOSPC || code == EDQUOT ? .diskFull : .storage,
                    "\(provider)'s answer could not be written to disk: \(String(cString: strerror(code))).")
            case .failure(.tooLarge):
                throw CreativeError(.providerError, "\(provider) answered with more than \(request.maxResponseBytes / 1_048_576) MiB; the answer was refused.")
            case .failure(.timeout):
                guard !last else {
                    throw CreativeError(.timeout, "\(provider) did not answer within \(Int(request.timeout)) seconds, \(attempt) times; try again later.")
                }
                wait = delay(attempt: attempt, retryAfter: nil, policy: policy)
            case .failure(.unreachable(let reason)):
                guard !last else {
                    throw CreativeError(
                        .providerUnavailable, "\(provider) could not be reached (\(redact(reason, request.secrets))); check its base URL and the network.")
                }
                wait = delay(attempt: attempt, retryAfter: nil, policy: policy)
            }
            do {
                try await Task.sleep(for: .seconds(wait))
            } catch {
                throw CreativeError(.cancelled, "The call to \(provider) was cancelled.")
            }
            attempt += 1
        }
    }

    static func failure(status: Int, message: String, provider: String, keyVariable: String?) -> CreativeError {
        let detail = message.isEmpty ? "HTTP \(status)" : message
        switch status {
        case 401, 403:
            let fix = keyVariable.map { "check \($0)" } ?? "check the provider's key"
            return CreativeError(.providerAuth, "\(provider) rejected the API key (\(detail)); \(fix).")
        case 429:
            return CreativeError(.providerUnavailable, "\(provider) kept rate-limiting the request (\(detail)); try again later.")
        case 500...599:
            return CreativeError(.providerUnavailable, "\(provider) failed \(status) and kept failing (\(detail)); try again later.")
        default:
            return CreativeError(.providerRefused, "\(provider) refused the request: \(detail)")
        }
    }

    /// The wait before try `attempt + 1`: the provider's retry-after when it gives one (capped),
    /// else exponential backoff with jitter.
    static func delay(attempt: Int, retryAfter: String?, policy: RetryPolicy) -> Double {
        if let retryAfter, let seconds = parseRetryAfter(retryAfter) {
            return min(max(seconds, 0), policy.maxDelay)
        }
        let backoff = policy.baseDelay * pow(2, Double(attempt - 1))
        return min(backoff * Double.random(in: 0.8...1.2), policy.maxDelay)
    }

    /// `retry-after` is seconds (`12`) or an HTTP date (`Wed, 25 Nov 2026 10:00:00 GMT`).
    public static func parseRetryAfter(_ value: String) -> Double? {
        let text = value.trimmingCharacters(in: .whitespaces)
        if let seconds = Double(text) { return seconds }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        return formatter.date(from: text).map { $0.timeIntervalSinceNow }
    }

    /// The provider's own error sentence: OpenAI `{error: {message}}`, Anthropic `{error: {message}}`,
    /// Stability `{errors: [..]}`, A1111 `{detail}` or `{error}`, ElevenLabs `{detail: {message}}`;
    /// else the start of the body.
    static func errorMessage(_ body: Data) -> String {
        guard let answer = try? JSONDecoder().decode(ErrorBody.self, from: body) else {
            return String(decoding: body.prefix(200), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        }
        if case .object(let error)? = answer.error, let message = error.message { return message }
        // A1111 puts the exception's class in `error` and the sentence in `detail`.
        if let detail = answer.detail { return detail }
        if case .text(let message)? = answer.error { return message }
        if let errors = answer.errors { return errors.joined(separator: "; ") }
        return answer.message ?? ""
    }

    /// Every provider's error body in one shape; each field is optional.
    struct ErrorBody: Decodable {
        enum ErrorField: Decodable {
            case object(Message)
            case text(String)

            init(from decoder: any Decoder) throws {
                let container = try decoder.singleValueContainer()
                if let text = try? container.decode(String.self) { self = .text(text) } else { self = .object(try container.decode(Message.self)) }
            }
        }

        struct Message: Decodable {
            var message: String?
        }

        var error: ErrorField?
        var detail: String?
        var errors: [String]?
        var message: String?

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            error = try? container.decodeIfPresent(ErrorField.self, forKey: .error)
            // ElevenLabs: `{detail: {status, message}}`.
            detail =
                (try? container.decodeIfPresent(String.self, forKey: .detail))
                ?? (try? container.decodeIfPresent(Message.self, forKey: .detail))?.message
            errors = try? container.decodeIfPresent([String].self, forKey: .errors)
            message = try? container.decodeIfPresent(String.self, forKey: .message)
        }

        enum CodingKeys: String, CodingKey { case error, detail, errors, message }
    }

    static func redact(_ text: String, _ secrets: [String]) -> String {
        secrets.filter { $0.count >= 4 }.reduce(text) { $0.replacingOccurrences(of: $1, with: "[redacted]") }
    }
}
