import CreativeCatalog
import Foundation
import HTTPTypes
import Hummingbird
import Synchronization

/// Browser sessions in token mode: the sign-in page exchanges a token for a random session id in
/// an HttpOnly, SameSite=Strict cookie. Sessions live in memory; a restart signs everyone out.
final class Sessions: Sendable {
    static let cookie = "creative_session"
    /// Twelve hours.
    static let lifetime: TimeInterval = 12 * 3600

    private let sessions = Mutex<[String: (user: String, expires: Date)]>([:])

    /// A new session for the user; its id is what the cookie carries.
    func start(user: String) -> String {
        var bytes = [UInt8](repeating: 0, count: 32)
        for i in bytes.indices { bytes[i] = UInt8.random(in: 0...255) }
        let id = bytes.map { String(format: "%02x", $0) }.joined()
        let now = Date()
        sessions.withLock { all in
            all = all.filter { $0.value.expires > now }
            all[id] = (user, now.addingTimeInterval(Self.lifetime))
        }
        return id
    }

    func end(_ id: String) {
        _ = sessions.withLock { $0.removeValue(forKey: id) }
    }

    /// The user of a live session.
    func user(_ id: String) -> String? {
        sessions.withLock { all in
            guard let session = all[id], session.expires > Date() else { return nil }
            return session.user
        }
    }

    /// The session id a request's cookie names.
    static func id(in request: Request) -> String? {
        for header in request.headers[values: .cookie] {
            for pair in header.split(separator: ";") {
                let parts = pair.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
                if parts.count == 2, parts[0] == cookie { return parts[1] }
            }
        }
        return nil
    }

    static func setCookie(_ id: String, secure: Bool) -> String {
        "\(cookie)=\(id); Path=/; HttpOnly; SameSite=Strict; Max-Age=\(Int(lifetime))" + (secure ? "; Secure" : "")
    }

    static let clearCookie = "\(cookie)=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0"
}

/// Headers on every answer: nothing frames them and files are never sniffed into another type;
/// pages run only this server's scripts.
struct SecurityHeadersMiddleware: RouterMiddleware {
    typealias Context = APIContext
    static let policy =
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; media-src 'self'; connect-src 'self'; "
        + "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

    static let frameOptions = HTTPField.Name("X-Frame-Options")!
    static let referrerPolicy = HTTPField.Name("Referrer-Policy")!

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response = try await next(request, context)
        // Pages get the gallery's policy; media keep their own (an SVG is sandboxed).
        if response.headers[.contentSecurityPolicy] == nil, response.headers[.contentType]?.hasPrefix("text/html") == true {
            response.headers[.contentSecurityPolicy] = Self.policy
        }
        response.headers[Self.frameOptions] = "DENY"
        response.headers[.xContentTypeOptions] = "nosniff"
        response.headers[Self.referrerPolicy] = "same-origin"
        return response
    }
}
