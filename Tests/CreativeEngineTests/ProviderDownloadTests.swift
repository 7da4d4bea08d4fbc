import CreativeCatalog
import CreativeGeneration
import Foundation
import Testing

/// URLs a provider hands back lead to the public internet only: https, no address of this
/// machine or its networks (judged on the address curl connects to), a few redirects at most.
@Suite("Provider downloads")
struct ProviderDownloadTests {
    /// Serves the PNG at /files/fox.png, redirects /r/N to /r/N-1 (then to the PNG), and /away to
    /// `away(port)`.
    static func server(away: @escaping @Sendable (String) -> String = { _ in "" }) throws -> FakeProviderServer {
        try FakeProviderServer { request, _ in
            let port = String(request.headers["host"]?.split(separator: ":").last ?? "")
            if request.path == "/files/fox.png" { return .init(status: 200, headers: ["Content-Type": "image/png"], body: Fixtures.png) }
            if request.path == "/away" { return .init(status: 302, headers: ["Location": away(port)]) }
            if request.path.hasPrefix("/r/"), let n = Int(request.path.dropFirst(3)) {
                return .init(status: 302, headers: ["Location": n > 1 ? "/r/\(n - 1)" : "/files/fox.png"])
            }
            return .json(404, ["error": ["message": "no such file"]])
        }
    }

    static func fetch(_ url: String, _ server: FakeProviderServer, anyHost: Bool = false) async throws(CreativeError) -> Data {
        try await ProviderDownload.fetch(
            url, base: server.baseURL + "/v1", provider: "OpenAI", allowedHosts: { _ in anyHost }, timeout: 5, maxBytes: 1 << 20, policy: ProviderTests.fast)
    }

    @Test func theBaseURLsOwnOriginIsFetchedAndRedirectsAreCapped() async throws {
        let server = try Self.server()
        #expect(try await Self.fetch(server.baseURL + "/files/fox.png", server) == Fixtures.png)
        #expect(try await Self.fetch(server.baseURL + "/r/3", server) == Fixtures.png)
        let tooMany = await expectError(.providerError) { try await Self.fetch(server.baseURL + "/r/4", server) }
        #expect(tooMany?.message.contains("more than 3 times") == true)
        #expect(server.requests.filter { $0.path.hasPrefix("/r/4") }.count == 1)
    }

    @Test func otherSchemesHostsAndPrivateAddressesAreRefused() async throws {
        let server = try Self.server { port in "https://localhost:\(port)/files/fox.png" }
        // http to anything but the base URL's origin: refused before any connection.
        let http = await expectError(.providerError) { try await Self.fetch("http://localhost:\(server.port)/files/fox.png", server, anyHost: true) }
        #expect(http?.message.contains("only https is fetched") == true)
        // A host the provider does not use.
        let host = await expectError(.providerError) { try await Self.fetch("https://images.example/fox.png", server) }
        #expect(host?.message.contains("unexpected host (images.example)") == true)
        // A name that resolves to this machine: refused at the socket, before anything is sent.
        let before = server.requests.count
        let local = await expectError(.providerError) { try await Self.fetch("https://localhost:\(server.port)/files/fox.png", server, anyHost: true) }
        #expect(local?.message.contains("private network") == true, "\(local?.message ?? "")")
        // The same through a redirect from the base host: each hop is judged again.
        let redirected = await expectError(.providerError) { try await Self.fetch(server.baseURL + "/away", server, anyHost: true) }
        #expect(redirected?.message.contains("private network") == true)
        #expect(server.requests.count == before + 1, "only the redirect itself reached the server")
        for (url, name) in [("https://10.1.2.3/x.png", "10/8"), ("https://169.254.169.254/latest/meta-data", "metadata"), ("https://[::1]/x.png", "::1")] {
            let refused = await expectError(.providerError) { try await Self.fetch(url, server, anyHost: true) }
            #expect(refused?.message.contains("private network") == true, "\(name): \(refused?.message ?? "")")
        }
    }

    @Test func anImageThatCanCarryScriptIsNotSaved() async throws {
        let svg = #"<svg xmlns="http://www.w3.org/2000/svg"><script>fetch('/api/creative/assets')</script></svg>"#
        let server = try FakeProviderServer { _, _ in .json(200, ["created": 1, "data": [["b64_json": Data(svg.utf8).base64EncodedString()]]]) }
        let lib = try TempLibrary()
        let runner = JobRunner(library: lib.library, workers: 1, lease: 30, environment: ProviderTests.env(server), retryPolicy: ProviderTests.fast)
        var request = GenerationRequest(kind: .image, prompt: "a fox")
        request.model = "dall-e-3"
        let job = try await Generation(library: lib.library, runner: runner).submit(request, userId: "alice")
        let ended = try await runner.runNow(job.id)
        #expect(ended.status == .failed && ended.errorMessage?.contains("not a PNG, JPEG, WebP or GIF image") == true, "\(ended.errorMessage ?? "")")
        #expect(try lib.assets.find(job.id, userId: "alice") == nil)
    }
}
