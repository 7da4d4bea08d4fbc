import CreativeAPI
import CreativeCatalog
import CreativeDaemon
import CreativeGeneration
import CreativeLibraries
import Foundation
import Logging
import ServiceLifecycle
import Synchronization
import Testing

/// The REST API over real HTTP on 127.0.0.1 (port 0, read when the server runs), built by the
/// same buildApplication that `creative serve` runs, and shut down through a ServiceGroup.
@Suite("REST API")
struct APITests {
    struct Reply {
        var status: Int
        var headers: [String: String]
        var body: Data
        var json: [String: Any] { (try? JSONSerialization.jsonObject(with: body) as? [String: Any]) ?? [:] }
        var code: String? { (json["error"] as? [String: Any])?["code"] as? String }
        var retryAfter: String? { headers["retry-after"] }
    }

    struct Client {
        var base: String
        var token: String?

        func call(
            _ method: String, _ path: String, json: String? = nil, contentType: String = "application/json",
            headers: [(String, String)] = []
        ) async -> Reply {
            var request = HTTPRequest(method: method, url: base + path, headers: headers, body: json.map { Data($0.utf8) })
            if json != nil { request.headers.append(("Content-Type", contentType)) }
            if let token { request.headers.append(("Authorization", "Bearer \(token)")) }
            switch await HTTPClient.perform(request) {
            case .success(let r): return Reply(status: r.status, headers: r.headers, body: r.body)
            case .failure(let f): return Reply(status: 0, headers: [:], body: Data("\(f)".utf8))
            }
        }
    }

    static func withAPI(
        _ lib: TempLibrary, tokens: [String: String] = [:], tokenFile: TokenFile? = nil,
        generationsPerMinute: Int? = nil, environment: ProviderEnvironment = ProviderEnvironment([:]),
        isReady: @escaping @Sendable () -> Bool = { true }, configure: (inout APIConfiguration) -> Void = { _ in },
        _ body: @escaping (String) async throws -> Void
    ) async throws {
        var configuration = APIConfiguration()
        (configuration.port, configuration.tokens, configuration.tokenFile) = (0, tokens, tokenFile)
        (configuration.generationsPerMinute, configuration.isReady) = (generationsPerMinute, isReady)
        configure(&configuration)
        let (ports, portSink) = AsyncStream.makeStream(of: Int.self)
        let runner = JobRunner(library: lib.library, workers: 1, lease: 30, environment: environment)
        // Request lines are logged at info; the tests keep warnings and errors only.
        var logger = Logger(label: "creative.api")
        logger.logLevel = .warning
        let app = try buildApplication(library: lib.library, configuration: configuration, runner: runner, logger: logger) { port in portSink.yield(port) }
        let group = ServiceGroup(configuration: .init(services: [.init(service: app)], logger: Logger(label: "test")))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            var iterator = ports.makeAsyncIterator()
            let port = await iterator.next() ?? 0
            do {
                try await body("http://127.0.0.1:\(port)")
            } catch {
                await group.triggerGracefulShutdown()
                throw error
            }
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
    }

