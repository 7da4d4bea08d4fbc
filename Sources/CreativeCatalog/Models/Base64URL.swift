import Foundation

/// base64url without padding (RFC 4648 §5): list cursors and session cookies, which travel in
/// URLs, JSON and cookies without escaping.
extension Data {
    package func base64URLEncodedString() -> String {
        String(
            decoding: base64EncodedString().utf8.compactMap { byte -> UInt8? in
                switch byte {
                case UInt8(ascii: "+"): UInt8(ascii: "-")
                case UInt8(ascii: "/"): UInt8(ascii: "_")
                case UInt8(ascii: "="): nil
                default: byte
                }
            }, as: UTF8.self)
    }

    /// nil when `text` is not base64url.
    package init?<S: StringProtocol>(base64URLEncoded text: S) {
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
        self.init(base64Encoded: base64)
    }
}
