import CreativeCatalog
import CreativeLibraries
import Foundation
import Testing

@Suite("LibraryStore")
struct StoreTests {
    @Test func movedAndRenamedFoldersAreStillFound() async throws {
        let lib = try TempLibrary()
        let id = try lib.savePNG(title: "Wanderer")
        let folder = try lib.folder(of: id)
        // Moved by hand into a collection (a sub-folder of assets/).
        let board = lib.path + "/assets/spring-campaign/shoes"
        try FileManager.default.createDirectory(atPath: board, withIntermediateDirectories: true)
        try FileManager.default.moveItem(atPath: folder, toPath: board + "/wanderer--\(id)")
        #expect(try lib.assets.getAsset(id, userId: "alice")?.title == "Wanderer")
        try lib.library.index.reconcile()
        var f = AssetFilters()
        f.collection = "spring-campaign"
        #expect(try lib.assets.listAssets(userId: "alice", filters: f).items.map(\.id) == [id])
        // Renamed so the folder name no longer carries the id: the sidecar's id still finds it.
        try FileManager.default.moveItem(atPath: board + "/wanderer--\(id)", toPath: board + "/my favourite shot")
        #expect(try lib.assets.toggleFavorite(id, userId: "alice").isFavorite)
        #expect(try lib.assets.getAsset(id, userId: "alice")?.isFavorite == true)
    }

    /// An index an engine keeps current answers an id it does not know alone; otherwise (no
    /// engine, or one whose watches do not cover every folder) the folders are read.
    @Test func anIndexKeptCurrentAnswersUnknownIdsWithoutAWalk() async throws {
        let lib = try TempLibrary()
        let id = try lib.savePNG(title: "Unseen")
        let path = try #require(try lib.assets.find(id, userId: "alice")?.location).path
        // The index no longer knows it, as for a folder copied in that no watcher saw.
        lib.library.index.removed(.asset, id: id)
        let store = lib.library.store
        #expect(try store.locate(.asset, id: id)?.path == path, "found by reading the folders")
        lib.library.index.keptCurrent { true }
        #expect(lib.library.index.isCurrent)
        #expect(try store.locate(.asset, id: id) == nil, "taken as missing")
        lib.library.index.keptCurrent { false }
        #expect(try store.locate(.asset, id: id) != nil, "watches short of the library: read again")
        lib.library.index.keptCurrent(by: nil)
        #expect(!lib.library.index.isCurrent)
        #expect(try store.locate(.asset, id: id) != nil)
    }

