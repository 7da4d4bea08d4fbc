import CreativeAPI
import CreativeCatalog
import CreativeGeneration
import Foundation
import Synchronization
import Testing

/// The gallery's server side over real HTTP: the event stream, escaping, sign-in and Origin
/// checks, and the REST routes its script uses. The pages in a browser: Tests/Browser.
@Suite("Gallery")
struct GalleryTests {
    typealias Client = APITests.Client
    static let alice = "alice-token-0123456789abcdef"
    static let bob = "bob-token-0123456789abcdef01"

    @Test func theEventStreamCarriesTheUsersChangesOnly() async throws {
        let lib = try TempLibrary()
        try await APITests.withAPI(lib, tokens: [Self.alice: "alice", Self.bob: "bob"]) { base in
            let received = Mutex(Data())
            var request = HTTPRequest(method: "GET", url: base + "/api/creative/events", headers: [("Authorization", "Bearer \(Self.alice)")])
            request.timeout = 60
            request.onChunk = { chunk in received.withLock { $0.append(chunk) } }
            let stream = Task { await HTTPClient.perform(request) }
            defer { stream.cancel() }
            func text() -> String { received.withLock { String(decoding: $0, as: UTF8.self) } }
            #expect(await eventually { text().contains(": connected") })

            let bobs = try lib.savePNG(user: "bob", title: "Bob's")
            let mine = try lib.savePNG(title: "Mine")
            #expect(await eventually { text().contains(mine) }, "\(text())")
            #expect(text().contains("event: asset\ndata: {\"change\":\"stored\",\"id\":\"\(mine)\"}"))
            _ = try lib.assets.deleteAsset(mine, userId: "alice")
            #expect(await eventually { text().contains("{\"change\":\"removed\",\"id\":\"\(mine)\"}") })
            // A job's progress comes as the job itself.
            let queued = try await Generation(library: lib.library).submit(GenerationRequest(kind: .image, prompt: "a kite"), userId: "alice")
            #expect(await eventually { text().contains("event: job\ndata: {") && text().contains(queued.id) })
            #expect(!text().contains(bobs))
            // Without a token there is no stream.
            let anonymous = await Client(base: base).call("GET", "/api/creative/events")
            #expect(anonymous.status == 401)
        }
    }

    @Test func pagesEscapeWhatTheLibrarySays() async throws {
        let lib = try TempLibrary()
        let hostile = "<script>alert(1)</script>\"><img src=x onerror=alert(2)>"
        let image = try lib.savePNG(user: "local", title: hostile) { $0.prompt = hostile }
        var text = AssetInput(media: .bytes(Data("<b>bold</b> & <script>x()</script>".utf8), fileName: "c.md"))
        text.title = "Notes"
        let note = try lib.assets.saveAsset(userId: "local", asset: text).assetId
        try await APITests.withAPI(lib) { base in
            let api = Client(base: base)
            for path in ["/", "/assets/\(image)", "/cards/\(image)", "/assets/\(note)"] {
                let page = await api.call("GET", path)
                let html = String(decoding: page.body, as: UTF8.self)
                #expect(page.status == 200 && page.headers["content-type"]?.hasPrefix("text/html") == true, "\(path)")
                #expect(!html.contains("<script>alert") && !html.contains("<img src=x") && !html.contains("<script>x()"), "\(path)")
                #expect(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;") || html.contains("&lt;script&gt;x()"), "\(path)")
            }
            let page = await api.call("GET", "/")
            #expect(page.headers["content-security-policy"]?.contains("script-src 'self'") == true && page.headers["x-frame-options"] == "DENY")
            // Only this server's script, from a file: no inline script or handler anywhere.
            let html = String(decoding: page.body, as: UTF8.self)
            #expect(html.contains("<script src=\"/static/gallery.js\" defer></script>") && !html.contains("<script>") && !html.contains(" onclick="))
            #expect(await api.call("GET", "/static/gallery.js").headers["content-type"]?.hasPrefix("text/javascript") == true)
            #expect(await api.call("GET", "/favicon.ico").status == 200)
            #expect(await api.call("GET", "/static/..%2FPackage.swift").status == 404)
            #expect(await api.call("GET", "/assets/01M88XERMRTVXY3NE28XSPVP6P").status == 404)
        }
    }

