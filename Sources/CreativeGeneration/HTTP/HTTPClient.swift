import CreativeCatalog
import Foundation

/// An HTTP request to a provider. `secrets` are header values to redact from any message.
public struct HTTPRequest: Sendable {
    public var method = "POST"
    public var url: String
    public var headers: [(String, String)] = []
    public var body: Data?
    /// Seconds to connect, and for the whole exchange.
    public var connectTimeout = 10.0
    public var timeout = 120.0
    /// Largest response body accepted (bytes).
    public var maxResponseBytes = 64 * 1024 * 1024
    /// Values (API keys) that must never appear in logs or errors.
    public var secrets: [String] = []
    /// Called with each piece of the body as it arrives, on the transfer thread (streamed answers
    /// are parsed as they come).
    public var onChunk: (@Sendable (Data) -> Void)?
    /// Connect only to public internet addresses, checked on the address curl connects to (for
    /// URLs a provider hands back, which could point at this host or its network).
    public var publicAddressesOnly = false
    /// Write a successful answer's body to this file (created 0600, replaced) instead of memory:
    /// downloads of media go to disk as they arrive. The response's `body` is then empty, or the
    /// first 64 KiB of an error answer.
    public var saveTo: String?

    public init(method: String = "POST", url: String, headers: [(String, String)] = [], body: Data? = nil) {
        (self.method, self.url, self.headers, self.body) = (method, url, headers, body)
    }
}

public struct HTTPResponse: Sendable {
    public var status: Int
    /// Header names lower-cased.
    public var headers: [String: String]
    public var body: Data
}

/// Why an exchange produced no response.
public enum TransportFailure: Error, Sendable {
    case timeout
    case unreachable(String)
    case tooLarge
    /// The name resolved to an address that is not public (``HTTPRequest/publicAddressesOnly``).
    case forbiddenAddress
    /// The calling task was cancelled.
    case cancelled
    /// The body could not be written to ``HTTPRequest/saveTo`` (errno).
    case cannotSave(Int32)
}

/// HTTP to providers through libcurl (TLS, HTTP/2 where offered, proxies from the environment as
/// curl reads them), on the one thread that drives curl's multi interface.
public enum HTTPClient {
    /// One exchange. Cancelling the calling task aborts the transfer and closes its connection.
    public static func perform(_ request: HTTPRequest) async -> Result<HTTPResponse, TransportFailure> {
        await CurlMulti.shared.perform(request)
    }
}
