import CreativeCatalog
import CreativeDaemon
import CreativeLibraries
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// End to end through the folder door: real `creative watch` processes, real inotify, real files.
@Suite("Inbox and jobs", .serialized)
struct InboxTests {
    /// Starts `creative watch` on the library; stopped (SIGTERM) by the caller.
    static func watch(_ lib: TempLibrary, _ extra: [String] = []) throws -> Process {
        try CLI.start(["watch", "--lease", "2", "--rescan", "2", "--workers", "2"] + extra, library: lib.path, user: "local")
    }

    /// SIGTERM, then reaped; synchronous for `defer` (see ``Process/stop(within:sourceLocation:)``).
    static func stop(_ process: Process, sourceLocation: SourceLocation = #_sourceLocation) {
        process.stop(sourceLocation: sourceLocation)
    }

    /// Starts `engine` with its log in a file beside the library. - Returns: the file (the caller
    /// removes it) and a reader of what it holds so far.
    static func runLogged(_ engine: Process, _ lib: TempLibrary) throws -> (log: String, text: @Sendable () -> String) {
        let log = lib.path + "-watch.log"
        FileManager.default.createFile(atPath: log, contents: nil)
        engine.standardOutput = FileHandle.nullDevice
        engine.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        try engine.run()
        return (log, { (try? String(contentsOfFile: log, encoding: .utf8)) ?? "" })
    }

    /// Runs `engine` logged (``runLogged(_:_:)``) until `body` returns, once its log holds every
    /// one of `marks`; then stops it and removes the log.
    static func whileReady(
        _ engine: Process, _ lib: TempLibrary, marks: [String] = ["ready:"], sourceLocation: SourceLocation = #_sourceLocation,
        _ body: (_ text: @Sendable () -> String) async throws -> Void
    ) async throws {
        let (log, text) = try runLogged(engine, lib)
        defer {
            stop(engine, sourceLocation: sourceLocation)
            try? FileManager.default.removeItem(atPath: log)
        }
        #expect(await eventually { marks.allSatisfy(text().contains) }, "\(text())", sourceLocation: sourceLocation)
        try await body(text)
    }

    static func jobs(_ lib: TempLibrary) -> [GenerationJob] {
        lib.library.store.readAll(GenerationJob.self).entities.map(\.0)
    }

    static func drop(_ lib: TempLibrary, _ name: String, _ text: String) throws {
        try Data(text.utf8).write(to: URL(fileURLWithPath: "\(lib.path)/inbox/\(name)"))
    }

