import CreativeCatalog
import Foundation
import Hummingbird

/// The request context every route sees: who is asking, how bodies are read and how answers
/// are written.
public struct APIContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The acting user, set by the auth middleware.
    public var userId = "local"

    public init(source: Source) {
        coreContext = .init(source: source)
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

    /// Whether requests must carry a bearer token.
    var requiresTokens: Bool { !tokens.isEmpty || !(tokenFile?.isEmpty ?? true) }

    /// The user a bearer token belongs to.
    func user(for token: String) -> String? {
        tokens[token] ?? tokenFile?.user(for: token)
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
    let sessions: Sessions

    /// Liveness, the API's own documentation, the sign-in page and what it needs. /metrics (job
    /// counts, costs, routes) is guarded like the API itself.
    static func isPublic(_ path: String) -> Bool {
        ["/healthz", "/openapi.json", "/favicon.ico", "/signin"].contains(path) || path.hasPrefix("/schemas/") || path.hasPrefix("/static/")
    }

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
        } else {
            let header = request.headers[.authorization] ?? ""
            if header.hasPrefix("Bearer "), let user = configuration.user(for: String(header.dropFirst(7))) {
                context.userId = user
            } else if header.isEmpty, let session = Sessions.id(in: request), let user = sessions.user(session) {
                context.userId = user
            } else if request.method == .get && !path.hasPrefix("/api/") && path != "/metrics" {
                // A gallery page: the browser signs in first.
                return Response(status: .seeOther, headers: [.location: "/signin"])
            } else {
                return APIError.response(CreativeError(.invalidInput, "A valid bearer token is required (Authorization: Bearer …)."), status: .unauthorized)
            }
        }
        return try await next(request, context)
    }

    /// Whether an Origin header (`http://host:port`) names the host the request was sent to.
    static func sameOrigin(_ origin: String, _ authority: String?) -> Bool {
        guard let authority, let range = origin.range(of: "://") else { return false }
        return origin[range.upperBound...].lowercased() == authority.lowercased()
    }
}
