import CreativeCatalog
import Foundation
import HTTPTypes
import Hummingbird

/// The request context every route sees: who is asking, how bodies are read and how answers
/// are written.
public struct APIContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The acting user, set by the auth middleware.
    public var userId = "local"

    /// The peer's IP address as the socket says (a trusted proxy's header may say otherwise; see
    /// ``APIConfiguration/client(of:peer:)``).
    public var peer: String?

    public init(source: Source) {
        coreContext = .init(source: source)
        peer = source.channel.remoteAddress?.ipAddress
    }

    /// Largest request body (bytes); larger ones answer 413 `too_large`.
    public var maxUploadSize: Int { 1024 * 1024 }
    public var requestDecoder: RequestBodyDecoder { RequestBodyDecoder() }
    /// The engine's JSON: sorted keys, timestamps in whole milliseconds.
    public var responseEncoder: JSONEncoder { Self.encoder }

    private static let encoder = JSONCoding.encoder(pretty: false)
}

/// Who may call the API. Zero-config: loopback only, single user `local`, no token. With
/// tokens (from the environment or a hashed tokens file), every request needs one; binding
/// beyond loopback requires them.
public struct APIConfiguration: Sendable {
    public var host = "127.0.0.1"
    public var port = 8080
    /// Bearer token → user id, from CREATIVE_API_TOKENS.
    public var tokens: [String: String] = [:]
    /// Hashed tokens from a file outside the library (`creative token add`).
    public var tokenFile: TokenFile?
    /// Generation requests (POSTs that make jobs) each user may send per minute; nil: no limit.
    public var generationsPerMinute: Int?
    /// Whether the engine serving with this API has finished its start-up pass (/healthz `ready`).
    public var isReady: @Sendable () -> Bool = { true }
    /// What /healthz reports as degraded (a full disk), nil when all is well.
    public var degraded: @Sendable () -> String? = { nil }
    /// Believe X-Forwarded-For and X-Forwarded-Proto (set by the TLS proxy in front).
    public var trustProxy = false
    /// Leave `Secure` off session cookies even when bound beyond loopback (plain HTTP on a LAN).
    public var insecureCookies = false
    /// Connections, timeouts and upload budget.
    public var limits = ServerLimits()

    public init() {}

    /// Tokens from CREATIVE_API_TOKENS (`token:user,token:user`), never from the library.
    public static func tokens(from env: [String: String]) throws(CreativeError) -> [String: String] {
        guard let text = env["CREATIVE_API_TOKENS"], !text.isEmpty else { return [:] }
        var tokens: [String: String] = [:]
        for pair in text.split(separator: ",") {
            let parts = pair.split(separator: ":", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2, parts[0].count >= 16 else {
                throw .invalid(
                    "CREATIVE_API_TOKENS", "CREATIVE_API_TOKENS must be token:user pairs separated by commas, with tokens of at least 16 characters.")
            }
            tokens[parts[0]] = try Validation.userId(parts[1])
        }
        return tokens
    }

    var isLoopback: Bool { ["127.0.0.1", "::1", "localhost"].contains(host) }

    /// Whether requests must carry a bearer token: decided when the router is built (see
    /// ``fixingTokenMode()``), so a tokens file emptied while the server runs refuses everyone
    /// rather than turning the server into the zero-config, no-token mode.
    var requiresTokens: Bool { tokenMode ?? (!tokens.isEmpty || !(tokenFile?.isEmpty ?? true)) }
    private var tokenMode: Bool?

    /// This configuration with its token mode fixed as it is now.
    func fixingTokenMode() -> APIConfiguration {
        var fixed = self
        fixed.tokenMode = requiresTokens
        return fixed
    }

    /// The client's address: the socket's peer, or behind a trusted proxy the address the proxy
    /// appended last to X-Forwarded-For (earlier entries are the client's own word).
    func client(of request: Request, peer: String?) -> String {
        if trustProxy, let forwarded = request.headers[values: HTTPField.Name("X-Forwarded-For")!].last,
            let last = forwarded.split(separator: ",").last?.trimmingCharacters(in: .whitespaces), !last.isEmpty
        {
            return last
        }
        return peer ?? "unknown"
    }

    /// Whether a session cookie gets `Secure`: the request came through a trusted TLS proxy, or
    /// the server is reachable from other machines (unless --insecure-cookies).
    func secureCookies(_ request: Request) -> Bool {
        if trustProxy, request.headers[HTTPField.Name("X-Forwarded-Proto")!]?.lowercased() == "https" { return true }
        return !isLoopback && !insecureCookies
    }

    /// Refuses to expose the library beyond this machine without tokens.
    public func check() throws(CreativeError) {
        if !isLoopback && !requiresTokens {
            throw .invalid(
                "host", "Binding \(host) without tokens would let anyone on the network use this library; set CREATIVE_API_TOKENS or bind 127.0.0.1.")
        }
        if let perMinute = generationsPerMinute, perMinute < 1 {
            throw .invalid("rate-limit", "--rate-limit is generation requests per minute per user and must be at least 1.")
        }
    }
}

/// Maps a bearer token (or, for the gallery, a session cookie) to its user; in zero-config
/// loopback mode accepts only loopback Host names, so a web page cannot reach the API through DNS
/// rebinding. A write whose Origin is another site is refused in every mode.
struct AuthMiddleware: RouterMiddleware {
    typealias Context = APIContext
    let configuration: APIConfiguration
    let credentials: Credentials

