import CreativeLibraries
import Foundation
import GRDB
import Synchronization
import Testing

@testable import CreativeCatalog

@Suite("LibraryIndex")
struct IndexTests {
    /// Everything the index holds, as comparable text.
    static func snapshot(_ index: LibraryIndex) throws -> [String] {
        try index.read { db in
            let items = try Row.fetchAll(
                db,
                sql: """
                    SELECT kind, id, path, collection, userId, type, category, status, provider, model, isPublic,
                           isFavorite, isDefault, usageCount, priority, titleKey, createdAt, updatedAt, size, mtime, inode,
                           hex(sidecar) AS sidecar
                    FROM item ORDER BY kind, id
                    """
            ).map { $0.description }
            let tags = try Row.fetchAll(db, sql: "SELECT i.id, t.tag FROM item_tag t JOIN item i ON i.rowid = t.item ORDER BY 1, 2")
                .map { $0.description }
            var matches: [String] = []
            for word in Self.words + ["fo*", "\"deep snow\"", "title:fox", "tag*"] {
                let ids = try String.fetchAll(
                    db, sql: "SELECT i.id FROM item_fts JOIN item i ON i.rowid = item_fts.rowid WHERE item_fts MATCH ? ORDER BY i.id", arguments: [word])
                matches.append("\(word): \(ids.joined(separator: ","))")
            }
            return items + tags + matches
        }
    }

    static let words = ["fox", "snow", "city", "night", "lighthouse", "coast", "poster", "winter", "product", "blue"]

