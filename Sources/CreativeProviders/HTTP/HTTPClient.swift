import CCurl
import CreativeModels
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
    /// Called with each piece of the body as it arrives (streamed answers report progress).
    public var onChunk: (@Sendable (Data) -> Void)?

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
}

/// One blocking HTTP exchange through libcurl (TLS, HTTP/2 where offered, proxies from the
/// environment as curl reads them). Call it from a worker thread, never from Swift's cooperative
/// pool: curl_easy_perform blocks.
public enum HTTPClient {
    private static let initialized: Bool = curl_global_init(Int(CURL_GLOBAL_DEFAULT)) == CURLE_OK

    public static func perform(_ request: HTTPRequest) -> Result<HTTPResponse, TransportFailure> {
        guard initialized, let handle = curl_easy_init() else { return .failure(.unreachable("libcurl could not start")) }
        defer { curl_easy_cleanup(handle) }
        let sink = Sink(limit: request.maxResponseBytes, onChunk: request.onChunk)
        let context = Unmanaged.passUnretained(sink).toOpaque()
        var headerList: UnsafeMutablePointer<curl_slist>?
        defer { curl_slist_free_all(headerList) }
        for (name, value) in request.headers { headerList = curl_slist_append(headerList, "\(name): \(value)") }
        // curl adds "Expect: 100-continue" to large POSTs; providers answer faster without it.
        headerList = curl_slist_append(headerList, "Expect:")
        _ = request.url.withCString { cc_setopt_ptr(handle, CURLOPT_URL, $0) }
        _ = request.method.withCString { cc_setopt_ptr(handle, CURLOPT_CUSTOMREQUEST, $0) }
        _ = cc_setopt_headers(handle, headerList)
        _ = cc_setopt_long(handle, CURLOPT_NOSIGNAL, 1)
        _ = cc_setopt_long(handle, CURLOPT_CONNECTTIMEOUT_MS, Int(request.connectTimeout * 1000))
        _ = cc_setopt_long(handle, CURLOPT_TIMEOUT_MS, Int(request.timeout * 1000))
        _ = cc_setopt_long(handle, CURLOPT_HTTP_VERSION, Int(CURL_HTTP_VERSION_2TLS))
        _ = cc_setopt_long(handle, CURLOPT_PROTOCOLS, Int(CURLPROTO_HTTP | CURLPROTO_HTTPS))
        _ = cc_setopt_long(handle, CURLOPT_FOLLOWLOCATION, 0)
        _ = cc_setopt_ptr(handle, CURLOPT_WRITEDATA, context)
        _ = cc_setopt_write(handle) { data, size, count, context in
            guard let context, let data else { return 0 }
            let sink = Unmanaged<Sink>.fromOpaque(context).takeUnretainedValue()
            return sink.append(UnsafeRawBufferPointer(start: data, count: size * count)) ? size * count : 0
        }
        _ = cc_setopt_ptr(handle, CURLOPT_HEADERDATA, context)
        _ = cc_setopt_header(handle) { data, size, count, context in
            guard let context, let data else { return 0 }
            Unmanaged<Sink>.fromOpaque(context).takeUnretainedValue().header(UnsafeRawBufferPointer(start: data, count: size * count))
            return size * count
        }
        let code: CURLcode = (request.body ?? Data()).withUnsafeBytes { body in
            if request.body != nil {
                _ = cc_setopt_long(handle, CURLOPT_POSTFIELDSIZE, body.count)
                _ = cc_setopt_ptr(handle, CURLOPT_POSTFIELDS, body.baseAddress)
            }
            return curl_easy_perform(handle)
        }
        switch code {
        case CURLE_OK:
            var status = 0
            _ = cc_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &status)
            return .success(HTTPResponse(status: status, headers: sink.headers, body: sink.body))
        case CURLE_OPERATION_TIMEDOUT:
            return .failure(.timeout)
        case CURLE_WRITE_ERROR where sink.overflowed:
            return .failure(.tooLarge)
        default:
            return .failure(.unreachable(String(cString: curl_easy_strerror(code))))
        }
    }

    /// Collects a response; refuses bodies over the limit.
    private final class Sink {
        var body = Data()
        var headers: [String: String] = [:]
        var overflowed = false
        let limit: Int
        let onChunk: (@Sendable (Data) -> Void)?

        init(limit: Int, onChunk: (@Sendable (Data) -> Void)?) {
            self.limit = limit
            self.onChunk = onChunk
        }

        func append(_ bytes: UnsafeRawBufferPointer) -> Bool {
            guard body.count + bytes.count <= limit else {
                overflowed = true
                return false
            }
            body.append(contentsOf: bytes)
            onChunk?(Data(bytes))
            return true
        }

        func header(_ bytes: UnsafeRawBufferPointer) {
            let line = String(decoding: bytes, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            if line.hasPrefix("HTTP/") { headers = [:] }  // a new response (after 100-continue)
            guard let colon = line.firstIndex(of: ":") else { return }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
    }
}

extension HTTPClient {
    /// The same exchange for async callers: curl blocks, so it runs on a thread of its own and
    /// never on Swift's cooperative pool (where two blocked requests would stall everything).
    public static func perform(_ request: HTTPRequest) async -> Result<HTTPResponse, TransportFailure> {
        await withCheckedContinuation { continuation in
            let thread = Thread { continuation.resume(returning: perform(request)) }
            thread.name = "creative-http"
            thread.start()
        }
    }
}
