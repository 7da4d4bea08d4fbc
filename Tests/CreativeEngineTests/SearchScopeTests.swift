import CreativeLibraries
import Foundation
import GRDB
import Testing

@testable import CreativeCatalog

/// A search within one user's assets reads that user's range of rowids (`Rowids`). Whatever order
/// the users' assets were written in — saved live, found by a reconcile, or read by a rebuild —
/// each user finds every one of their own matches and nothing of anyone else's.
@Suite("Search scope")
struct SearchScopeTests {
    static let users = ["alice", "bob", "carol.d@example.com"]
    static let words = ["fox", "snow", "harbour", "kite"]

    /// Expected matches: user → word → asset ids.
    typealias Expected = [String: [String: Set<String>]]

    static func check(_ lib: TempLibrary, _ expected: Expected, when: String) throws {
        for user in users + ["nobody"] {
            for word in words {
                var filters = AssetFilters()
                (filters.text, filters.limit) = (word, 100)
                let found = try lib.library.index.listAssets(userId: user, filters: filters).items
                #expect(Set(found.map(\.id)) == expected[user]?[word] ?? [], "\(when): \(user) searching \(word)")
                #expect(found.allSatisfy { $0.userId == user })
            }
        }
        // One slot per user, never shared; templates and jobs in slot 0.
        let rows = try lib.library.index.read { db in
            try Row.fetchAll(db, sql: "SELECT DISTINCT kind, userId, rowid >> 32 AS slot FROM item")
        }
        let assetSlots = rows.filter { $0["kind"] == "asset" }.map { (user: $0["userId"] as String, slot: $0["slot"] as Int64) }
        #expect(Set(assetSlots.map(\.user)).count == assetSlots.count, "\(when): a user's assets span slots: \(assetSlots)")
        #expect(Set(assetSlots.map(\.slot)).count == assetSlots.count && !assetSlots.contains { $0.slot == 0 }, "\(when): \(assetSlots)")
        #expect(rows.filter { $0["kind"] != "asset" }.allSatisfy { $0["slot"] == 0 })
    }