    @Test func signInGivesAStrictCookieAndWritesFromOtherSitesAreRefused() async throws {
        let lib = try TempLibrary()
        let mine = try lib.savePNG(title: "Alice's")
        _ = try lib.savePNG(user: "bob", title: "Bob's secret")
        try await APITests.withAPI(lib, tokens: [Self.alice: "alice", Self.bob: "bob"]) { base in
            let anonymous = Client(base: base)
            let first = await anonymous.call("GET", "/")
            #expect(first.status == 303 && first.headers["location"] == "/signin")
            #expect(await anonymous.call("GET", "/signin").status == 200)
            let form = "application/x-www-form-urlencoded"
            #expect(await anonymous.call("POST", "/signin", json: "token=wrong-token-0000000000", contentType: form).status == 401)
            let signedIn = await anonymous.call("POST", "/signin", json: "token=\(Self.alice)", contentType: form)
            let cookie = try #require(signedIn.headers["set-cookie"])
            #expect(signedIn.status == 303 && cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict") && cookie.hasPrefix("creative_session="))
            let session = String(cookie.prefix { $0 != ";" })
            let page = await anonymous.call("GET", "/", headers: [("Cookie", session)])
            let html = String(decoding: page.body, as: UTF8.self)
            #expect(page.status == 200 && html.contains("data-asset-id=\"\(mine)\"") && !html.contains("Bob&#39;s secret") && !html.contains("Bob's secret"))

            let favorite = "/api/creative/asset/\(mine)/favorite"
            let evil = await anonymous.call("POST", favorite, headers: [("Cookie", session), ("Origin", "http://evil.example")])
            #expect(evil.status == 403)
            let same = await anonymous.call("POST", favorite, headers: [("Cookie", session), ("Origin", base)])
            #expect(same.status == 200 && same.json["isFavorite"] as? Bool == true)
            // Loopback mode checks Origin too: a page elsewhere cannot write through the browser.
            let out = await anonymous.call("POST", "/signout", headers: [("Cookie", session), ("Origin", base)])
            #expect(out.status == 303 && out.headers["set-cookie"]?.contains("Max-Age=0") == true)
            #expect(await anonymous.call("GET", "/", headers: [("Cookie", session)]).status == 303)
        }
        try await APITests.withAPI(lib) { base in
            let write = await Client(base: base).call("DELETE", "/api/creative/asset/\(mine)", headers: [("Origin", "http://evil.example")])
            #expect(write.status == 403 && write.code == "invalid_input")
        }
    }

    @Test func trashRestoreJobsAndCancelOverREST() async throws {
        let lib = try TempLibrary()
        let id = try lib.savePNG(user: "local", title: "Keep me")
        try await APITests.withAPI(lib) { base in
            let api = Client(base: base)
            #expect(await api.call("DELETE", "/api/creative/asset/\(id)").status == 200)
            let trash = await api.call("GET", "/api/creative/trash")
            #expect((trash.json["items"] as? [[String: Any]])?.map { $0["id"] as? String } == [id])
            #expect(await api.call("POST", "/api/creative/asset/\(id)/restore").status == 200)
            #expect(await api.call("GET", "/api/creative/asset/\(id)").status == 200)
            #expect(await api.call("POST", "/api/creative/asset/\(id)/restore").status == 404)
            #expect((await api.call("GET", "/api/creative/trash").json["items"] as? [Any])?.isEmpty == true)

            // The gallery's upload: raw bytes and a name.
            let uploaded = await api.call("POST", "/api/creative/asset/upload?name=black%20square.png", json: "", contentType: "image/png")
            #expect(uploaded.code == "invalid_media" || uploaded.status == 400)
            var request = HTTPRequest(method: "POST", url: base + "/api/creative/asset/upload?name=black%20square.png", body: Fixtures.png)
            request.headers.append(("Content-Type", "image/png"))
            guard case .success(let response) = await HTTPClient.perform(request) else { Issue.record("upload failed"); return }
            let saved = try #require(try JSONSerialization.jsonObject(with: response.body) as? [String: Any])
            let newId = try #require(saved["assetId"] as? String)
            let asset = try #require(try lib.assets.getAsset(newId, userId: "local"))
            #expect(response.status == 201 && asset.source == .uploaded && asset.title == "black square" && asset.width == 48)
            #expect(await api.call("POST", "/api/creative/asset/upload", json: "x", contentType: "text/plain").code == "invalid_input")
            #expect(await api.call("POST", "/api/creative/asset/upload?name=..%2Fx.png", json: "x", contentType: "text/plain").code == "invalid_input")

            // Queued (no worker runs here), cancelled once, then a conflict.
            let queued = await api.call("POST", "/api/creative/image/generate", json: #"{"prompt": "a kite"}"#)
            let jobId = try #require(queued.json["jobId"] as? String)
            let jobs = await api.call("GET", "/api/creative/jobs?status=queued")
            #expect((jobs.json["items"] as? [[String: Any]])?.first?["id"] as? String == jobId)
            let cancelled = await api.call("POST", "/api/creative/job/\(jobId)/cancel")
            #expect(cancelled.status == 200 && cancelled.json["status"] as? String == "cancelled")
            #expect(await api.call("POST", "/api/creative/job/\(jobId)/cancel").code == "conflict")
            #expect(await api.call("GET", "/api/creative/jobs?status=done").code == "invalid_input")
            let page = String(decoding: await api.call("GET", "/jobs").body, as: UTF8.self)
            #expect(page.contains("data-job-id=\"\(jobId)\"") && page.contains("cancelled"))
        }
    }
}
