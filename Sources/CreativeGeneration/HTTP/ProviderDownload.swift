import CreativeCatalog
import Foundation

/// Fetches a URL a provider handed back (an image or video to download). Such a URL is data from
/// the network, so it may only lead to the public internet: https (http only to the configured
/// base URL's own origin), the address curl connects to checked against loopback, private,
/// link-local and metadata ranges unless the host is the configured base host, at most
/// ``maxRedirects`` redirects, each judged the same way.
public enum ProviderDownload {
    public static let maxRedirects = 3

    /// - Parameters:
    ///   - base: the provider's configured base URL (a local server there is the user's choice).
    ///   - allowedHosts: judges a host name before anything is sent (the provider's own hosts).
    ///   - saveTo: a file to write the body to as it arrives (then the Data returned is empty).
    public static func fetch(
        _ url: String, base: String, provider: String, allowedHosts: (String) -> Bool, timeout: Double, maxBytes: Int, policy: RetryPolicy,
        saveTo: String? = nil
    ) async throws(CreativeError) -> Data {
        var current = url
        for _ in 0...maxRedirects {
            var request = HTTPRequest(method: "GET", url: current)
            (request.timeout, request.maxResponseBytes, request.saveTo) = (timeout, maxBytes, saveTo)
            request.publicAddressesOnly = try judge(current, base: base, provider: provider, allowedHosts: allowedHosts)
            let response = try await ProviderHTTP.send(request, provider: provider, keyVariable: nil, policy: policy, redirects: true)
            guard (300..<400).contains(response.status), let location = response.headers["location"] else { return response.body }
            guard let next = URL(string: location, relativeTo: URL(string: current))?.absoluteString else {
                throw CreativeError(.providerError, "\(provider) redirected a download to an address that is not a URL; nothing was fetched.")
            }
            current = next
        }
        throw CreativeError(.providerError, "\(provider) redirected a download more than \(maxRedirects) times; it was not fetched.")
    }

    /// Refuses a URL outright, or says whether its connection must be to a public address.
    static func judge(_ url: String, base: String, provider: String, allowedHosts: (String) -> Bool) throws(CreativeError) -> Bool {
        guard let target = URL(string: url), let scheme = target.scheme?.lowercased(), let host = target.host?.lowercased(), !host.isEmpty else {
            throw CreativeError(.providerError, "\(provider) answered with a download URL that cannot be read; nothing was fetched.")
        }
        let configured = URL(string: base)
        let baseHost = configured?.host?.lowercased()
        let sameOrigin =
            scheme == configured?.scheme?.lowercased() && host == baseHost && (target.port ?? defaultPort(scheme)) == (configured?.port ?? defaultPort(scheme))
        guard scheme == "https" || (scheme == "http" && sameOrigin) else {
            throw CreativeError(.providerError, "\(provider) answered with a \(scheme) download URL; only https is fetched (http only from its base URL).")
        }
        guard host == baseHost || allowedHosts(host) else {
            throw CreativeError(.providerError, "\(provider) answered with a download URL on an unexpected host (\(host)); nothing was fetched.")
        }
        // A proxy resolves names itself and is the user's own choice: the address to check is its.
        let proxied = ["https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"].contains { ProcessInfo.processInfo.environment[$0]?.isEmpty == false }
        return host != baseHost && !proxied
    }

    private static func defaultPort(_ scheme: String) -> Int { scheme == "https" ? 443 : 80 }
}