    @Test func textMarkdownAndJSONRequestsBecomeAssets() async throws {
        let lib = try TempLibrary()
        let engine = try Self.watch(lib)
        defer { Self.stop(engine) }
        try Self.drop(lib, "fox.txt", "a red fox in deep snow, golden hour\n")
        try Self.drop(
            lib, "night.md", "---\nwidth: 256\nheight: 192\nseed: 7\nsteps: 4\ntags: [demo, night]\ntitle: Night city\n---\nneon city street at night, rain\n")
        try Self.drop(lib, "ideas.json", #"{"kind": "ideas", "topic": "home coffee roasting", "count": 5}"#)
        try Self.drop(
            lib, "edit.md",
            "---\nkind: improve\ngoal: clearer\n---\nIn order to really understand the product, it was decided by the team that a very long review would be written.\n"
        )
        try FileManager.default.createDirectory(atPath: lib.path + "/inbox/alice", withIntermediateDirectories: true)
        try Self.drop(lib, "alice/post.json", #"{"kind": "content", "prompt": "our spring sale", "contentType": "social-post", "tone": "playful"}"#)

        #expect(await eventually { Self.jobs(lib).filter { $0.status == .succeeded }.count == 5 })
        let jobs = Self.jobs(lib)
        #expect(jobs.allSatisfy { $0.status == .succeeded && $0.resultAssetId == $0.id && $0.progress == 100 }, "\(jobs.map { ($0.status, $0.errorMessage) })")
        let remaining = try FileManager.default.contentsOfDirectory(atPath: lib.path + "/inbox").filter {
            !$0.hasPrefix(".") && $0 != "failed" && $0 != "alice"
        }
        #expect(remaining.isEmpty)

        let night = try #require(jobs.first { $0.parameters?["source"] == .string("inbox/night.md") })
        let image = try #require(try lib.assets.getAsset(night.id, userId: "local"))
        #expect(image.width == 256 && image.height == 192 && image.format == "png" && image.seed == 7 && image.steps == 4)
        #expect(image.provider == "local" && image.generationId == night.id && image.title == "Night city" && image.tags == ["demo", "night"])
        #expect(image.thumbnailUrl == "thumbnail.webp")
        #expect(night.resultUrl?.hasSuffix("/image.png") == true && night.totalSteps == 4 && night.startedAt != nil && night.completedAt != nil)
        let jobFolder = try #require(try lib.library.store.locate(.job, id: night.id))
        #expect(FileManager.default.fileExists(atPath: "\(lib.path)/\(jobFolder.path)/request.md"))

        let ideas = try #require(jobs.first { $0.parameters?["kind"] == .string("ideas") })
        let ideasAsset = try #require(try lib.assets.getAsset(ideas.id, userId: "local"))
        #expect(ideasAsset.type == .text && ideasAsset.url == "content.md")
        #expect(ideasAsset.parameters?["ideas"]?.arrayValue?.count == 5)

        let edit = try #require(jobs.first { $0.parameters?["kind"] == .string("improve") })
        let improved = try #require(try lib.assets.getAsset(edit.id, userId: "local")?.parameters?["improved"]?.stringValue)
        #expect(!improved.contains("In order to") && !improved.isEmpty)

        let post = try #require(jobs.first { $0.parameters?["source"] == .string("inbox/alice/post.json") })
        #expect(post.userId == "alice")
        #expect(try lib.assets.getAsset(post.id, userId: "alice")?.type == .text)
        // The sidecars the engine wrote validate against the schemas.
        #expect(try await SchemaContractTests.python(["scripts/validate-sidecars.py", lib.path]).status == 0)
    }

    @Test func imagesDroppedIntoTheInboxAreImportedOnce() async throws {
        let lib = try TempLibrary()
        let engine = try Self.watch(lib)
        defer { Self.stop(engine) }
        let text = "a lighthouse at dusk\nNegative prompt: fog\nSteps: 12, Sampler: Euler a, CFG scale: 6, Seed: 99, Size: 48x32, Model: sdxl"
        let png = try PNGText.inserting(keyword: "parameters", text: text, into: Fixtures.png)
        try png.write(to: lib.url("inbox/shot.png"))
        #expect(await eventually { Self.jobs(lib).contains { $0.status == .succeeded } })
        let first = try #require(Self.jobs(lib).first)
        let assetId = try #require(first.resultAssetId)
        let asset = try #require(try lib.assets.getAsset(assetId, userId: "local"))
        #expect(asset.id == first.id && asset.source == .imported && asset.prompt == "a lighthouse at dusk" && asset.negativePrompt == "fog")
        #expect(asset.seed == 99 && asset.steps == 12 && asset.sampler == "Euler a" && asset.model == "sdxl" && asset.width == 48)
        #expect(first.parameters?["kind"] == .string("import") && first.resultUrl?.hasSuffix("/image.png") == true)

        // The same bytes again, under another name: consumed, and the job names the asset there is.
        try png.write(to: lib.url("inbox/again.png"))
        #expect(await eventually { Self.jobs(lib).count == 2 && Self.jobs(lib).allSatisfy { $0.status == .succeeded } })
        let second = try #require(Self.jobs(lib).first { $0.id != first.id })
        #expect(second.resultAssetId == asset.id && second.parameters?["duplicate"] == .bool(true))
        #expect(try lib.assets.listAssets(userId: "local").items.count == 1)
        let left = try FileManager.default.contentsOfDirectory(atPath: lib.path + "/inbox").filter { !$0.hasPrefix(".") && $0 != "failed" }
        #expect(left.isEmpty && ((try? FileManager.default.contentsOfDirectory(atPath: lib.path + "/inbox/failed")) ?? []).isEmpty)
    }

    @Test func anRsyncStyleDropRunsOnceAndATemplateRequestRenders() async throws {
        let lib = try TempLibrary()
        let engine = try Self.watch(lib)
        defer { Self.stop(engine) }
        // rsync writes `.NAME.XXXXXX`, then renames it into place.
        try Self.drop(lib, ".lighthouse.txt.Ab12Cd", "lighthouse on a rocky coast")
        try await Task.sleep(for: .seconds(0.3))
        #expect(Self.jobs(lib).isEmpty)
        try FileManager.default.moveItem(atPath: lib.path + "/inbox/.lighthouse.txt.Ab12Cd", toPath: lib.path + "/inbox/lighthouse.txt")
        let product = DefaultTemplates.all[0]
        try Self.drop(
            lib, "shot.json",
            #"{"kind": "from-template", "templateId": "\#(product.id)", "variables": {"product": "a ceramic mug"}, "width": 128, "height": 128, "steps": 3}"#)
        #expect(await eventually { Self.jobs(lib).filter { $0.status == .succeeded }.count == 2 })
        try await Task.sleep(for: .seconds(2.5))  // a safety rescan passes; nothing runs twice
        #expect(Self.jobs(lib).count == 2)
        let shot = try #require(Self.jobs(lib).first { $0.templateId == product.id })
        #expect(shot.prompt.contains("a ceramic mug") && shot.prompt.contains("seamless white background"))
        #expect(try lib.templates.getTemplate(product.id, userId: "local")?.usageCount == 1)
        let asset = try #require(try lib.assets.getAsset(shot.id, userId: "local"))
        #expect(asset.templateId == product.id && asset.templateVariables != nil && asset.width == 128)
        // SIGTERM: a clean exit, nothing left running.
        engine.terminate()
        await engine.exited()
        #expect(engine.terminationStatus == 0)
        #expect(Self.jobs(lib).allSatisfy { $0.status == .succeeded })
    }

    @Test func requestsDroppedWhileStoppedRunAtStartUpAndPollingWorks() async throws {
        let lib = try TempLibrary()
        try Self.drop(lib, "early.txt", "a castle on a cliff")
        let engine = try Self.watch(lib, ["--poll", "0.2"])
        defer { Self.stop(engine) }
        #expect(await eventually { Self.jobs(lib).first?.status == .succeeded })
        try Self.drop(lib, "late.json", #"{"prompt": "a late request", "width": 64, "height": 64, "steps": 2}"#)
        #expect(await eventually { Self.jobs(lib).filter { $0.status == .succeeded }.count == 2 })
    }

    @Test func badRequestsLandInFailedWithOneSentence() async throws {
        let lib = try TempLibrary()
        let engine = try Self.watch(lib)
        defer { Self.stop(engine) }
        let cases: [(String, Data, String)] = [
            ("broken.json", Data("{not json".utf8), "not valid JSON"),
            ("typo.json", Data(#"{"prompt": "x", "colour": "red"}"#.utf8), "Unknown field colour"),
            ("huge.json", Data(#"{"prompt": "x", "width": 99999}"#.utf8), "width must be between 64 and 2048"),
            ("mixed.json", Data(#"{"prompt": "x", "topic": "y"}"#.utf8), "topic does not apply to a image request"),
            ("yaml.md", Data("---\nwidth: [1, 2\n---\nbody\n".utf8), "front matter of yaml.md is not valid YAML"),
            ("ghost.json", Data(#"{"kind": "from-template", "templateId": "01M88XERMRTVXY3NE28XSPVP6P"}"#.utf8), "is not a template you can use"),
            ("big.txt", Data(repeating: 0x61, count: 1024 * 1024 + 10), "larger than 1 MiB"),
            ("binary.txt", Data([0x89, 0x50, 0x4E, 0x47, 0x00, 0x00, 0x01]), "not UTF-8 text"),
            ("empty.txt", Data("  \n".utf8), "is empty"),
            ("photo.docx", Data("hello".utf8), "Only requests (.txt, .prompt, .md, .json) and media"),
            ("ideas.json", Data(#"{"kind": "ideas", "topic": "tea", "count": 0}"#.utf8), "count must be between 1 and 100"),
        ]
        for (name, data, _) in cases { try data.write(to: URL(fileURLWithPath: "\(lib.path)/inbox/\(name)")) }
        let failed = lib.path + "/inbox/failed"
        #expect(
            await eventually {
                cases.allSatisfy {
                    FileManager.default.fileExists(atPath: "\(failed)/\($0.0).error.txt") && FileManager.default.fileExists(atPath: "\(failed)/\($0.0)")
                }
            })
        for (name, data, phrase) in cases {
            let error = try String(contentsOfFile: "\(failed)/\(name).error.txt", encoding: .utf8)
            #expect(error.contains(phrase), "\(name): \(error)")
            #expect(error.split(separator: "\n").count == 1, "\(name): one sentence")
            #expect(try Data(contentsOf: URL(fileURLWithPath: "\(failed)/\(name)")) == data, "\(name) kept as it was")
        }
        #expect(Self.jobs(lib).isEmpty)
    }

    @Test func specialFilesInTheInboxMoveToFailedUnread() async throws {
        let lib = try TempLibrary()
        let inbox = lib.url("inbox").path
        let secret = lib.url("secret.txt").path
        try "do not read me".write(toFile: secret, atomically: true, encoding: .utf8)
        #expect(mkfifo("\(inbox)/pipe.txt", 0o644) == 0)
        try FileManager.default.createSymbolicLink(atPath: "\(inbox)/link.txt", withDestinationPath: secret)
        let listener = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(listener) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let path = Array("\(inbox)/sock.txt".utf8CString)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in raw.copyBytes(from: path.map { UInt8(bitPattern: $0) }.prefix(raw.count)) }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        #expect(bound == 0)
        try Self.drop(lib, "fine.txt", "a kite over a beach")
        try await Task.sleep(for: .milliseconds(600))  // a file written in place is taken once settled

        let made = Intake(library: lib.library).run().jobs
        #expect(made.count == 1)
        let failed = lib.url("inbox/failed").path
        for (name, says) in [("pipe.txt", "a FIFO (named pipe)"), ("link.txt", "a symbolic link"), ("sock.txt", "a socket")] {
            let error = try String(contentsOfFile: "\(failed)/\(name).error.txt", encoding: .utf8)
            #expect(error.contains(says), "\(name): \(error)")
            #expect(!FileManager.default.fileExists(atPath: "\(inbox)/\(name)"))
        }
        // The link moved as a link; what it pointed to was neither read nor moved.
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: "\(failed)/link.txt") == secret)
        #expect(try String(contentsOfFile: secret, encoding: .utf8) == "do not read me")
        // Nothing is left for a next pass.
        #expect(Intake(library: lib.library).run().jobs.isEmpty)
        #expect(try FileManager.default.contentsOfDirectory(atPath: inbox).sorted() == ["failed"])
    }

    @Test func twoWatchersAndFiveHundredRequestsRunEachOnce() async throws {
        let lib = try TempLibrary()
        let a = try Self.watch(lib)
        let b = try Self.watch(lib)
        defer { Self.stop(a); Self.stop(b) }
        for n in 0..<500 {
            try Self.drop(lib, "r\(n).json", #"{"prompt": "tiny request \#(n)", "width": 64, "height": 64, "steps": 1}"#)
        }
        #expect(await eventually { Self.jobs(lib).filter { $0.status == .succeeded }.count >= 500 })
        let jobs = Self.jobs(lib)
        #expect(jobs.count == 500)
        #expect(Set(jobs.compactMap { $0.parameters?["source"]?.stringValue }).count == 500)
        let assets = lib.library.store.readAll(CreativeAsset.self).entities.map(\.0)
        #expect(assets.count == 500 && Set(assets.compactMap(\.generationId)).count == 500)
    }

    @Test func sigkilledWorkersLeaveEveryRequestDoneExactlyOnce() async throws {
        let lib = try TempLibrary()
        for n in 0..<200 {
            try Self.drop(lib, "k\(n).json", #"{"prompt": "request \#(n)", "width": 96, "height": 96, "steps": 6}"#)
        }
        var kills = 0
        for _ in 0..<4 {
            let engine = try Self.watch(lib, ["--lease", "1"])
            try await Task.sleep(for: .seconds(Double.random(in: 0.3...1.2)))
            if engine.isRunning {
                kill(engine.processIdentifier, SIGKILL)
                kills += 1
            }
            await engine.exited()
        }
        let engine = try Self.watch(lib, ["--lease", "1"])
        defer { Self.stop(engine) }
        // A request being taken at a kill moves to inbox/failed/ at the next start, saying so (it
        // might be what killed the engine); every other one runs, and each exactly once.
        let failed = lib.path + "/inbox/failed"
        func halfTaken() -> [String] { ((try? FileManager.default.contentsOfDirectory(atPath: failed)) ?? []).filter { !$0.hasSuffix(".error.txt") } }
        #expect(await eventually { Self.jobs(lib).filter { $0.status == .succeeded }.count + halfTaken().count >= 200 })
        #expect(kills >= 3)
        #expect(halfTaken().count <= kills)
        for name in halfTaken() {
            let error = try String(contentsOfFile: "\(failed)/\(name).error.txt", encoding: .utf8)
            #expect(error.contains("stopped while it was taking this request"), "\(name): \(error)")
        }
        let jobs = Self.jobs(lib)
        #expect(jobs.count + halfTaken().count == 200 && jobs.allSatisfy { $0.status == .succeeded })
        let sources = Set(jobs.compactMap { $0.parameters?["source"]?.stringValue })
        #expect(sources.count == jobs.count && sources.isDisjoint(with: halfTaken().map { "inbox/\($0)" }))
        let (assets, problems) = lib.library.store.readAll(CreativeAsset.self)
        #expect(problems.isEmpty && assets.count == jobs.count)
        #expect(lib.library.store.readAll(GenerationJob.self).problems.isEmpty)
    }

    @Test func outOfInotifyWatchesTheEngineWatchesTheInboxFirstAndKeepsRunning() async throws {
        let lib = try TempLibrary()
        for n in 0..<30 { _ = try lib.savePNG(user: "local", title: "Fox \(n)") }
        // Collections can gain assets, so each is watched (asset folders are not).
        for n in 0..<20 { try FileManager.default.createDirectory(atPath: "\(lib.path)/assets/board-\(n)", withIntermediateDirectories: true) }
        // A user namespace of its own, whose watch budget (12) is far below the folder count.
        let engine = CLI.process([], library: lib.path, user: "local")
        engine.executableURL = URL(fileURLWithPath: "/usr/bin/unshare")
        engine.arguments = [
            "-U", "-r", "/bin/sh", "-c", #"echo 12 > /proc/sys/user/max_inotify_watches && exec "$0" "$@""#, CLI.binary, "watch", "--rescan", "1",
            "--workers", "1",
        ]
        try await Self.whileReady(engine, lib) { text in
            #expect(text().components(separatedBy: "inotify watch limit reached").count == 2, "said once")
            #expect(text().contains("sudo sysctl fs.inotify.max_user_watches=") && text().contains("watching 12 folders"))
            // The inbox is watched: a drop still becomes an asset (whose new folder finds no budget).
            try Self.drop(lib, "fox.txt", "a fox in the snow")
            #expect(await eventually { Self.jobs(lib).contains { $0.status == .succeeded } })
            // A hand edit deep in an unwatched asset folder is seen by the rescan.
            let first = try #require(lib.library.store.readAll(CreativeAsset.self).entities.first { $0.0.title == "Fox 0" })
            let sidecar = lib.url("\(first.1.path)/asset.json").path
            let edited = try String(contentsOfFile: sidecar, encoding: .utf8).replacingOccurrences(of: "\"Fox 0\"", with: "\"Fox zero\"")
            try edited.write(toFile: sidecar, atomically: true, encoding: .utf8)
            #expect(await eventually { (try? lib.library.index.check().isClean) == true })
            #expect(engine.isRunning)
            #expect(text().components(separatedBy: "inotify watch limit reached").count == 2, "still said once")
        }
    }

    /// A collection whose name the inbox's ignore rules would match (`*~`, `*.tmp`) is watched
    /// like any other (the sweep would find what is moved in, but only a pass later).
    @Test func collectionsNamedLikeTemporariesAreWatched() async throws {
        let lib = try TempLibrary()
        let id = try lib.savePNG(user: "local", title: "Kept")
        let engine = CLI.process(["watch", "--rescan", "600", "--workers", "1"], library: lib.path, user: "local")
        try await Self.whileReady(engine, lib) { text in
            for collection in ["old~", "draft.tmp"] {
                try FileManager.default.createDirectory(atPath: lib.url("assets/\(collection)").path, withIntermediateDirectories: false)
                let inode = try Self.inode(lib.url("assets/\(collection)").path)
                #expect(await eventually(20) { Self.watchedInodes(engine.processIdentifier).contains(inode) }, "\(collection) is watched")
                let from = try lib.folder(of: id, user: "local")
                try FileManager.default.moveItem(atPath: from, toPath: lib.url("assets/\(collection)/kept--\(id)").path)
                var filters = AssetFilters()
                filters.collection = collection
                #expect(await eventually(20) { (try? lib.assets.listAssets(userId: "local", filters: filters).items.map(\.id)) == [id] }, "\(collection)")
            }
        }
    }

    /// `creative serve` answers an id its index does not know from the index alone while its
    /// engine watches every folder with inotify (404), and reads the folders when it polls (200).
    /// The row is dropped from the shared index by this process: no file changes, no event.
    @Test func aServerWatchingEveryFolderAnswersUnknownIdsFromItsIndex() async throws {
        let lib = try TempLibrary()
        let id = try lib.savePNG(user: "local", title: "Unseen")
        let token = "test-token-local-0123456789"
        for poll in [false, true] {
            let server = CLI.process(
                ["serve", "--port", "0", "--rescan", "600"] + (poll ? ["--poll", "0.2"] : []), library: lib.path, user: "local",
                env: ["CREATIVE_API_TOKENS": "\(token):local"])
            try await Self.whileReady(server, lib, marks: ["ready:", "serving http://"]) { text in
                let base = try #require(text().firstMatch(of: /serving (http:\/\/127\.0\.0\.1:\d+)\//)).1
                let client = APITests.Client(base: String(base), token: token)
                lib.library.index.removed(.asset, id: id)
                let after = await client.call("GET", "/api/creative/asset/\(id)").status
                #expect(after == (poll ? 200 : 404), "poll \(poll): \(after)")
                try lib.library.index.reconcile()
            }
        }
    }

    /// The inodes an engine's inotify instances watch, from /proc/PID/fdinfo.
    static func watchedInodes(_ pid: Int32) -> Set<UInt64> {
        let dir = "/proc/\(pid)/fdinfo"
        var found = Set<UInt64>()
        for fd in (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? [] {
            let info = (try? String(contentsOfFile: "\(dir)/\(fd)", encoding: .utf8)) ?? ""
            for line in info.split(separator: "\n") where line.hasPrefix("inotify wd:") {
                if let field = line.split(separator: " ").first(where: { $0.hasPrefix("ino:") }), let ino = UInt64(field.dropFirst(4), radix: 16) {
                    found.insert(ino)
                }
            }
        }
        return found
    }

    static func inode(_ path: String) throws -> UInt64 {
        try #require(try FileManager.default.attributesOfItem(atPath: path)[.systemFileNumber] as? UInt64)
    }

    @Test func aSidecarEditedInPlaceInAnUnwatchedFolderReachesSearch() async throws {
        let lib = try TempLibrary()
        let ids = try (0..<5).map { n in try lib.savePNG(user: "local", title: "Lighthouse \(n)") }
        // The safety rescan is far away: only the sweep can find the edit.
        let engine = CLI.process(["watch", "--rescan", "600", "--workers", "1"], library: lib.path, user: "local")
        try await Self.whileReady(engine, lib) { text in
            let folder = try lib.folder(of: ids[2], user: "local")
            let watched = Self.watchedInodes(engine.processIdentifier)
            #expect(watched.contains(try Self.inode((folder as NSString).deletingLastPathComponent)), "the month folder is watched")
            #expect(!watched.contains(try Self.inode(folder)), "the asset folder is not")
            // Edited in place (as many editors save): no new file, the folder's mtime unchanged.
            let sidecar = folder + "/asset.json"
            let edited = try String(contentsOfFile: sidecar, encoding: .utf8)
                .replacingOccurrences(of: "\"Lighthouse 2\"", with: "\"Lighthouse zanzibar\"")
            let handle = try FileHandle(forUpdating: URL(fileURLWithPath: sidecar))
            try handle.truncate(atOffset: 0)
            try handle.write(contentsOf: Data(edited.utf8))
            try handle.close()
            var filters = AssetFilters()
            filters.text = "zanzibar"
            #expect(await eventually { (try? lib.assets.listAssets(userId: "local", filters: filters).items.map(\.id)) == [ids[2]] })
            #expect(engine.isRunning)
        }
    }

    /// bindfs mirrors a folder through FUSE: a user-space filesystem, where inotify is as blind
    /// to other writers as on NFS.
    static let canMountFUSE =
        getuid() == 0 && FileManager.default.isExecutableFile(atPath: "/usr/bin/bindfs") && FileManager.default.fileExists(atPath: "/dev/fuse")

    @Test(.enabled(if: canMountFUSE, "needs root, /dev/fuse and bindfs (scripts/install-deps.sh installs it)"))
    func aLibraryOnANetworkOrFUSEFilesystemIsPolledSayingSo() async throws {
        let lib = try TempLibrary()
        let mount = lib.path + "-fuse"
        try FileManager.default.createDirectory(atPath: mount, withIntermediateDirectories: true)
        // bindfs daemonizes: spawned and reaped directly (Foundation's Process waits for the daemon too).
        func run(_ tool: String, _ arguments: [String]) -> Int32 {
            let argv: [UnsafeMutablePointer<CChar>?] = ([tool] + arguments).map { strdup($0) } + [nil]
            defer { argv.forEach { free($0) } }
            var pid: pid_t = 0
            guard posix_spawn(&pid, tool, nil, nil, argv, environ) == 0 else { return -1 }
            var status: Int32 = 0
            waitpid(pid, &status, 0)
            return status
        }
        #expect(run("/usr/bin/bindfs", [lib.path, mount]) == 0)
        defer {
            _ = run("/bin/fusermount", ["-u", mount])
            try? FileManager.default.removeItem(atPath: mount)
        }
        let engine = CLI.process(["watch", "--workers", "1"], library: mount, user: "local")
        try await Self.whileReady(engine, lib) { text in
            #expect(text().contains("is on FUSE: inotify misses other machines' writes there, so the engine polls inbox/ every 2 s"), "\(text())")
            try Data("a fox on a fuse".utf8).write(to: URL(fileURLWithPath: mount + "/inbox/fox.txt"))
            #expect(await eventually { Self.jobs(lib).contains { $0.status == .succeeded } })
        }
    }
}
