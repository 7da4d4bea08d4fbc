import CCrypt
import Foundation

/// The `contentHash` of media bytes: `sha256:` and 64 lower-case hex digits (OpenSSL's SHA-256).
public enum ContentHash {
    public static func of(_ data: Data) -> String {
        var digest = [UInt8](repeating: 0, count: 32)
        var length: UInt32 = 0
        let ok = data.withUnsafeBytes { raw in
            EVP_Digest(raw.baseAddress, raw.count, &digest, &length, EVP_sha256(), nil) == 1
        }
        precondition(ok && length == 32, "OpenSSL's SHA-256 failed")
        return "sha256:" + digest.map { byte in String(format: "%02x", byte) }.joined()
    }

    public static func isValid(_ hash: String) -> Bool {
        hash.utf8.count == 71 && hash.hasPrefix("sha256:") && hash.utf8.dropFirst(7).allSatisfy { (48...57).contains($0) || (97...102).contains($0) }
    }
}