    @Test func rebuildEqualsIncrementalAfterARandomMixOfChanges() async throws {
        let lib = try TempLibrary()
        var rng = SeededRandom(seed: 2026)
        var live: [String] = []
        let fm = FileManager.default
        for step in 0..<120 {
            let action = live.isEmpty ? 0 : Int.random(in: 0..<10, using: &rng)
            let words = (0..<3).map { _ in Self.words.randomElement(using: &rng) ?? "fox" }
            switch action {
            case 0, 1:
                live.append(
                    try lib.savePNG(title: words.joined(separator: " "), tags: [words[0], "tag\(step % 5)"]) {
                        $0.prompt = "a \(words[1]) in deep snow"; $0.category = words[2]
                    })
            case 2:
                var u = AssetUpdates()
                u.title = words.joined(separator: " ")
                u.description = step % 2 == 0 ? "" : "about \(words[0])"
                _ = try lib.assets.updateAsset(live.randomElement(using: &rng)!, userId: "alice", updates: u)
            case 3:
                _ = try lib.assets.toggleFavorite(live.randomElement(using: &rng)!, userId: "alice")
            case 4:
                _ = try lib.assets.addTags(live.randomElement(using: &rng)!, userId: "alice", tags: [words[0], "Blue"])
            case 5:
                let id = live.remove(at: Int.random(in: 0..<live.count, using: &rng))
                _ = try lib.assets.deleteAsset(id, userId: "alice")
                if step % 3 == 0 {
                    _ = try lib.assets.restoreAsset(id, userId: "alice")
                    live.append(id)
                }
            case 6:
                // Moved by hand into a collection.
                let id = live.randomElement(using: &rng)!
                let folder = try lib.folder(of: id)
                let board = lib.path + "/assets/board-\(step % 3)"
                try fm.createDirectory(atPath: board, withIntermediateDirectories: true)
                try fm.moveItem(atPath: folder, toPath: board + "/" + URL(fileURLWithPath: folder).lastPathComponent)
            case 7:
                // Renamed by hand, losing the id from the name.
                let id = live.randomElement(using: &rng)!
                let folder = try lib.folder(of: id)
                try fm.moveItem(atPath: folder, toPath: URL(fileURLWithPath: folder).deletingLastPathComponent().path + "/renamed \(step)")
            case 8:
                // Edited by hand: a valid change, or a broken file.
                let id = live.randomElement(using: &rng)!
                let sidecar = try lib.folder(of: id) + "/asset.json"
                if step % 4 == 0 {
                    try Data("{ not json".utf8).write(to: URL(fileURLWithPath: sidecar))
                    live.removeAll { $0 == id }
                } else {
                    var object = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: sidecar))) as? [String: Any] ?? [:]
                    object["title"] = "hand edited \(words[0])"
                    object["rating"] = step
                    try JSONSerialization.data(withJSONObject: object).write(to: URL(fileURLWithPath: sidecar))
                }
            default:
                // Deleted by hand.
                let id = live.remove(at: Int.random(in: 0..<live.count, using: &rng))
                try fm.removeItem(atPath: try lib.folder(of: id))
            }
            if step % 25 == 0 { try lib.library.index.reconcile() }
        }
        let report = try lib.library.index.reconcile()
        #expect(!report.problems.isEmpty, "some sidecars were broken on purpose")
        let incremental = try Self.snapshot(lib.library.index)
        let rebuilt = try lib.library.index.rebuild()
        #expect(rebuilt.problems == report.problems)
        let fresh = try Self.snapshot(lib.library.index)
        #expect(incremental.count == fresh.count)
        for (a, b) in zip(incremental, fresh) where a != b {
            Issue.record("incremental \(a)\nrebuilt     \(b)")
            break
        }
        #expect(
            Set(
                try lib.assets.listAssets(
                    userId: "alice",
                    filters: {
                        var f = AssetFilters(); f.limit = 500; return f
                    }()
                ).items.map(\.id)) == Set(live))
        #expect(try lib.library.index.check().isClean)
    }

    @Test func aFolderCopiedByHandKeepsOneIndexEntryAndIsReported() async throws {
        let lib = try TempLibrary()
        let id = try lib.savePNG(title: "Original")
        let original = try lib.folder(of: id)
        let month = (original as NSString).deletingLastPathComponent
        // A file manager's copy: same sidecar, a name without the id, sorting before the original.
        try FileManager.default.copyItem(atPath: original, toPath: month + "/a copy of original")
        let kept = String(original.dropFirst(lib.path.count + 1))
        func paths() throws -> [String] {
            let queue = try DatabaseQueue(
                path: lib.path + "/.index/"
                    + String(contentsOfFile: lib.path + "/.index/current", encoding: .utf8)
                    .trimmingCharacters(in: .whitespacesAndNewlines))
            defer { try? queue.close() }
            return try queue.read { db in try String.fetchAll(db, sql: "SELECT path FROM item WHERE kind = 'asset'") }
        }
        let first = try lib.library.index.reconcile()
        #expect(try paths() == [kept])
        #expect(
            first.problems.contains {
                $0.path.hasPrefix("\(kept.split(separator: "/").dropLast().joined(separator: "/"))/a copy of original/") && $0.reason.contains(kept)
            })
        // Later passes keep the same folder and do not read (or report) the unchanged copy again.
        for _ in 0..<2 {
            let again = try lib.library.index.reconcile()
            #expect(try paths() == [kept] && again.problems.isEmpty && again.added + again.updated + again.removed == 0)
        }
        let check = try lib.library.index.check()
        #expect(check.missing.isEmpty && check.problems.count == 1)
        // A rebuild used to fail on the unique index; now it keeps the same folder.
        let rebuilt = try lib.library.index.rebuild()
        let afterRebuild = try paths()
        #expect(rebuilt.assets == 1 && rebuilt.problems.count == 1 && afterRebuild == [kept])
        #expect(try lib.assets.getAsset(id, userId: "alice")?.title == "Original")
    }

    @Test func aSidecarWhoseIdIsEditedLeavesNoRowBehind() async throws {
        let lib = try TempLibrary()
        let id = try lib.savePNG(title: "Fox")
        let sidecar = try lib.folder(of: id) + "/asset.json"
        let other = ULID.make()
        let edited = try String(contentsOfFile: sidecar, encoding: .utf8).replacingOccurrences(of: id, with: other)
        try edited.write(toFile: sidecar, atomically: true, encoding: .utf8)
        _ = try lib.library.index.reconcile()
        let listed = try lib.assets.listAssets(userId: "alice").items.map(\.id)
        #expect(listed == [other])
        #expect(try lib.library.index.check().isClean)
    }

    @Test func readsFollowTheFolderTheIndexKeeps() async throws {
        let lib = try TempLibrary()
        let id = try lib.savePNG(title: "Fox")
        #expect(try lib.assets.getAsset(id, userId: "alice")?.title == "Fox")  // now memoized
        // A copy in an older month folder wins the duplicate rule; someone retitles it by hand.
        let original = try lib.folder(of: id)
        let copy = lib.path + "/assets/2000-01/" + (original as NSString).lastPathComponent
        try FileManager.default.createDirectory(atPath: lib.path + "/assets/2000-01", withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: original, toPath: copy)
        let edited = try String(contentsOfFile: copy + "/asset.json", encoding: .utf8).replacingOccurrences(of: "\"Fox\"", with: "\"Kept copy\"")
        try edited.write(toFile: copy + "/asset.json", atomically: true, encoding: .utf8)
        _ = try lib.library.index.reconcile()
        #expect(try lib.assets.getAsset(id, userId: "alice")?.title == "Kept copy")
        var renamed = AssetUpdates()
        renamed.title = "Renamed"
        _ = try lib.assets.updateAsset(id, userId: "alice", updates: renamed)
        #expect(try lib.assets.getAsset(id, userId: "alice")?.title == "Renamed")
        #expect(try String(contentsOfFile: copy + "/asset.json", encoding: .utf8).contains("\"Renamed\""))
    }

    @Test func aCopiedMonthOfFoldersRebuildsWithEveryCopyReported() async throws {
        let lib = try TempLibrary()
        let ids = try (0..<40).map { try lib.savePNG(title: "Shot \($0)") }
        let month = (try lib.folder(of: ids[0]) as NSString).deletingLastPathComponent
        try FileManager.default.copyItem(atPath: month, toPath: lib.path + "/assets/backup")
        let rebuilt = try lib.library.index.rebuild()
        #expect(rebuilt.assets == 40 && rebuilt.problems.count == 40)
        #expect(rebuilt.problems.allSatisfy { $0.path.hasPrefix("assets/backup/") })
        #expect(try lib.library.index.check().missing.isEmpty)
        let listed = try lib.assets.listAssets(
            userId: "alice",
            filters: {
                var f = AssetFilters(); f.limit = 100; return f
            }())
        #expect(Set(listed.items.map(\.id)) == Set(ids))
    }

    @Test func aCorruptDeletedOrForeignIndexIsRebuilt() async throws {
        let lib = try TempLibrary()
        let id = try lib.savePNG(title: "Survivor")
        let dir = lib.path + "/.index"
        func current() throws -> String { try String(contentsOfFile: dir + "/current", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines) }
        func listed(_ library: CreativeLibrary) throws -> [String] { try library.assets.listAssets(userId: "alice").items.map(\.id) }

        // Corrupt: garbage over the database file.
        let first = try current()
        try Data(repeating: 0x42, count: 8192).write(to: URL(fileURLWithPath: "\(dir)/\(first)"))
        #expect(try listed(try CreativeLibrary.open(lib.path)) == [id])
        #expect(try current() != first)

        // Deleted.
        try FileManager.default.removeItem(atPath: "\(dir)/\(try current())")
        #expect(try listed(try CreativeLibrary.open(lib.path)) == [id])

        // Another schema version (a newer engine wrote it).
        let name = try current()
        let queue = try DatabaseQueue(path: "\(dir)/\(name)")
        try await queue.write { db in try db.execute(sql: "INSERT INTO grdb_migrations (identifier) VALUES ('v99-tables')") }
        try queue.close()
        #expect(try listed(try CreativeLibrary.open(lib.path)) == [id])
        #expect(try current() != name)

        // Corrupt while open: the next read rebuilds and retries.
        let library = try CreativeLibrary.open(lib.path)
        let open = try current()
        try FileManager.default.removeItem(atPath: "\(dir)/\(open)")
        try Data("not a database".utf8).write(to: URL(fileURLWithPath: "\(dir)/\(open)"))
        try Data((open + "\n").utf8).write(to: URL(fileURLWithPath: dir + "/current"))
        #expect(try listed(library) == [id])
    }

    @Test func invalidSidecarsAreReportedNotFatal() async throws {
        let lib = try TempLibrary()
        let good = try lib.savePNG(title: "Good")
        let noTitle = try lib.savePNG(title: "No title")
        let badJSON = try lib.savePNG(title: "Bad JSON")
        try Data(#"{"id":"\#(noTitle)","userId":"alice"}"#.utf8).write(to: URL(fileURLWithPath: try lib.folder(of: noTitle) + "/asset.json"))
        try Data("[[[".utf8).write(to: URL(fileURLWithPath: try lib.folder(of: badJSON) + "/asset.json"))
        let report = try lib.library.index.rebuild()
        #expect(report.assets == 1 && report.templates == DefaultTemplates.all.count)
        #expect(report.problems.count == 2)
        #expect(report.problems.contains { $0.path.hasSuffix("no-title--\(noTitle)/asset.json") && $0.reason.contains("title is required") })
        #expect(report.problems.contains { $0.path.hasSuffix("bad-json--\(badJSON)/asset.json") })
        #expect(try lib.assets.listAssets(userId: "alice").items.map(\.id) == [good])
    }

    @Test func pagingReturnsEveryItemOnceWhileItemsAreAdded() async throws {
        let lib = try TempLibrary()
        var rng = SeededRandom(seed: 7)
        var original = Set<String>()
        for _ in 0..<25 { original.insert(try lib.savePNG(title: Self.words.randomElement(using: &rng)! + " \(Int.random(in: 0..<1000, using: &rng))")) }
        for sort in [SortField.title, .createdAt, .updatedAt] {
            var seen: [String] = []
            var f = AssetFilters()
            f.sort = sort
            f.limit = 4
            repeat {
                let page = try lib.assets.listAssets(userId: "alice", filters: f)
                seen += page.items.map(\.id)
                _ = try lib.savePNG(title: Self.words.randomElement(using: &rng)! + " late")
                f.cursor = page.nextCursor
            } while f.cursor != nil
            #expect(Set(seen).count == seen.count, "\(sort): an item came twice")
            #expect(original.isSubset(of: Set(seen)), "\(sort): an item was skipped")
        }
    }

    @Test func searchUsesFTS5SyntaxPrefixesAndRelevance() async throws {
        let lib = try TempLibrary()
        let titled = try lib.savePNG(title: "Lighthouse at dusk") { $0.prompt = "a tower by the sea" }
        let described = try lib.savePNG(title: "Coast") {
            $0.description = "a lighthouse far away"; $0.prompt = "coast"
        }
        let other = try lib.savePNG(title: "Red fox", tags: ["Winter Animals"])
        func search(_ text: String, sort: SortField? = nil) throws -> [String] {
            var f = AssetFilters()
            f.text = text
            f.sort = sort
            return try lib.assets.listAssets(userId: "alice", filters: f).items.map(\.id)
        }
        #expect(try search("lighthouse") == [titled, described])
        #expect(try search("lightho*") == [titled, described])
        #expect(try search("lightho").isEmpty)
        #expect(try search("title:lighthouse") == [titled])
        #expect(try search("lighthouse NOT dusk") == [described])
        #expect(try search("\"far away\"") == [described])
        #expect(try search("winter") == [other])
        #expect(try search("red fo*") == [other])
        #expect(try search("Red FOX") == [other])
        #expect(try search("lighthouse", sort: .title).first == described)
        // Relevance, not age: a match in a newer title outranks one in an older prompt.
        let older = try lib.savePNG(title: "Boats") { $0.prompt = "a quiet harbor at dawn" }
        let newer = try lib.savePNG(title: "Harbor") { $0.prompt = "boats" }
        #expect(try search("harbor") == [newer, older])
        // Page by page, in the same order.
        var paged: [String] = []
        var cursor: String?
        repeat {
            var f = AssetFilters()
            (f.text, f.limit, f.cursor) = ("lighthouse", 1, cursor)
            let page = try lib.assets.listAssets(userId: "alice", filters: f)
            paged += page.items.map(\.id)
            cursor = page.nextCursor
        } while cursor != nil && paged.count < 5
        #expect(paged == [titled, described])
        await expectError(.invalidInput) { try search("\"unclosed") }
        await expectError(.invalidInput) { try search("colour:red") }
        await expectError(.invalidInput) { try search("owner:bob OR lighthouse") }
        await expectError(.invalidInput) { try search("AND fox") }
        await expectError(.invalidInput) { try search("fox", sort: .usageCount) }
        await expectError(.invalidInput) {
            try lib.assets.listAssets(
                userId: "alice",
                filters: {
                    var f = AssetFilters(); f.sort = .relevance; return f
                }())
        }
        #expect(try search("lighthouse", sort: nil).count == 2)
        #expect(
            try lib.assets.listAssets(
                userId: "bob",
                filters: {
                    var f = AssetFilters(); f.text = "lighthouse"; return f
                }()
            ).items.isEmpty)
    }

    @Test func aLinkedIndexFolderIsNeverFollowed() async throws {
        let lib = try TempLibrary()
        let id = try lib.savePNG(title: "Kept inside")
        let outside = FileManager.default.temporaryDirectory.appendingPathComponent("elsewhere-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: outside, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: outside) }
        try FileManager.default.removeItem(atPath: lib.path + "/.index")
        try FileManager.default.createSymbolicLink(atPath: lib.path + "/.index", withDestinationPath: outside)
        let reopened = try CreativeLibrary.open(lib.path)
        #expect(try reopened.assets.getAsset(id, userId: "alice")?.title == "Kept inside")
        #expect(try FileManager.default.contentsOfDirectory(atPath: outside).isEmpty)
        let attributes = try FileManager.default.attributesOfItem(atPath: lib.path + "/.index")
        #expect(attributes[.type] as? FileAttributeType == .typeDirectory)
    }

    @Test func aFIFOOrALinkInTheIndexFolderIsNeverOpened() async throws {
        let lib = try TempLibrary()
        let id = try lib.savePNG(title: "Kept inside")
        let index = lib.path + "/.index"
        let generation = try String(contentsOfFile: index + "/current", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        // A FIFO where the pointer belongs: reading it would block the engine's start for ever.
        try FileManager.default.removeItem(atPath: index + "/current")
        #expect(mkfifo(index + "/current", 0o644) == 0)
        let reopened = try CreativeLibrary.open(lib.path)
        #expect(try reopened.assets.getAsset(id, userId: "alice")?.title == "Kept inside")
        #expect(try FileManager.default.attributesOfItem(atPath: index + "/current")[.type] as? FileAttributeType == .typeRegular)
        // A link where SQLite's write-ahead log belongs: SQLite would write through it.
        let outside = FileManager.default.temporaryDirectory.appendingPathComponent("wal-\(UUID().uuidString)").path
        try Data("not yours".utf8).write(to: URL(fileURLWithPath: outside))
        defer { try? FileManager.default.removeItem(atPath: outside) }
        let current = try String(contentsOfFile: index + "/current", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(current != generation)
        try? FileManager.default.removeItem(atPath: index + "/\(current)-wal")
        try FileManager.default.createSymbolicLink(atPath: index + "/\(current)-wal", withDestinationPath: outside)
        let again = try CreativeLibrary.open(lib.path)
        #expect(try again.assets.getAsset(id, userId: "alice")?.title == "Kept inside")
        #expect(try String(contentsOfFile: outside, encoding: .utf8) == "not yours")
    }

    @Test func aFailingWriterStopsTheDecoders() async throws {
        let lib = try TempLibrary()
        // Ten chunks of entries whose files are missing: each decodes quickly into problems.
        let entries = (0..<10_000).map { (EntityKind.asset, SidecarStat(path: "assets/missing/\($0)", size: 10, mtime: 0, inode: 0)) }
        struct WriterFailed: Error {}
        #expect(throws: WriterFailed.self) {
            try LibraryIndex.decodeInParallel(entries, store: lib.library.store, progress: nil) { _, _ in throw WriterFailed() }
        }
        // What the decoders see when the writer stops: a decoder waiting for room returns, and
        // no chunk is handed out any more.
        let pipe = ChunkPipe(count: 10)
        let returned = Atomic<Int>(0)
        let decoder = Thread {
            while let _ = pipe.nextChunk() { pipe.finish([], []) }
            returned.store(1, ordering: .releasing)
        }
        decoder.start()
        #expect(pipe.take() != nil)
        // Four chunks wait for the writer and the decoder waits for room for a fifth.
        try await Task.sleep(for: .milliseconds(100))
        #expect(returned.load(ordering: .acquiring) == 0)
        pipe.close()
        #expect(await eventually { returned.load(ordering: .acquiring) == 1 })
        #expect(pipe.nextChunk() == nil && pipe.take() == nil)
    }

    /// What the watcher reports (folders that appeared or went, sidecars the sweep saw change)
    /// reconciled folder by folder leaves the index as a full rebuild would.
    @Test func reconcilingTheFoldersTheWatcherReportsEqualsARebuild() async throws {
        let lib = try TempLibrary()
        let ids = try (0..<6).map { n in try lib.savePNG(title: "Harbour \(n)") }
        let store = lib.library.store
        let path = { (id: String) throws -> String in try #require(try lib.assets.find(id, userId: "alice")?.location.path) }
        let (moved, removed, edited) = (try path(ids[0]), try path(ids[1]), try path(ids[2]))
        let board = "assets/board"
        try FileManager.default.createDirectory(atPath: store.absolutePath(board), withIntermediateDirectories: true)
        let movedTo = board + "/" + (moved as NSString).lastPathComponent
        try FileManager.default.moveItem(atPath: store.absolutePath(moved), toPath: store.absolutePath(movedTo))
        try FileManager.default.removeItem(atPath: store.absolutePath(removed))
        let sidecar = store.absolutePath(edited + "/asset.json")
        try String(contentsOfFile: sidecar, encoding: .utf8).replacingOccurrences(of: "Harbour 2", with: "Harbour lantern")
            .write(toFile: sidecar, atomically: false, encoding: .utf8)
        let report = try lib.library.index.reconcile(folders: [moved, board, removed, edited])
        // A move is its old place gone and a new one added, as in a full reconcile.
        #expect((report.added, report.updated, report.removed) == (1, 1, 2), "\(report)")
        let incremental = try Self.snapshot(lib.library.index)
        try lib.library.index.rebuild()
        #expect(try Self.snapshot(lib.library.index) == incremental)
        #expect(try lib.library.index.check().isClean)
    }

    @Test func anotherProcessesWritesAndRebuildsAreSeen() async throws {
        let lib = try TempLibrary()
        let id = try lib.savePNG(title: "Shared")
        #expect(try await CLI.run(["asset", "update", id, "--title", "Changed elsewhere"], library: lib.path).status == 0)
        #expect(try lib.assets.listAssets(userId: "alice").items.first?.title == "Changed elsewhere")
        let before = try String(contentsOfFile: lib.path + "/.index/current", encoding: .utf8)
        let rebuild = try await CLI.run(["index", "rebuild", "--json"], library: lib.path)
        #expect(rebuild.status == 0, "\(rebuild.stderr)")
        #expect(try String(contentsOfFile: lib.path + "/.index/current", encoding: .utf8) != before)
        // Our open index follows the pointer to the new generation.
        _ = try lib.assets.toggleFavorite(id, userId: "alice")
        var favorites = AssetFilters()
        favorites.isFavorite = true
        #expect(try lib.assets.listAssets(userId: "alice", filters: favorites).items.map(\.id) == [id])
        let check = try await CLI.run(["index", "check"], library: lib.path)
        #expect(check.status == 0 && check.stdout.contains("index and disk agree"))
    }
}

/// A small deterministic generator (SplitMix64), so a failing mix can be replayed.
struct SeededRandom: RandomNumberGenerator {
    var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

@Suite("Index rebuild reads")
struct RebuildReadTests {
    /// Counts opens of each sidecar through inotify (IN_OPEN on every entity folder), so what is
    /// measured is the real `creative index rebuild` process, not a counter inside it.
    @Test func indexRebuildWithoutAnIndexReadsEachSidecarOnce() async throws {
        let lib = try TempLibrary()
        for n in 0..<25 { _ = try lib.savePNG(title: "Read once \(n)") }
        let folders = LibraryIndex.kinds.flatMap { kind in lib.library.store.scan(kind).map { (kind, $0.path) } }
        try FileManager.default.removeItem(atPath: lib.path + "/.index")
        let fd = inotify_init1(Int32(IN_NONBLOCK | IN_CLOEXEC))
        try #require(fd >= 0)
        defer { close(fd) }
        var sidecarOf: [Int32: String] = [:]
        for (kind, path) in folders {
            let wd = inotify_add_watch(fd, lib.path + "/" + path, UInt32(IN_OPEN))
            try #require(wd >= 0)
            sidecarOf[wd] = "\(path)/\(kind.sidecarName)"
        }
        let rebuild = try await CLI.run(["index", "rebuild", "--json"], library: lib.path)
        #expect(rebuild.status == 0, "\(rebuild.stderr)")
        var opens: [String: Int] = [:]
        var buffer = [UInt8](repeating: 0, count: 65536)
        while case let n = read(fd, &buffer, buffer.count), n > 0 {
            var offset = 0
            while offset < n {
                let (wd, length, name) = buffer.withUnsafeBytes { raw -> (Int32, Int, String) in
                    let event = raw.loadUnaligned(fromByteOffset: offset, as: inotify_event.self)
                    let start = offset + MemoryLayout<inotify_event>.size
                    let bytes = raw[start..<(start + Int(event.len))].prefix { $0 != 0 }
                    return (event.wd, Int(event.len), String(decoding: bytes, as: UTF8.self))
                }
                if let sidecar = sidecarOf[wd], sidecar.hasSuffix("/" + name) { opens[sidecar, default: 0] += 1 }
                offset += MemoryLayout<inotify_event>.size + length
            }
        }
        #expect(opens.count == folders.count, "every sidecar was read")
        #expect(opens.values.allSatisfy { $0 == 1 }, "\(opens.filter { $0.value != 1 })")
        #expect(rebuild.stdout.contains("\"assets\" : 25") || rebuild.stdout.contains("\"assets\":25"), "\(rebuild.stdout)")
    }
}
