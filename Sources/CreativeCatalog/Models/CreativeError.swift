/// The one error type of Creative Engine. `code` is stable and machine-readable; `message` is one
/// sentence for people. The CLI, the REST API and `inbox/failed/*.error.txt` all show the same pair.
public struct CreativeError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Stable error codes (documented in docs/SCHEMA.md, "Errors"). Never rename a case's raw value.
    public enum Code: String, Sendable, CaseIterable, Codable {
        /// A request field is missing, has the wrong type, or is out of range.
        case invalidInput = "invalid_input"
        /// No such item, or it belongs to someone else and is private.
        case notFound = "not_found"
        /// A sidecar on disk cannot be read or parsed.
        case invalidSidecar = "invalid_sidecar"
        /// The operation would overwrite something that exists.
        case conflict = "conflict"
        /// The item is protected (a default template) and needs an explicit `force`.
        case protected = "protected"
        /// A template's Mustache text does not parse.
        case invalidTemplate = "invalid_template"
        /// The media cannot be read or is not what its type says.
        case unsupportedMedia = "unsupported_media"
        /// The input is larger than allowed.
        case tooLarge = "too_large"
        /// The library folder does not exist or is not a Creative Engine library.
        case libraryNotFound = "library_not_found"
        /// The filesystem refused an operation (permissions, fsync failure).
        case storage = "storage_error"
        /// The library's disk is full (or the user's quota spent): work waits and resumes by itself.
        case diskFull = "disk_full"
        /// The job was cancelled while it ran.
        case cancelled = "cancelled"
        /// A provider refused the request (content policy, invalid for that model); not retried.
        case providerRefused = "provider_refused"
        /// A provider rejected the key (401/403): set the right environment variable.
        case providerAuth = "provider_auth"
        /// A provider is busy, rate-limited, down or unreachable, after retries.
        case providerUnavailable = "provider_unavailable"
        /// A provider answered something that cannot be used (malformed or truncated body).
        case providerError = "provider_error"
        /// A provider did not answer in time, after retries.
        case timeout = "timeout"
        /// The user's monthly budget (library.json) is spent.
        case budgetExceeded = "budget_exceeded"
        /// The user sent more generation requests than the server allows per minute.
        case rateLimited = "rate_limited"
        /// The server is at a limit it keeps for everyone (uploads in flight); try again shortly.
        case busy = "busy"
    }

    public var code: Code
    public var message: String
    /// The request field the error is about, when there is one (`tags[3]`, `title`).
    public var field: String?

    public init(_ code: Code, _ message: String, field: String? = nil) {
        self.code = code
        self.message = message
        self.field = field
    }

    public var description: String { "\(code.rawValue): \(message)" }

    /// Whether trying again later may succeed (a busy disk or provider), as opposed to a refusal
    /// (bad input, a content policy, a cancellation) that would fail the same way again.
    public var isRetryable: Bool { code == .storage || code == .diskFull }

    public static func invalid(_ field: String, _ message: String) -> CreativeError {
        CreativeError(.invalidInput, message, field: field)
    }

    public static func notFound(_ kind: String, _ id: String) -> CreativeError {
        CreativeError(.notFound, "No \(kind) with id \(id) exists in this library.")
    }
}