    /// Liveness, the API's own documentation, the sign-in page and what it needs. /metrics (job
    /// counts, costs, routes) is guarded like the API itself.
    static func isPublic(_ path: String) -> Bool {
        ["/healthz", "/openapi.json", "/favicon.ico", "/signin"].contains(path) || path.hasPrefix("/schemas/") || path.hasPrefix("/static/")
    }

    /// A refused credential is answered after this pause: a guesser's connection waits, the
    /// server holds only a sleeping task.
    static let refusalDelay = Duration.milliseconds(500)

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        let path = request.uri.path
        if ![.get, .head].contains(request.method), let origin = request.headers[.origin], !Self.sameOrigin(origin, request.head.authority) {
            return APIError.response(CreativeError(.invalidInput, "A write from another site (Origin \(origin)) is refused."), status: .forbidden)
        }
        if Self.isPublic(path) { return try await next(request, context) }
        if !configuration.requiresTokens {
            let host = (request.head.authority ?? "").lowercased()
            let name = host.hasPrefix("[") ? String(host.prefix { $0 != "]" }.dropFirst()) : String(host.split(separator: ":").first ?? "")
            guard ["127.0.0.1", "localhost", "::1"].contains(name) else {
                return APIError.response(
                    CreativeError(.invalidInput, "This engine answers loopback names only (localhost, 127.0.0.1); set tokens to serve other hosts."),
                    status: .forbidden)
            }
            context.userId = "local"
            return try await next(request, context)
        }
        let header = request.headers[.authorization] ?? ""
        if header.isEmpty, let cookie = Sessions.id(in: request), let user = await credentials.session(cookie) {
            context.userId = user
            return try await next(request, context)
        }
        if header.hasPrefix("Bearer ") {
            switch await credentials.authenticate(String(header.dropFirst(7)), client: configuration.client(of: request, peer: context.peer)) {
            case .user(let match):
                context.userId = match.user
                return try await next(request, context)
            case .limited(let seconds):
                return await Self.limited(seconds)
            case .refused:
                try? await Task.sleep(for: Self.refusalDelay)
            }
        } else if request.method == .get && !path.hasPrefix("/api/") && path != "/metrics" {
            // A gallery page: the browser signs in first.
            return Response(status: .seeOther, headers: [.location: "/signin"])
        }
        return APIError.response(CreativeError(.invalidInput, "A valid bearer token is required (Authorization: Bearer …)."), status: .unauthorized)
    }

    /// 429 with Retry-After for a client past its failed-credential budget, after the pause.
    static func limited(_ seconds: Int) async -> Response {
        try? await Task.sleep(for: refusalDelay)
        var response = APIError.response(
            CreativeError(.rateLimited, "Too many wrong tokens from this address; try again in \(seconds) s."), status: .tooManyRequests)
        response.headers[.retryAfter] = "\(seconds)"
        return response
    }

    /// Whether an Origin header (`http://host:port`) names the host the request was sent to.
    static func sameOrigin(_ origin: String, _ authority: String?) -> Bool {
        guard let authority, let range = origin.range(of: "://") else { return false }
        return origin[range.upperBound...].lowercased() == authority.lowercased()
    }
}
