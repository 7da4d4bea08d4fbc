import CreativeCatalog
import CreativeDaemon
import CreativeGeneration
import CreativeLibraries
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The server stays responsive whatever a request waits on: a FIFO planted in the library, slow
/// providers; and a client that hangs up cancels the provider call it was waiting for.
@Suite("Server concurrency")
struct ServerConcurrencyTests {
    typealias Client = APITests.Client

    @Test func fifosWhereMediaAndSidecarsBelongNeverStallTheServer() async throws {
        let lib = try TempLibrary()
        let media = try lib.savePNG(user: "local", title: "Media is a FIFO")
        let sidecar = try lib.savePNG(user: "local", title: "Sidecar is a FIFO")
        let keep = try lib.savePNG(user: "local", title: "Untouched")
        let mediaFolder = try lib.folder(of: media, user: "local")
        let sidecarFolder = try lib.folder(of: sidecar, user: "local")
        // rsync copies FIFOs: one where an image belongs, one where a sidecar belongs.
        for path in ["\(mediaFolder)/image.png", "\(sidecarFolder)/asset.json"] {
            try FileManager.default.removeItem(atPath: path)
            #expect(mkfifo(path, 0o644) == 0)
        }
        // And a sidecar replaced by a link to a copy of itself outside the library.
        let linked = try lib.savePNG(user: "local", title: "Sidecar is a link")
        let linkedSidecar = try lib.folder(of: linked, user: "local") + "/asset.json"
        let outside = FileManager.default.temporaryDirectory.appendingPathComponent("sidecar-\(UUID().uuidString).json").path
        defer { try? FileManager.default.removeItem(atPath: outside) }
        try FileManager.default.moveItem(atPath: linkedSidecar, toPath: outside)
        try FileManager.default.createSymbolicLink(atPath: linkedSidecar, withDestinationPath: outside)
        try await APITests.withAPI(lib) { base in
            let api = Client(base: base)
            let stuck =
                (0..<4).map { _ in Task { await api.call("GET", "/api/creative/asset/\(media)/file") } }
                + (0..<4).map { _ in Task { await api.call("GET", "/api/creative/asset/\(sidecar)") } }
            // While those are in flight, the server answers everything else.
            #expect(await api.call("GET", "/healthz").status == 200)
            let listing = await api.call("GET", "/api/creative/assets?limit=50")
            #expect(listing.status == 200)
            #expect((listing.json["items"] as? [[String: Any]])?.contains { $0["id"] as? String == keep } == true)
            #expect(await api.call("GET", "/api/creative/asset/\(keep)/file").status == 200)
            // And the requests for the FIFOs end with an error instead of waiting for a writer.
            for request in stuck {
                let reply = await request.value
                #expect((400..<600).contains(reply.status), "\(reply.status) \(String(decoding: reply.body, as: UTF8.self))")
            }
            let media = await api.call("GET", "/api/creative/asset/\(media)/file")
            #expect(media.status == 404 && media.code == "not_found")
            #expect(await api.call("GET", "/api/creative/asset/\(sidecar)").status == 404)
            let link = await api.call("GET", "/api/creative/asset/\(linked)")
            #expect(link.status == 404 && link.code == "not_found", "\(link.status)")
        }
    }

    @Test func slowProvidersDoNotHoldUpOtherRequests() async throws {
        let server = try FakeProviderServer { _, _ in
            var answer = FakeProviderServer.Response.json(200, ["choices": [["message": ["role": "assistant", "content": "Hello."]]]])
            answer.delay = 30
            return answer
        }
        let lib = try TempLibrary()
        try await APITests.withAPI(lib, environment: ProviderTests.env(server)) { base in
            let api = Client(base: base)
            let calls = (0..<8).map { n in
                Task { await api.call("POST", "/api/creative/content/generate", json: #"{"contentType": "email", "prompt": "sale \#(n)", "model": "gpt-4o"}"#) }
            }
            #expect(await eventually { server.delayedNow == 8 })
            #expect(await api.call("GET", "/healthz").status == 200)
            #expect(await api.call("GET", "/api/creative/assets").status == 200)
            #expect(await api.call("GET", "/api/creative/templates").status == 200)
            // All eight were still waiting on the provider when those answered.
            #expect(server.delayedNow == 8)
            for call in calls { call.cancel() }
            #expect(await eventually { server.hangUps.count == 8 })
        }
    }

    @Test func aClientThatHangsUpCancelsTheProviderCall() async throws {
        let answerDelay = 30.0
        let server = try FakeProviderServer { _, _ in
            var answer = FakeProviderServer.Response.json(200, ["choices": [["message": ["role": "assistant", "content": "Too late."]]]])
            answer.delay = answerDelay
            return answer
        }
        let lib = try TempLibrary()
        try await APITests.withAPI(lib, environment: ProviderTests.env(server)) { base in
            let api = Client(base: base)
            let call = Task {
                await api.call("POST", "/api/creative/content/generate", json: #"{"contentType": "email", "prompt": "spring sale", "model": "gpt-4o"}"#)
            }
            #expect(await eventually { server.delayedNow == 1 })
            let hungUp = Date()
            call.cancel()
            #expect(await eventually { !server.hangUps.isEmpty })
            let seen = try #require(server.hangUps.first)
            #expect(seen.path.hasSuffix("/chat/completions"))
            // Cut off, not answered: the provider saw the close while its answer was still due (how
            // fast is a benchmark's question; a full parallel run on 2 cores took up to 4.9 s).
            #expect(
                seen.at < hungUp.addingTimeInterval(answerDelay),
                "the provider saw its connection close \(seen.at.timeIntervalSince(hungUp)) s after the client hung up")
            // The job records why it ended.
            let store = lib.library.store
            #expect(await eventually { store.readAll(GenerationJob.self).entities.first?.0.status == .cancelled })
            #expect(server.requests.count == 1)
        }
    }
}

/// What cancelling does to a job depends on who ran it.
@Suite("Job cancellation")
struct JobCancellationTests {
    @Test func aWorkersJobGoesBackToTheQueueWhenTheRunnerIsCancelled() async throws {
        let server = try FakeProviderServer { _, _ in
            var answer = FakeProviderServer.Response.json(200, ["choices": [["message": ["role": "assistant", "content": "Late."]]]])
            answer.delay = 30
            return answer
        }
        let lib = try TempLibrary()
        let runner = JobRunner(library: lib.library, workers: 1, lease: 30, environment: ProviderTests.env(server))
        let workers = Task { try await runner.run() }
        var request = GenerationRequest(kind: .content)
        (request.contentType, request.prompt, request.model) = ("email", "spring sale", "gpt-4o")
        let job = try await Generation(library: lib.library, runner: runner).submit(request, userId: "alice")
        #expect(await eventually { server.delayedNow == 1 })
        // The engine stopping without grace, not a caller leaving: the job must run again later.
        workers.cancel()
        #expect(await eventually { server.hangUps.count == 1 })
        let store = lib.library.store
        #expect(await eventually { (try? store.read(GenerationJob.self, id: job.id))??.0.status == .queued })
        // Once the runner has returned, its claim is gone: another engine may take the job.
        _ = try? await workers.value
        #expect(store.jobClaim(job.id) == nil)
    }
}
