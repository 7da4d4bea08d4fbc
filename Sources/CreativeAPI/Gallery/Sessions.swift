import CreativeCatalog
import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import Synchronization

/// Browser sessions in token mode: the sign-in page exchanges a token for a signed cookie
/// (HttpOnly, SameSite=Strict) that names the user, when it expires and which token it came from.
/// Signed with a key derived from the install's key (0600, outside the library), a session
/// survives a restart, ends at its expiry, and ends as soon as its token is removed.
final class Sessions: Sendable {
    static let cookie = "creative_session"
    /// Twelve hours.
    static let lifetime: TimeInterval = 12 * 3600

    struct Session: Equatable {
        var user: String
        var tag: String
        var expires: Int
        /// The signature, as bytes: what a signed-out session is remembered by (two spellings
        /// of one base64 value are one session).
        var mac: Data
    }

    private let key: SymmetricKey
    /// Signed-out sessions (by signature) until they expire: a copy taken before sign-out stops
    /// working too.
    private let ended = Mutex<[Data: Int]>([:])

    init(key: SymmetricKey) {
        self.key = HKDF<SHA256>.deriveKey(inputKeyMaterial: key, info: Data("creative sessions v1".utf8), outputByteCount: 32)
    }

    /// A new signed session for the token entry `match`; the value is what the cookie carries.
    func start(_ match: TokenFile.Match, now: Date = Date()) -> String {
        let payload = "1|\(match.user)|\(Int(now.timeIntervalSince1970 + Self.lifetime))|\(match.tag)"
        return Data(payload.utf8).base64URLEncodedString() + "."
            + Data(HMAC<SHA256>.authenticationCode(for: Data(payload.utf8), using: key)).base64URLEncodedString()
    }

    func end(_ cookie: String) {
        guard let session = verify(cookie) else { return }
        let now = Int(Date().timeIntervalSince1970)
        ended.withLock { ended in
            ended = ended.filter { $0.value > now }
            ended[session.mac] = session.expires
        }
    }

    /// The session a cookie value carries, when its signature holds and it has not expired.
    func verify(_ cookie: String, now: Date = Date()) -> Session? {
        let parts = cookie.split(separator: ".", omittingEmptySubsequences: false)
        guard cookie.utf8.count <= 512, parts.count == 2, let payload = Data(base64URLEncoded: parts[0]), let mac = Data(base64URLEncoded: parts[1]),
            HMAC<SHA256>.isValidAuthenticationCode(mac, authenticating: payload, using: key)
        else { return nil }
        let fields = String(decoding: payload, as: UTF8.self).split(separator: "|", omittingEmptySubsequences: false).map(String.init)
        guard fields.count == 4, fields[0] == "1", let expires = Int(fields[2]), expires > Int(now.timeIntervalSince1970) else { return nil }
        guard ended.withLock({ $0[mac] }) == nil else { return nil }
        return Session(user: fields[1], tag: fields[3], expires: expires, mac: mac)
    }

    /// The session cookie a request carries.
    static func id(in request: Request) -> String? {
        for header in request.headers[values: .cookie] {
            for pair in header.split(separator: ";") {
                let parts = pair.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
                if parts.count == 2, parts[0] == cookie { return parts[1] }
            }
        }
        return nil
    }

    static func setCookie(_ value: String, secure: Bool) -> String {
        "\(cookie)=\(value); Path=/; HttpOnly; SameSite=Strict; Max-Age=\(Int(lifetime))" + (secure ? "; Secure" : "")
    }

    static func clearCookie(secure: Bool) -> String {
        "\(cookie)=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0" + (secure ? "; Secure" : "")
    }
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