    @Test func eachUserFindsExactlyTheirOwnMatchesHoweverTheyWereWritten() async throws {
        let lib = try TempLibrary()
        var expected = Expected()
        var rng = SeededRandom(seed: 12)
        func title() -> (String, [String]) {
            let chosen = Array(Set((0..<2).map { _ in Self.words.randomElement(using: &rng)! }))
            return (chosen.joined(separator: " ") + " study", chosen)
        }
        // Saved live, the users interleaved.
        for n in 0..<30 {
            let user = Self.users[n % Self.users.count]
            let (text, chosen) = title()
            let id = try lib.savePNG(user: user, title: text)
            for word in chosen { expected[user, default: [:]][word, default: []].insert(id) }
        }
        _ = try lib.templates.createTemplate(
            userId: "alice", template: TemplateInput(name: "Fox poster", type: .image, prompt: "a fox on a {{style}} poster"))
        try Self.check(lib, expected, when: "saved live")

        // Folders copied in by hand for other users, found by a reconcile.
        let model = try lib.folder(of: try #require(expected["alice"]?.values.first?.first), user: "alice")
        for n in 0..<12 {
            let user = Self.users[(n + 1) % Self.users.count]
            let (text, chosen) = title()
            let id = ULID.make()
            let folder = lib.path + "/assets/by-hand/copy-\(n)--\(id)"
            try FileManager.default.createDirectory(atPath: lib.path + "/assets/by-hand", withIntermediateDirectories: true)
            try FileManager.default.copyItem(atPath: model, toPath: folder)
            var object = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: folder + "/asset.json"))) as? [String: Any])
            (object["id"], object["userId"], object["title"]) = (id, user, text)
            try JSONSerialization.data(withJSONObject: object).write(to: URL(fileURLWithPath: folder + "/asset.json"))
            for word in chosen { expected[user, default: [:]][word, default: []].insert(id) }
        }
        let report = try lib.library.index.reconcile()
        #expect(report.added == 12)
        try Self.check(lib, expected, when: "reconciled")

        try lib.library.index.rebuild()
        try Self.check(lib, expected, when: "rebuilt")

        // After the rebuild, live writes still land in their owner's slot.
        let (text, chosen) = title()
        let late = try lib.savePNG(user: "bob", title: text)
        for word in chosen { expected["bob", default: [:]][word, default: []].insert(late) }
        try Self.check(lib, expected, when: "saved after the rebuild")
    }

    /// Equal ranks are broken by rowid: paging through many equally good matches, with or
    /// without another filter (which reads each match's row), returns each exactly once.
    @Test func pagingThroughEqualRanksReturnsEachMatchOnce() async throws {
        let lib = try TempLibrary()
        var kites: [String] = []
        for n in 0..<7 {
            kites.append(try lib.savePNG(user: n % 2 == 0 ? "alice" : "bob", title: "Kite"))
            kites.append(try lib.savePNG(user: "alice", title: "Kite"))
        }
        let alices = Set(try kites.filter { try lib.assets.getAsset($0, userId: "alice") != nil })
        // A rewritten row gets a new rowid: rowid order is no longer id order.
        for id in kites.prefix(5) where alices.contains(id) { _ = try lib.assets.toggleFavorite(id, userId: "alice") }
        for variant in ["ranked", "with a type filter", "by date"] {
            var seen: [String] = []
            var cursor: String?
            repeat {
                var f = AssetFilters()
                (f.text, f.limit, f.cursor) = ("kite", 2, cursor)
                if variant == "with a type filter" { f.type = .image }
                if variant == "by date" { f.sort = .createdAt }
                let page = try lib.assets.listAssets(userId: "alice", filters: f)
                seen += page.items.map(\.id)
                cursor = page.nextCursor
            } while cursor != nil && seen.count < 30
            #expect(seen.count == alices.count && Set(seen) == alices, "\(variant): \(seen.count) of \(alices.count)")
        }
        // A relevance cursor without its rowid is refused rather than read from the wrong place.
        var first = AssetFilters()
        (first.text, first.limit) = ("kite", 2)
        let cursor = try #require(try lib.assets.listAssets(userId: "alice", filters: first).nextCursor)
        var forged = Cursor(sort: "relevance", order: .asc, key: .double(-1), id: kites[0])
        forged.row = nil
        first.cursor = forged.encoded
        await expectError(.invalidInput) { try lib.assets.listAssets(userId: "alice", filters: first) }
        #expect(!cursor.isEmpty)
    }

    /// A word once in a short prompt outranks it once in a long one (bm25's length normalisation,
    /// read from FTS5's docsize table), although the long one came first — ranked on FTS5 alone
    /// and joined with another filter.
    @Test func aShortMatchOutranksALongOne() throws {
        let lib = try TempLibrary()
        let long = try lib.savePNG(title: "Study") { $0.prompt = "kite " + String(repeating: "over the wide green meadow ", count: 8) }
        let short = try lib.savePNG(title: "Sketch") { $0.prompt = "kite at noon" }
        for type in [nil, MediaType.image] {
            var f = AssetFilters()
            (f.text, f.type) = ("kite", type)
            #expect(try lib.assets.listAssets(userId: "alice", filters: f).items.map(\.id) == [short, long], "type \(String(describing: type))")
        }
    }

    /// Cursors are written by hand as the JSON JSONDecoder reads back: every key survives exactly.
    @Test func cursorsCarryTheirKeysExactly() throws {
        let id = "01ARZ3NDEKTSV4RRFFQ69G5FAV"
        let keys: [JSONValue] = [
            .int(1_764_633_600_123), .double(-0.123456789012345), .double(-3.5e-300), .double(2), .null,
            .string("plain"), .string("quote \" back\\slash / tab\t nul\u{0} bell\u{7} é 🦊"),
        ]
        for key in keys {
            for row: Int64? in [nil, 3 << 32 | 17] {
                let cursor = Cursor(sort: "relevance", order: .desc, key: key, id: id, row: row)
                let read = try Cursor(decoding: cursor.encoded, sort: "relevance", order: .desc)
                // Whole doubles come back as ints, which SQLite compares as equal.
                let same = read.key == key || (key == .double(2) && read.key == .int(2))
                #expect(same && read.id == id && read.row == row, "\(key) \(String(describing: row)) → \(read.key)")
            }
        }
    }
}
