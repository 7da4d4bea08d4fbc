import CreativeCatalog
import CreativeGeneration
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Exactly once across processes, hosts and copies: who may run a claimed job, a worker that
/// loses its claim, takeovers that race a renewal, and a library copied with rsync mid-run.
@Suite("Job claims")
struct JobClaimTests {
    static let chat = FakeProviderServer.Response.json(200, ["choices": [["message": ["role": "assistant", "content": "Spring is here."]]]])

    /// A queued content job for gpt-4o (nothing runs it until a runner starts).
    static func queue(_ lib: TempLibrary) async throws -> GenerationJob {
        var request = GenerationRequest(kind: .content)
        (request.contentType, request.prompt, request.model) = ("email", "spring sale", "gpt-4o")
        let idle = JobRunner(library: lib.library, workers: 1, lease: 30)
        return try await Generation(library: lib.library, runner: idle).submit(request, userId: "alice")
    }

    /// Writes `claim` as the job's claim file, renewed `age` seconds ago.
    static func plant(_ claim: JobClaim, on job: GenerationJob, _ lib: TempLibrary, age: Double = 0) throws {
        let folder = try #require(try lib.library.store.locate(.job, id: job.id)).path
        let path = lib.url("\(folder)/claim").path
        try JSONCoding.encoder(pretty: false).encode(claim).write(to: URL(fileURLWithPath: path))
        try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSinceNow: -age)], ofItemAtPath: path)
    }

    /// A claim as this library, host and boot would make it, for `pid`.
    static func claim(
        _ lib: TempLibrary, pid: Int32, host: String? = nil, bootId: String? = nil, library: String? = nil, claimedAt: Date = Date()
    ) throws -> JobClaim {
        let made = try #require(try lib.library.store.claimJob(try Self.scratchJob(lib).id, lease: 3))
        return JobClaim(
            host: host ?? made.host, pid: pid, bootId: bootId ?? made.bootId, library: library ?? made.library,
            token: String(format: "%016llx", UInt64.random(in: 0...UInt64.max)), claimedAt: claimedAt, leaseSeconds: 3)
    }

    /// Another job, only to learn what this process's claims look like.
    static func scratchJob(_ lib: TempLibrary) throws -> GenerationJob {
        let job = GenerationJob(id: ULID.make(), userId: "alice", type: .text, prompt: "scratch", createdAt: Timestamp.now())
        try lib.library.store.create(job, in: "jobs")
        return job
    }

    @Test func whoMayTakeAClaimedJob() async throws {
        let lib = try TempLibrary()
        let job = try await Self.queue(lib)
        let store = lib.library.store
        // A paused process of this host keeps its job however old its lease.
        let paused = Process()
        paused.executableURL = URL(fileURLWithPath: "/bin/sleep")
        paused.arguments = ["30"]
        try paused.run()
        defer {
            kill(paused.processIdentifier, SIGKILL)
            paused.waitUntilExit()
        }
        kill(paused.processIdentifier, SIGSTOP)
        // A process killed but not reaped by its parent (a zombie) will never run again.
        var zombie: pid_t = 0
        let argv: [UnsafeMutablePointer<CChar>?] = [strdup("/bin/true"), nil]
        defer { argv.forEach { free($0) } }
        #expect(posix_spawn(&zombie, "/bin/true", nil, nil, argv, nil) == 0)
        defer { waitpid(zombie, nil, 0) }
        try await Task.sleep(for: .milliseconds(200))
        let cases: [(String, JobClaim, Double, Bool, (ClaimVerdict) -> Bool)] = [
            ("paused process, lease long gone", try Self.claim(lib, pid: paused.processIdentifier), 600, false, { $0 == .live }),
            ("process gone", try Self.claim(lib, pid: 2_147_483_000), 0, false, { if case .dead = $0 { true } else { false } }),
            ("process a zombie", try Self.claim(lib, pid: zombie), 0, false, { if case .dead = $0 { true } else { false } }),
            (
                "pid reused by a later process", try Self.claim(lib, pid: paused.processIdentifier, claimedAt: Date(timeIntervalSinceNow: -3600)), 0, false,
                { if case .dead = $0 { true } else { false } }
            ),
            (
                "earlier boot", try Self.claim(lib, pid: paused.processIdentifier, bootId: "an-earlier-boot"), 0, false,
                { if case .dead = $0 { true } else { false } }
            ),
            ("earlier process with our pid", try Self.claim(lib, pid: getpid()), 0, false, { if case .dead = $0 { true } else { false } }),
            (
                "another copy of the library", try Self.claim(lib, pid: paused.processIdentifier, library: "1:2"), 600, false,
                { if case .heldElsewhere = $0 { true } else { false } }
            ),
            ("another host", try Self.claim(lib, pid: 7, host: "elsewhere"), 600, false, { if case .heldElsewhere = $0 { true } else { false } }),
            (
                "another host, shared storage, lease gone", try Self.claim(lib, pid: 7, host: "elsewhere"), 600, true,
                { if case .dead = $0 { true } else { false } }
            ),
            ("another host, shared storage, lease fresh", try Self.claim(lib, pid: 7, host: "elsewhere"), 0, true, { $0 == .live }),
        ]
        for (what, claim, age, shared, expected) in cases {
            let settings = lib.url("library.json")
            try Data((shared ? #"{"formatVersion": 1, "sharedStorage": true}"# : #"{"formatVersion": 1}"#).utf8).write(to: settings)
            try Self.plant(claim, on: job, lib, age: age)
            let found = try #require(store.jobClaim(job.id))
            #expect(found.token == claim.token && abs(found.renewedAt.timeIntervalSinceNow + age) < 2, "\(what)")
            let verdict = store.judge(found)
            #expect(expected(verdict), "\(what): \(verdict)")
        }
        // An empty claim (its maker died between creating and writing it) is judged by its age.
        let path = lib.url("\(try #require(try store.locate(.job, id: job.id)).path)/claim").path
        for (age, dead) in [(0.0, false), (60.0, true)] {
            try Data().write(to: URL(fileURLWithPath: path))
            try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSinceNow: -age)], ofItemAtPath: path)
            let verdict = store.judge(try #require(store.jobClaim(job.id)))
            #expect({ if case .dead = verdict { true } else { false } }() == dead, "empty claim \(age) s old: \(verdict)")
        }
    }

    @Test func aTakeoverBreaksOnlyTheClaimItJudged() async throws {
        let lib = try TempLibrary()
        let job = try await Self.queue(lib)
        let store = lib.library.store
        try Self.plant(try Self.claim(lib, pid: 2_147_483_000), on: job, lib, age: 60)
        let judged = try #require(store.jobClaim(job.id))
        // Its owner renewed between the judgement and the break: the claim is put back.
        try FileManager.default.setAttributes(
            [.modificationDate: Date()], ofItemAtPath: lib.url("\(try #require(try store.locate(.job, id: job.id)).path)/claim").path)
        #expect(!store.breakJobClaim(job.id, judged: judged))
        #expect(store.jobClaim(job.id)?.token == judged.token)
        // A new claim made since the judgement is not broken either.
        try Self.plant(try Self.claim(lib, pid: 2_147_483_001), on: job, lib)
        #expect(!store.breakJobClaim(job.id, judged: judged))
        #expect(store.jobClaim(job.id).map { $0.token != judged.token } == true)
        // The claim judged, unchanged, is broken; nothing is left beside the job.
        let current = try #require(store.jobClaim(job.id))
        #expect(store.breakJobClaim(job.id, judged: current))
        #expect(store.jobClaim(job.id) == nil)
        let folder = lib.url(try #require(try store.locate(.job, id: job.id)).path).path
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder).sorted() == ["job.json"])
    }

    @Test func aWorkerThatLosesItsClaimCancelsItsCallAndWritesNothing() async throws {
        let server = try FakeProviderServer { _, _ in
            var answer = Self.chat
            answer.delay = 30
            return answer
        }
        let lib = try TempLibrary()
        let runner = JobRunner(library: lib.library, workers: 1, lease: 3, environment: ProviderTests.env(server))
        let workers = Task { try await runner.run() }
        defer { workers.cancel() }
        let job = try await Self.queue(lib)
        runner.wake()
        #expect(await eventually { server.delayedNow == 1 })
        let store = lib.library.store
        // Another host took the job over (as after this process was paused past its lease).
        let held = try #require(store.jobClaim(job.id))
        #expect(store.breakJobClaim(job.id, judged: held))
        let other = try Self.claim(lib, pid: 7, host: "elsewhere")
        try Self.plant(other, on: job, lib)
        let before = try #require(try store.read(GenerationJob.self, id: job.id)).0
        #expect(await eventually { server.hangUps.count == 1 }, "the provider call is cancelled")
        try await Task.sleep(for: .milliseconds(500))
        let after = try #require(try store.read(GenerationJob.self, id: job.id)).0
        #expect(after == before, "the job sidecar is the new holder's: \(after.status) \(after.errorMessage ?? "")")
        #expect(store.jobClaim(job.id)?.token == other.token, "the new holder's claim stays")
        #expect(try lib.assets.find(job.id, userId: "alice") == nil)
        #expect(server.requests.count == 1)
    }

    /// A job that started before (a worker died after saving its asset, before finishing the job)
    /// finishes from that asset; the provider is not asked again. (A job never started before
    /// does not look: its asset cannot exist.)
    @Test func aRerunFinishesFromTheAssetItAlreadyMade() async throws {
        let server = try FakeProviderServer { _, _ in Self.chat }
        let lib = try TempLibrary()
        let job = try await Self.queue(lib)
        _ = try lib.library.store.update(GenerationJob.self, id: job.id) { $0.startedAt = Timestamp.now() }
        var input = AssetInput(media: .bytes(Data("Spring is here, said the first attempt.".utf8), fileName: "content.md"))
        input.title = "Spring sale"
        _ = try lib.assets.saveAsset(userId: "alice", asset: input, id: job.id, lineage: AssetLineage(source: .generated))
        let runner = JobRunner(library: lib.library, workers: 1, lease: 3, environment: ProviderTests.env(server))
        let workers = Task { try await runner.run() }
        defer { workers.cancel() }
        runner.wake()
        #expect(await eventually { (try? lib.library.store.read(GenerationJob.self, id: job.id))??.0.status == .succeeded })
        let done = try #require(try lib.library.store.read(GenerationJob.self, id: job.id)).0
        #expect(done.resultAssetId == job.id)
        #expect(server.requests.isEmpty, "the provider was not asked again")
        #expect(lib.library.store.readAll(CreativeAsset.self).0.count == 1)
    }

    @Test func aCopyMadeMidRunLeavesTheHeldJobUntilRetriedThere() async throws {
        let server = try FakeProviderServer { request, _ in
            guard request.json?["stream"] as? Bool == true else { return Self.chat }
            return .init(status: 200, headers: ["Content-Type": "text/event-stream"], body: StreamingTests.openAIStream(["Spring ", "is here."], done: true))
        }
        let lib = try TempLibrary()
        let job = try await Self.queue(lib)
        // The original's engine is running the job: status running, its claim in place.
        _ = try lib.library.store.update(GenerationJob.self, id: job.id) { (job: inout GenerationJob) throws(CreativeError) in job.status = .running }
        _ = try #require(try lib.library.store.claimJob(job.id, lease: 30))
        // And one still queued there: nobody holds it, but it was queued in the original.
        let queued = try await Self.queue(lib)
        #expect(queued.libraryId == lib.library.store.libraryId && !lib.library.store.libraryId.isEmpty)
        let copy = lib.path + "-copy"
        defer { try? FileManager.default.removeItem(atPath: copy) }
        let rsync = Process()
        rsync.executableURL = URL(fileURLWithPath: "/usr/bin/rsync")
        rsync.arguments = ["-aF", lib.path + "/", copy + "/"]
        try rsync.run()
        await rsync.exited()
        #expect(rsync.terminationStatus == 0)
        let reopened = try CreativeLibrary.open(copy)
        #expect(Set(try reopened.index.runnableJobs(limit: 16).map(\.id)) == [job.id, queued.id])
        #expect(reopened.store.libraryId != lib.library.store.libraryId, "the copy has its own id")
        let runner = JobRunner(library: reopened, workers: 1, lease: 3, environment: ProviderTests.env(server))
        let workers = Task { try await runner.run() }
        try await Task.sleep(for: .seconds(2))  // four looks for work
        workers.cancel()
        _ = try? await workers.value
        #expect(server.requests.isEmpty, "the copy ran a job the original holds")
        let list = try await CLI.run(["job", "list"], library: copy)
        let owner = try #require(lib.library.store.jobClaim(job.id)).owner
        #expect(list.stdout.contains("held by another copy of this library (\(owner))"), "\(list.stdout)")
        #expect(list.stdout.contains("held by another copy of this library (queued there)"), "\(list.stdout)")
        // On purpose: `job retry` takes it over and runs it here.
        let env = ["OPENAI_API_KEY": ProviderTests.key, "OPENAI_BASE_URL": server.baseURL + "/v1"]
        let retry = try await CLI.run(["job", "retry", job.id], library: copy, env: env)
        #expect(retry.status == 0, "\(retry.stdout) \(retry.stderr)")
        #expect(server.requests.count == 1)
        #expect(try reopened.store.read(GenerationJob.self, id: job.id)?.0.status == .succeeded)
        let adopted = try await CLI.run(["job", "retry", queued.id], library: copy, env: env)
        #expect(adopted.status == 0, "\(adopted.stdout) \(adopted.stderr)")
        #expect(server.requests.count == 2)
        #expect(try reopened.store.read(GenerationJob.self, id: queued.id)?.0.libraryId == reopened.store.libraryId)
    }

    @Test func theShippedFilterKeepsDeleteOffJobsAndTheTrash() async throws {
        let lib = try TempLibrary()
        let job = try await Self.queue(lib)
        let asset = try lib.savePNG(title: "Binned")
        _ = try lib.assets.deleteAsset(asset, userId: "alice")
        let stale = try TempLibrary()  // a copy from before the job and the trashed asset
        let rsync = Process()
        rsync.executableURL = URL(fileURLWithPath: "/usr/bin/rsync")
        rsync.arguments = ["-aF", "--delete", stale.path + "/", lib.path + "/"]
        rsync.standardError = FileHandle.nullDevice
        try rsync.run()
        await rsync.exited()
        #expect(rsync.terminationStatus == 0)
        #expect(try lib.library.store.read(GenerationJob.self, id: job.id) != nil, "--delete removed a job")
        let trash = try FileManager.default.contentsOfDirectory(atPath: lib.url(".trash").path)
        #expect(!trash.isEmpty, "--delete emptied the trash")
    }

    @Test func aGarbledLibraryIdIsSetAsideAndReplaced() throws {
        let lib = try TempLibrary()
        try Data("not an id\n".utf8).write(to: lib.url(".library-id"))
        let reopened = try CreativeLibrary.open(lib.path)
        #expect(reopened.store.libraryId.count == 26, "a working id, not none")
        #expect(try String(contentsOf: lib.url(".library-id"), encoding: .utf8).hasPrefix(reopened.store.libraryId))
        #expect(try String(contentsOf: lib.url(".library-id.invalid"), encoding: .utf8) == "not an id\n")
        #expect(try CreativeLibrary.open(lib.path).store.libraryId == reopened.store.libraryId, "stable once made")
    }
}