    @Test func assetEndpoints() async throws {
        let lib = try TempLibrary()
        let mine = try lib.savePNG(user: "local", title: "Mine", tags: ["fox"])
        let theirs = try lib.savePNG(user: "bob", title: "Bob's")
        try await Self.withAPI(lib) { base in
            let api = Client(base: base)
            let got = await api.call("GET", "/api/creative/asset/\(mine)")
            #expect(got.status == 200 && got.json["title"] as? String == "Mine" && got.json["url"] as? String == "/api/creative/asset/\(mine)/file")
            #expect(await api.call("GET", "/api/creative/asset/\(theirs)").status == 404)
            #expect(await api.call("GET", "/api/creative/asset/01M88XERMRTVXY3NE28XSPVP6P").code == "not_found")
            for bad in ["..%2F..%2Fetc%2Fpasswd", "%2e%2e", "../../etc", "x"] {
                let reply = await api.call("GET", "/api/creative/asset/\(bad)")
                #expect([400, 404].contains(reply.status), "\(bad): \(reply.status)")
                #expect(!String(decoding: reply.body, as: UTF8.self).contains("root:"))
            }
            let list = await api.call("GET", "/api/creative/assets?tags=fox&limit=10")
            #expect(list.status == 200 && (list.json["items"] as? [[String: Any]])?.map { $0["id"] as? String } == [mine])
            #expect(await api.call("GET", "/api/creative/assets?limit=0").code == "invalid_input")
            #expect(await api.call("GET", "/api/creative/assets?isFavorite=maybe").status == 400)
            let etag = try #require(got.headers["etag"])
            let patched = await api.call("PATCH", "/api/creative/asset/\(mine)", json: #"{"title": "Renamed"}"#, headers: [("If-Match", etag)])
            #expect(patched.status == 200 && patched.json["success"] as? Bool == true)
            // The same stale version again: someone (we) changed it since.
            let stale = await api.call("PATCH", "/api/creative/asset/\(mine)", json: #"{"title": "Lost update"}"#, headers: [("If-Match", etag)])
            #expect(stale.status == 409 && stale.code == "conflict")
            #expect(await api.call("PATCH", "/api/creative/asset/\(mine)", json: #"{"title": "x"}"#, headers: [("If-Match", "\"garbage\"")]).status == 400)
            #expect(await api.call("PATCH", "/api/creative/asset/\(mine)", json: #"{"userId": "bob"}"#).status == 400)
            #expect(await api.call("PATCH", "/api/creative/asset/\(mine)", json: "{nope").status == 400)
            #expect(await api.call("PATCH", "/api/creative/asset/\(mine)", json: #"{"title": "x"}"#, contentType: "text/plain").status == 415)
            #expect(await api.call("PATCH", "/api/creative/asset/\(theirs)", json: #"{"title": "mine now"}"#).status == 404)
            let favorite = await api.call("POST", "/api/creative/asset/\(mine)/favorite")
            #expect(favorite.status == 200 && favorite.json["isFavorite"] as? Bool == true)
            let tags = await api.call("POST", "/api/creative/asset/\(mine)/tags", json: #"{"tags": [" snow ", "FOX"]}"#)
            #expect(tags.status == 200 && tags.json["tags"] as? [String] == ["fox", "snow"])
            let huge = String(repeating: "a", count: 1_100_000)
            #expect(await api.call("POST", "/api/creative/asset/\(mine)/tags", json: #"{"tags": ["\#(huge)"]}"#).status == 413)
            #expect(await api.call("DELETE", "/api/creative/asset/\(theirs)").status == 404)
            #expect(await api.call("DELETE", "/api/creative/asset/\(mine)").status == 200)
            #expect(await api.call("GET", "/api/creative/asset/\(mine)").status == 404)
        }
        #expect(try lib.assets.getAsset(theirs, userId: "bob")?.title == "Bob's")
    }

    @Test func cachedAnswersFollowTheFiles() async throws {
        let lib = try TempLibrary()
        let ids = try (0..<3).map { try lib.savePNG(user: "local", title: "Fox \($0)") }
        try await Self.withAPI(lib) { base in
            let api = Client(base: base)
            let first = await api.call("GET", "/api/creative/asset/\(ids[0])")
            #expect(first.json["title"] as? String == "Fox 0")
            #expect(await api.call("GET", "/api/creative/asset/\(ids[0])").body == first.body)
            // A hand edit that keeps updatedAt: the memoized decode and the cached bytes do not
            // outlive it (by more than the moments a checked sidecar is trusted).
            let sidecar = try lib.folder(of: ids[0], user: "local") + "/asset.json"
            let edited = try String(contentsOfFile: sidecar, encoding: .utf8).replacingOccurrences(of: "\"Fox 0\"", with: "\"Edited by hand\"")
            try edited.write(toFile: sidecar + ".new", atomically: false, encoding: .utf8)
            #expect(rename(sidecar + ".new", sidecar) == 0)
            #expect(await eventually { await api.call("GET", "/api/creative/asset/\(ids[0])").json["title"] as? String == "Edited by hand" })
            // A change made through the library shows at once.
            var retitled = AssetUpdates()
            retitled.title = "Through the library"
            _ = try lib.assets.updateAsset(ids[0], userId: "local", updates: retitled)
            #expect(await api.call("GET", "/api/creative/asset/\(ids[0])").json["title"] as? String == "Through the library")
            var renamed = AssetUpdates()
            renamed.title = "Renamed"
            _ = try lib.assets.updateAsset(ids[1], userId: "local", updates: renamed)
            // A page, assembled from cached pieces, is byte for byte the encoder's page.
            for _ in 0..<2 {
                let page = await api.call("GET", "/api/creative/assets?limit=2")
                var two = AssetFilters()
                two.limit = 2
                let expected = try lib.assets.listAssets(userId: "local", filters: two)
                let presented = Page(
                    items: expected.items.map { asset in
                        var copy = asset
                        copy.url = "/api/creative/asset/\(asset.id)/file"
                        copy.thumbnailUrl = asset.thumbnailUrl.map { _ in "/api/creative/asset/\(asset.id)/thumbnail" }
                        return copy
                    }, nextCursor: expected.nextCursor)
                #expect(expected.nextCursor != nil && expected.items.contains { $0.title == "Renamed" })
                let got = String(decoding: page.body, as: UTF8.self),
                    want = String(decoding: try JSONCoding.encoder(pretty: false).encode(presented), as: UTF8.self)
                #expect(got == want, "\(got)\n\(want)")
            }
        }
    }

    @Test func generationAnswers429PastTheRateLimitOrTheBudget() async throws {
        let lib = try TempLibrary()
        try Data(#"{"formatVersion": 1, "monthlyBudgetUSD": {"bob": 0}}"#.utf8).write(to: URL(fileURLWithPath: lib.path + "/library.json"))
        // A provider that must never be called: bob's budget is spent before he starts.
        let server = try FakeProviderServer { _, _ in .json(200, ProviderTests.imageAnswer) }
        let tokens = ["alice-token-0123456789": "alice", "bob-token-0123456789ab": "bob"]
        try await Self.withAPI(lib, tokens: tokens, generationsPerMinute: 2, environment: ProviderTests.env(server)) { base in
            let alice = Client(base: base, token: "alice-token-0123456789"), bob = Client(base: base, token: "bob-token-0123456789ab")
            let ideas = #"{"topic": "tea", "count": 3}"#
            #expect(await alice.call("POST", "/api/creative/content/ideas", json: ideas).status == 200)
            #expect(await alice.call("POST", "/api/creative/content/ideas", json: ideas).status == 200)
            let limited = await alice.call("POST", "/api/creative/content/ideas", json: ideas)
            #expect(limited.status == 429 && limited.code == "rate_limited")
            #expect(Int(limited.headers["retry-after"] ?? "") ?? 0 >= 1)
            // Reads and status polls are not limited; other users have their own allowance.
            #expect(await alice.call("GET", "/api/creative/assets").status == 200)
            let paid = await bob.call("POST", "/api/creative/image/generate", json: #"{"prompt": "a kite", "model": "dall-e-3"}"#)
            #expect(paid.status == 429 && paid.code == "budget_exceeded" && paid.retryAfter == nil)
            #expect(await bob.call("POST", "/api/creative/image/generate", json: #"{"prompt": "a kite", "width": 64, "height": 64, "steps": 1}"#).status == 202)
        }
        #expect(server.requests.isEmpty)
    }

    /// An engine in this process, in a service group: polling (only one inotify watcher may run
    /// in a process, and suites run in parallel), one worker.
    static func engine(
        _ lib: TempLibrary, readiness: Readiness = Readiness(), configure: (inout Engine.Options) -> Void = { _ in }
    ) -> ServiceGroup {
        var options = Engine.Options()
        (options.pollInterval, options.workers) = (0.2, 1)
        configure(&options)
        return ServiceGroup(
            configuration: .init(
                services: [.init(service: Engine(library: lib.library, options: options, readiness: readiness))],
                logger: Logger(label: "test")))
    }

    @Test func aRunningEngineSweepsTempFilesOfDeadProcesses() async throws {
        let lib = try TempLibrary()
        // A writer of this host that died mid-write: its pid is gone, its temp file stays.
        let gone = Process()
        gone.executableURL = URL(fileURLWithPath: "/bin/true")
        try gone.run()
        gone.waitUntilExit()
        var buffer = [CChar](repeating: 0, count: 256)
        gethostname(&buffer, 255)
        let host = String(cString: buffer).replacingOccurrences(of: ".", with: "_")
        let stray = "\(lib.path)/assets/.asset.json.\(host).\(gone.processIdentifier).12345.tmp"
        let engine = Self.engine(lib) { $0.janitorInterval = 0.2 }
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await engine.run() }
            try await Task.sleep(for: .milliseconds(300))
            try Data("half a sidecar".utf8).write(to: URL(fileURLWithPath: stray))
            #expect(await eventually { !FileManager.default.fileExists(atPath: stray) })
            await engine.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
    }

    @Test func healthTurnsReadyAfterTheEnginesStartUpPass() async throws {
        let lib = try TempLibrary()
        let readiness = Readiness()
        try await Self.withAPI(lib, isReady: { readiness.isReady }) { base in
            let api = Client(base: base)
            let before = await api.call("GET", "/healthz")
            #expect(before.status == 200 && before.json["status"] as? String == "ok" && before.json["ready"] as? Bool == false)
            let engine = Self.engine(lib, readiness: readiness)
            try await withThrowingTaskGroup(of: Void.self) { tasks in
                tasks.addTask { try await engine.run() }
                #expect(await eventually { await api.call("GET", "/healthz").json["ready"] as? Bool == true })
                await engine.triggerGracefulShutdown()
                try await tasks.waitForAll()
            }
        }
    }

    @Test func anEngineStoppedBeforeItIsReadyStillStops() async throws {
        let lib = try TempLibrary()
        let readiness = Readiness()
        let engine = Self.engine(lib, readiness: readiness)
        // SIGTERM as it starts: asked for before it runs, so its start-up pass cannot end first.
        await engine.triggerGracefulShutdown()
        let ended = Mutex(false)
        let running = Task {
            try? await engine.run()
            ended.withLock { $0 = true }
        }
        #expect(await eventually { ended.withLock { $0 } }, "the engine did not stop")
        running.cancel()  // a run that ignored its shutdown is not left behind
        await running.value
        #expect(!readiness.isReady)
    }

    @Test func mediaIsServedWithTypesETagsAndRanges() async throws {
        let lib = try TempLibrary()
        let id = try lib.savePNG(user: "local")
        let linked = try lib.savePNG(user: "local", title: "Linked")
        let linkedMedia = try lib.folder(of: linked, user: "local") + "/image.png"
        try FileManager.default.removeItem(atPath: linkedMedia)
        try FileManager.default.createSymbolicLink(atPath: linkedMedia, withDestinationPath: "/etc/passwd")
        let bobs = try lib.savePNG(user: "bob")
        try await Self.withAPI(lib) { base in
            let api = Client(base: base)
            let asset = await api.call("GET", "/api/creative/asset/\(id)")
            #expect(asset.json["url"] as? String == "/api/creative/asset/\(id)/file")
            #expect(asset.json["thumbnailUrl"] as? String == "/api/creative/asset/\(id)/thumbnail")
            let file = await api.call("GET", "/api/creative/asset/\(id)/file")
            #expect(file.status == 200 && file.body == Fixtures.png && file.headers["content-type"] == "image/png")
            #expect(file.headers["x-content-type-options"] == "nosniff" && file.headers["content-security-policy"] == nil)
            let etag = try #require(file.headers["etag"])
            #expect(await api.call("GET", "/api/creative/asset/\(id)/file", headers: [("If-None-Match", etag)]).status == 304)
            let part = await api.call("GET", "/api/creative/asset/\(id)/file", headers: [("Range", "bytes=0-9")])
            #expect(part.status == 206 && part.body == Fixtures.png.prefix(10) && part.headers["content-range"] == "bytes 0-9/\(Fixtures.png.count)")
            let tail = await api.call("GET", "/api/creative/asset/\(id)/file", headers: [("Range", "bytes=-4")])
            #expect(tail.status == 206 && tail.body == Fixtures.png.suffix(4))
            #expect(await api.call("GET", "/api/creative/asset/\(id)/file", headers: [("Range", "bytes=999999-")]).status == 416)
            let thumbnail = await api.call("GET", "/api/creative/asset/\(id)/thumbnail")
            #expect(thumbnail.status == 200 && thumbnail.headers["content-type"] == "image/webp" && thumbnail.body.starts(with: Data("RIFF".utf8)))
            let escaped = await api.call("GET", "/api/creative/asset/\(linked)/file")
            #expect(escaped.status == 404 && !String(decoding: escaped.body, as: UTF8.self).contains("root:"))
            #expect(await api.call("GET", "/api/creative/asset/\(bobs)/file").status == 404)
        }
    }

    @Test func anSVGIsServedSandboxed() async throws {
        let lib = try TempLibrary()
        let id = try lib.savePNG(user: "local")
        // An SVG with a script, as an import or a hand edit could leave one.
        let folder = try lib.folder(of: id, user: "local")
        try Data(#"<svg xmlns="http://www.w3.org/2000/svg"><script>alert(document.cookie)</script></svg>"#.utf8).write(
            to: URL(fileURLWithPath: folder + "/drawing.svg"))
        _ = try lib.library.store.update(CreativeAsset.self, id: id) { (asset: inout CreativeAsset) throws(CreativeError) in asset.url = "drawing.svg" }
        try await Self.withAPI(lib) { base in
            let svg = await Client(base: base).call("GET", "/api/creative/asset/\(id)/file")
            #expect(svg.status == 200 && svg.headers["content-type"] == "image/svg+xml")
            #expect(svg.headers["x-content-type-options"] == "nosniff")
            #expect(
                svg.headers["content-security-policy"]?.hasPrefix("sandbox;") == true
                    && svg.headers["content-security-policy"]?.contains("default-src 'none'") == true)
        }
    }

    @Test func theOpenAPIDocumentMatchesTheRouterAndEveryRouteAnswers() async throws {
        let lib = try TempLibrary()
        #expect(routeList(buildRouter(library: lib.library, configuration: APIConfiguration())) == documentedRoutes())
        try await Self.withAPI(lib) { base in
            let api = Client(base: base)
            let doc = await api.call("GET", "/openapi.json")
            #expect(doc.status == 200 && doc.json["openapi"] as? String == "3.1.0")
            let schema = await api.call("GET", "/schemas/asset-filters.schema.json")
            let onDisk = try Data(contentsOf: SchemaContractTests.root.appendingPathComponent("schemas/asset-filters.schema.json"))
            #expect(schema.status == 200 && schema.body == onDisk)
            #expect(await api.call("GET", "/schemas/..%2F..%2FPackage.swift").status == 404)
            #expect((doc.json["paths"] as? [String: Any])?.count == Set(documentedRoutes().map { $0.split(separator: " ")[1] }).count)
            // Every link names an operation of the document, with an {id} it takes.
            let operations = ((doc.json["paths"] as? [String: [String: [String: Any]]]) ?? [:]).values.flatMap(\.values)
            let ids = Set(operations.compactMap { $0["operationId"] as? String })
            let links = operations.flatMap { operation in
                ((operation["responses"] as? [String: [String: Any]]) ?? [:]).values.flatMap { ($0["links"] as? [String: [String: Any]] ?? [:]).values }
            }
            #expect(links.count >= 20)
            for link in links {
                #expect(
                    ids.contains(link["operationId"] as? String ?? "")
                        && (link["parameters"] as? [String: String])?["id"]?.hasPrefix("$response.body#/") == true)
            }
            // The event stream never ends by itself: GalleryTests reads it.
            for route in documentedRoutes() where route != "GET /api/creative/events" {
                let parts = route.split(separator: " ")
                let path = String(parts[1]).replacingOccurrences(of: "{id}", with: "01M88XERMRTVXY3NE28XSPVP6P")
                    .replacingOccurrences(of: "{file}", with: route.contains("static") ? "gallery.js" : "asset-filters.schema.json")
                let method = String(parts[0])
                let reply = await api.call(method, path, json: ["POST", "PATCH"].contains(method) ? "{}" : nil)
                let message = ((reply.json["error"] as? [String: Any])?["message"] as? String) ?? ""
                #expect(reply.status != 0 && reply.status < 500 && message != "There is no such route.", "\(route): \(reply.status) \(message)")
            }
        }
    }

    @Test func templateEndpoints() async throws {
        let lib = try TempLibrary()
        try await Self.withAPI(lib) { base in
            let api = Client(base: base)
            let created = await api.call("POST", "/api/creative/template", json: #"{"name": "Poster", "type": "image", "prompt": "A poster for {{event}}"}"#)
            let id = try #require(created.json["templateId"] as? String)
            #expect(created.status == 201)
            #expect(
                await api.call("POST", "/api/creative/template", json: #"{"name": "Bad", "type": "image", "prompt": "{{#open}}"}"#).code == "invalid_template")
            #expect(await api.call("GET", "/api/creative/template/\(id)").json["name"] as? String == "Poster")
            #expect(await api.call("PATCH", "/api/creative/template/\(id)", json: #"{"description": "For events"}"#).status == 200)
            let list = await api.call("GET", "/api/creative/templates?text=poster")
            #expect((list.json["items"] as? [[String: Any]])?.first?["id"] as? String == id)
            let product = DefaultTemplates.all[0].id
            #expect(await api.call("DELETE", "/api/creative/template/\(product)").code == "protected")
            #expect(await api.call("DELETE", "/api/creative/template/\(id)").status == 200)
            #expect(await api.call("GET", "/api/creative/template/\(id)").status == 404)
        }
    }

    @Test func generationEndpoints() async throws {
        let lib = try TempLibrary()
        try await Self.withAPI(lib) { base in
            let api = Client(base: base)
            let queued = await api.call("POST", "/api/creative/image/generate", json: #"{"prompt": "a koi pond", "width": 96, "height": 96, "steps": 2}"#)
            let jobId = try #require(queued.json["jobId"] as? String)
            #expect(queued.status == 202 && queued.headers["location"] == "/api/creative/image/\(jobId)/status")
            #expect(await api.call("GET", "/api/creative/image/\(jobId)/status").json["status"] as? String == "queued")
            let done = await api.call(
                "POST", "/api/creative/image/generate?wait=true", json: #"{"prompt": "a koi pond", "width": 96, "height": 96, "steps": 2}"#)
            let assetId = try #require(done.json["assetId"] as? String)
            #expect(done.status == 200)
            #expect(await api.call("POST", "/api/creative/image/generate", json: #"{"prompt": "", "width": 96}"#).status == 400)
            let again = await api.call("POST", "/api/creative/image/\(assetId)/regenerate?wait=true", json: #"{"seed": 5}"#)
            #expect(again.status == 200 && again.json["assetId"] as? String != assetId)
            let children = await api.call("GET", "/api/creative/assets?parentAssetId=\(assetId)")
            let childIds = (children.json["items"] as? [[String: Any]])?.compactMap { $0["id"] as? String }
            #expect(childIds != nil && childIds == (again.json["assetId"] as? String).map { [$0] })
            #expect(await api.call("GET", "/api/creative/assets?parentAssetId=nope").status == 400)
            let lineagePatch = await api.call("PATCH", "/api/creative/asset/\(assetId)", json: #"{"parentAssetId": "\#(assetId)"}"#)
            #expect(lineagePatch.status == 400 && lineagePatch.code == "invalid_input")
            #expect(await api.call("POST", "/api/creative/image/01M88XERMRTVXY3NE28XSPVP6P/regenerate", json: "{}").status == 404)
            let speech = await api.call("POST", "/api/creative/audio/generate?wait=true", json: #"{"prompt": "Spoken over HTTP.", "format": "wav"}"#)
            let speechId = try #require(speech.json["assetId"] as? String)
            let audio = await api.call("GET", "/api/creative/asset/\(speechId)")
            #expect(speech.status == 200 && audio.json["type"] as? String == "audio" && (audio.json["duration"] as? Double ?? 0) > 0.5)
            let queuedSpeech = await api.call("POST", "/api/creative/audio/generate", json: #"{"prompt": "Later."}"#)
            #expect(queuedSpeech.status == 202 && queuedSpeech.headers["location"]?.hasSuffix("/status") == true)
            #expect(await api.call("POST", "/api/creative/audio/generate", json: #"{"prompt": "x", "width": 64}"#).status == 400)
            let film = await api.call(
                "POST", "/api/creative/video/generate?wait=true", json: #"{"prompt": "a lighthouse", "width": 128, "height": 72, "seconds": 2}"#)
            let filmId = try #require(film.json["assetId"] as? String)
            let video = await api.call("GET", "/api/creative/asset/\(filmId)")
            #expect(video.json["type"] as? String == "video" && video.json["width"] as? Int == 128 && (video.json["duration"] as? Double ?? 0) > 1.9)
            let clip = await api.call("GET", "/api/creative/asset/\(filmId)/file", headers: [("Range", "bytes=0-99")])
            let whole = await api.call("GET", "/api/creative/asset/\(filmId)/file")
            #expect(clip.status == 206 && clip.headers["content-type"] == "video/mp4" && clip.body == whole.body.prefix(100))
            #expect(clip.headers["content-range"] == "bytes 0-99/\(whole.body.count)")
            let images = await api.call("GET", "/api/creative/images")
            #expect((images.json["items"] as? [Any])?.count == 2)
            #expect(await api.call("GET", "/api/creative/image/01M88XERMRTVXY3NE28XSPVP6P/status").status == 404)

            let post = await api.call("POST", "/api/creative/content/generate", json: #"{"contentType": "slogan", "prompt": "solar lamps", "tone": "bold"}"#)
            #expect(post.status == 200 && (post.json["content"] as? String)?.contains("olar") == true)
            #expect(await api.call("POST", "/api/creative/content/generate", json: #"{"contentType": "poem", "prompt": "x"}"#).status == 400)
            let improved = await api.call("POST", "/api/creative/content/improve", json: #"{"original": "In order to really help.", "goal": "clearer"}"#)
            #expect(improved.status == 200 && (improved.json["suggestions"] as? [String])?.isEmpty == false)
            let ideas = await api.call("POST", "/api/creative/content/ideas", json: #"{"topic": "tea", "count": 4}"#)
            #expect((ideas.json["ideas"] as? [String])?.count == 4)
            #expect(await api.call("POST", "/api/creative/content/ideas", json: #"{"topic": "tea", "count": 0}"#).status == 400)
            // A field the route would not read is refused, not silently dropped.
            let unread = await api.call("POST", "/api/creative/content/ideas", json: #"{"topic": "tea", "count": 2, "tags": ["x"]}"#)
            #expect(unread.status == 400 && (unread.json["error"] as? [String: Any])?["details"] as? [String: String] == ["field": "tags"])
            let metrics = String(decoding: await api.call("GET", "/metrics").body, as: UTF8.self)
            let succeeded = metrics.split(separator: "\n").first { $0.hasPrefix(#"creative_jobs{status="succeeded"} "#) }
            #expect((succeeded?.split(separator: " ").last).flatMap { Double($0) }.map { $0 >= 2 } == true, "\(metrics.prefix(600))")
            #expect(metrics.contains(#"creative_http_requests_total{method="POST",route="/api/creative/image/generate",status="202"} 1"#))
            #expect(metrics.contains("creative_http_request_duration_seconds_bucket") && metrics.contains("creative_cost_usd 0.0"))
            let fromTemplate = await api.call(
                "POST", "/api/creative/content/from-template",
                json: #"{"templateId": "\#(DefaultTemplates.all[2].id)", "variables": {"topic": "tea"}}"#)
            #expect(fromTemplate.status == 200 && fromTemplate.json["assetId"] != nil)
            #expect(await api.call("POST", "/api/creative/content/from-template", json: #"{"templateId": "\#(DefaultTemplates.all[2].id)"}"#).status == 400)
        }
    }

    @Test func tokensIsolationAndTheDefaultLoopbackGuard() async throws {
        let lib = try TempLibrary()
        let aliceToken = "alice-token-0123456789", bobToken = "bob-token-0123456789"
        let alices = try lib.savePNG(user: "alice", title: "Private")
        let shared = try lib.savePNG(user: "alice", title: "Shared") { $0.isPublic = true }
        try await Self.withAPI(lib, tokens: [aliceToken: "alice", bobToken: "bob"]) { base in
            #expect(await Client(base: base).call("GET", "/api/creative/assets").status == 401)
            #expect(await Client(base: base, token: "wrong-token-0123456789").call("GET", "/api/creative/assets").status == 401)
            let alice = Client(base: base, token: aliceToken), bob = Client(base: base, token: bobToken)
            #expect(await alice.call("GET", "/api/creative/asset/\(alices)").status == 200)
            #expect(await bob.call("GET", "/api/creative/asset/\(alices)").status == 404)
            #expect(await bob.call("GET", "/api/creative/asset/\(shared)").status == 200)
            #expect(await bob.call("PATCH", "/api/creative/asset/\(shared)", json: #"{"title": "bob's now"}"#).status == 404)
            #expect(await bob.call("POST", "/api/creative/asset/\(shared)/favorite").status == 404)
            #expect(await Client(base: base).call("GET", "/healthz").status == 200)
            // Metrics name users' activity and costs: a token, like the rest of the API.
            #expect(await Client(base: base).call("GET", "/metrics").status == 401)
            #expect(await alice.call("GET", "/metrics").status == 200)
        }
        try await Self.withAPI(lib) { base in
            let api = Client(base: base)
            #expect(await api.call("GET", "/api/creative/templates", headers: [("Host", "evil.example")]).status == 403)
            #expect(await api.call("GET", "/api/creative/templates", headers: [("Host", "localhost:8080")]).status == 200)
            #expect(await api.call("GET", "/metrics", headers: [("Host", "evil.example")]).status == 403)
            #expect(await api.call("GET", "/metrics").status == 200)
        }
        var open = APIConfiguration()
        open.host = "0.0.0.0"
        #expect(throws: CreativeError.self) { try open.check() }

        // Hashed tokens in a file outside the library.
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("tokens-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: file) }
        let token = try await offPool { () throws(CreativeError) in try TokenFile.add(user: "carol", path: file) }
        let stored = try String(contentsOfFile: file, encoding: .utf8)
        #expect(stored.hasPrefix("carol:hmac-sha256:") && !stored.contains(token))
        #expect((try FileManager.default.attributesOfItem(atPath: file)[.posixPermissions] as? Int) == 0o600)
        #expect((try FileManager.default.attributesOfItem(atPath: file + ".key")[.posixPermissions] as? Int) == 0o600)
        defer { try? FileManager.default.removeItem(atPath: file + ".key") }
        let tokens = try await offPool { () throws(CreativeError) in try TokenFile(path: file, library: lib.path) }
        try await Self.withAPI(lib, tokenFile: tokens) { base in
            #expect(await Client(base: base, token: token).call("GET", "/api/creative/assets").status == 200)
            #expect(await Client(base: base, token: token + "x").call("GET", "/api/creative/assets").status == 401)
            #expect(await Client(base: base).call("GET", "/api/creative/assets").status == 401)
        }
        await expectError(.invalidInput) { try await offPool { () throws(CreativeError) in try TokenFile(path: lib.path + "/tokens", library: lib.path) } }
        // `token add` refuses to write inside a library, however deep, and leaves nothing there.
        await expectError(.invalidInput) {
            try await offPool { () throws(CreativeError) in try TokenFile.add(user: "dave", path: lib.path + "/assets/secrets/tokens") }
        }
        #expect(!FileManager.default.fileExists(atPath: lib.path + "/assets/secrets"))
        // A FIFO or a link where the tokens file belongs is refused, never waited on or followed.
        let fifo = file + ".fifo"
        #expect(mkfifo(fifo, 0o600) == 0)
        defer { try? FileManager.default.removeItem(atPath: fifo) }
        let refusedFIFO = await expectError(.invalidInput) { try await offPool { () throws(CreativeError) in try TokenFile(path: fifo, library: lib.path) } }
        #expect(refusedFIFO?.message.contains("not a regular file") == true)
        let link = file + ".link"
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: file)
        defer { try? FileManager.default.removeItem(atPath: link) }
        let refusedLink = await expectError(.invalidInput) { try await offPool { () throws(CreativeError) in try TokenFile(path: link, library: lib.path) } }
        #expect(refusedLink?.message.contains("symbolic link") == true)
    }
}