    @Test func rewritesKeepUnknownKeysAndSkipUnchangedContent() async throws {
        let lib = try TempLibrary()
        let id = try lib.savePNG()
        let sidecar = try lib.folder(of: id) + "/asset.json"
        var object = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: sidecar))) as? [String: Any])
        object["rating"] = 5
        object["x-note"] = ["by": "hand"]
        try JSONSerialization.data(withJSONObject: object).write(to: URL(fileURLWithPath: sidecar))
        _ = try lib.assets.toggleFavorite(id, userId: "alice")
        let rewritten = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: sidecar))) as? [String: Any])
        #expect(rewritten["rating"] as? Int == 5)
        #expect((rewritten["x-note"] as? [String: String])?["by"] == "hand")
        #expect(rewritten["isFavorite"] as? Bool == true)

        // An update that changes nothing does not touch the file (same inode, same mtime).
        let before = try FileManager.default.attributesOfItem(atPath: sidecar)
        try await Task.sleep(for: .seconds(0.02))
        var same = AssetUpdates()
        same.title = "Black square"
        _ = try lib.assets.updateAsset(id, userId: "alice", updates: same)
        let after = try FileManager.default.attributesOfItem(atPath: sidecar)
        #expect(before[.systemFileNumber] as? Int == after[.systemFileNumber] as? Int)
        #expect(before[.modificationDate] as? Date == after[.modificationDate] as? Date)
    }

    /// A group commit puts each staged folder in place and indexes it; one that meets a folder
    /// made meanwhile fails alone, and its temp folder goes.
    @Test func aGroupCommitPlacesEachStagedFolderOrFailsItAlone() async throws {
        let lib = try TempLibrary()
        let store = lib.library.store
        let jobs = (0..<3).map { n in GenerationJob(id: ULID.make(), userId: "alice", type: .text, prompt: "batch \(n)", createdAt: Timestamp.now()) }
        let staged = try jobs.map { try store.stage($0, in: "jobs", files: [EntityFile(name: "request.txt", data: Data("batch".utf8))]) }
        // Not empty: rename(2) replaces an empty folder.
        try FileManager.default.createDirectory(atPath: lib.path + "/jobs/" + jobs[1].id, withIntermediateDirectories: true)
        try Data("made meanwhile".utf8).write(to: URL(fileURLWithPath: lib.path + "/jobs/\(jobs[1].id)/note.txt"))
        let results = store.createAll(staged)
        #expect(results.map { if case .success = $0 { true } else { false } } == [true, false, true])
        #expect(try store.read(GenerationJob.self, id: jobs[0].id)?.0.prompt == "batch 0")
        #expect(try lib.library.index.stats().jobs == 2)
        let left = try FileManager.default.contentsOfDirectory(atPath: lib.path + "/jobs").filter { $0.hasPrefix(".") }
        #expect(left.isEmpty, "no temp folder left: \(left)")
        #expect(try lib.library.index.check().isClean)
    }

    @Test func boundedCacheDropsTheOldestInsertFirst() async {
        let cache = BoundedCache<String, Int>(capacity: 3)
        for (n, key) in ["a", "b", "c"].enumerated() { cache.insert(n, for: key) }
        cache.insert(10, for: "a")  // an update keeps its place in line
        cache.insert(3, for: "d")
        #expect(cache["a"] == nil && cache["b"] == 1 && cache["c"] == 2 && cache["d"] == 3 && cache.count == 3)
        for n in 0..<100 { cache.insert(n, for: "k\(n)") }
        #expect(cache.count == 3 && cache["k99"] == 99 && cache["k96"] == nil)
    }

    @Test func ofTwoFoldersWithOneIdTheOriginalIsKept() async {
        let id = "01M898FSDX13BE60RRKZ0TH87Y"
        let original = "assets/2025-01/fox--\(id)"
        for copy in [
            "assets/2025-01 copy/fox--\(id)", "assets/2025-01 (copy)/fox--\(id)", "assets/2025-01-backup/fox--\(id)",
            "assets/2025-01/fox--\(id) copy", "assets/2025-01/a copy of fox", "assets/zz/fox--\(id)",
        ] {
            #expect(LibraryStore.keeps(original, over: copy, id: id) && !LibraryStore.keeps(copy, over: original, id: id), "\(copy)")
        }
    }

    @Test func manyProblemsAreSummarised() async {
        let problems = (0..<12).map { SidecarProblem(path: "assets/x\($0)/asset.json", reason: "bad") }
        let lines = SidecarProblem.summary(problems, verb: "skipped")
        #expect(lines.count == 11 && lines[0] == "skipped assets/x0/asset.json: bad" && lines[10].hasPrefix("… and 2 more"))
        #expect(SidecarProblem.summary(Array(problems.prefix(3)), verb: "skipped").count == 3)
    }

    @Test func strayTempFilesAreCleanedAtStartup() async throws {
        let lib = try TempLibrary()
        let id = try lib.savePNG()
        let folder = try lib.folder(of: id)
        // A dead writer's temp file: the pid of a child that has exited is known to be gone.
        let child = Process()
        child.executableURL = URL(fileURLWithPath: "/bin/true")
        try child.run()
        child.waitUntilExit()
        let host = ProcessInfo.processInfo.hostName.replacingOccurrences(of: ".", with: "_")
        let dead = folder + "/.asset.json.\(host).\(child.processIdentifier).1234.tmp"
        let live = folder + "/.asset.json.\(host).\(getpid()).5678.tmp"
        let halfFolder = lib.path + "/assets/.\(id).\(host).\(child.processIdentifier).42.tmp"
        let notOurs = folder + "/.image.png.Ab12Cd"
        for file in [dead, live, notOurs] { try Data("torn".utf8).write(to: URL(fileURLWithPath: file)) }
        try FileManager.default.createDirectory(atPath: halfFolder, withIntermediateDirectories: true)
        let (_, report) = try CreativeLibrary.initialize(lib.path)
        #expect(!FileManager.default.fileExists(atPath: dead))
        #expect(!FileManager.default.fileExists(atPath: halfFolder))
        #expect(FileManager.default.fileExists(atPath: live))
        #expect(FileManager.default.fileExists(atPath: notOurs))
        #expect(report.strayFilesRemoved.count == 2)
    }

    @Test func symlinksCannotLeadOutOfTheLibrary() async throws {
        let lib = try TempLibrary()
        let outside = FileManager.default.temporaryDirectory.appendingPathComponent("outside-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: outside + "/evil--01M88XERMRTVXY3NE28XSPVP6P", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: outside) }
        let planted =
            #"{"id":"01M88XERMRTVXY3NE28XSPVP6P","userId":"alice","type":"image","title":"x","url":"image.png","status":"ready","isPublic":true,"isFavorite":false,"tags":[],"createdAt":"2026-11-25T00:00:00.000Z","updatedAt":"2026-11-25T00:00:00.000Z"}"#
        try Data(planted.utf8).write(to: URL(fileURLWithPath: outside + "/evil--01M88XERMRTVXY3NE28XSPVP6P/asset.json"))
        // A synced library carries a link to a folder outside it.
        try FileManager.default.createSymbolicLink(atPath: lib.path + "/assets/linked", withDestinationPath: outside)
        try lib.library.index.reconcile()
        #expect(try lib.assets.getAsset("01M88XERMRTVXY3NE28XSPVP6P", userId: "alice") == nil)
        #expect(try lib.assets.listAssets(userId: "alice").items.isEmpty)
        // A sidecar that is itself a symlink is not read either.
        let id = try lib.savePNG()
        let sidecar = try lib.folder(of: id) + "/asset.json"
        try FileManager.default.removeItem(atPath: sidecar)
        try FileManager.default.createSymbolicLink(atPath: sidecar, withDestinationPath: outside + "/evil--01M88XERMRTVXY3NE28XSPVP6P/asset.json")
        let report = try lib.library.index.reconcile()
        // A folder whose sidecar is a link is not an entity: it leaves the index.
        #expect(report.removed == 1)
        #expect(try lib.assets.listAssets(userId: "alice").items.isEmpty)
        await expectError(.storage) { try lib.assets.toggleFavorite(id, userId: "alice") }
        #expect(try String(contentsOfFile: outside + "/evil--01M88XERMRTVXY3NE28XSPVP6P/asset.json", encoding: .utf8) == planted)
    }

    @Test func idsAreTimeSortableAndStrict() async throws {
        let ids = (0..<1000).map { _ in ULID.make() }
        #expect(ids == ids.sorted())
        #expect(Set(ids).count == ids.count)
        #expect(ids.allSatisfy(Validation.isValidId))
        for bad in [
            "../../etc", "..%2F..%2Fetc", "01M88XERMRTVXY3NE28XSPVP6", "01M88XERMRTVXY3NE28XSPVP6PX",
            "01m88xermrtvxy3ne28xspvp6p", "01M88XERMRTVXY3NE28XSPVP/P", "01M88XERMRTVXY3NE28XSPVPIL", "",
        ] {
            #expect(!Validation.isValidId(bad), "\(bad)")
        }
        // Folder names: `<slug>--<id>` or the id alone; the slug may be any script.
        let id = "01M88XERMRTVXY3NE28XSPVP6P"
        for name in ["fox--\(id)", id, "renard-écarlate--\(id)", "--\(id)"] { #expect(LibraryStore.isEntityFolderName(name), "\(name)") }
        for name in ["fox-\(id)", "fox\(id)", "fox--\(id.lowercased())", "fox--\(id)x", String(repeating: "é", count: 13), "2026-11", ""] {
            #expect(!LibraryStore.isEntityFolderName(name), "\(name)")
        }
        let date = try #require(ULID.date(of: ULID.make(at: Date(timeIntervalSince1970: 1_795_000_000))))
        #expect(abs(date.timeIntervalSince1970 - 1_795_000_000) < 0.001)
    }

    @Test func openRefusesAFolderThatIsNotALibrary() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("not-a-library-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        await expectError(.libraryNotFound) { try CreativeLibrary.open(dir) }
        await expectError(.libraryNotFound) { try CreativeLibrary.open(dir + "/missing") }
    }
}
