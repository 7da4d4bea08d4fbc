import CreativeCatalog
import CreativeLibraries
import Foundation
import Testing

@Suite("listAssets")
struct ListingTests {
    @Test func filtersByEveryField() async throws {
        let lib = try TempLibrary()
        let fox = try lib.savePNG(title: "Red fox", tags: ["animal", "Winter"]) {
            $0.category = "nature"; $0.provider = "local"; $0.model = "local"; $0.isFavorite = true
            $0.prompt = "a red fox in deep snow"
        }
        let city = try lib.savePNG(title: "City at night", tags: ["urban"]) {
            $0.category = "travel"; $0.provider = "openai"; $0.model = "dall-e-3"; $0.isPublic = true; $0.status = .archived
        }
        var text = AssetInput(media: .bytes(Data("Spring sale copy".utf8), fileName: "copy.txt"))
        text.title = "Spring sale"
        let copy = try lib.assets.saveAsset(userId: "alice", asset: text).assetId
        _ = try lib.savePNG(user: "bob", title: "Bob's fox")

        func ids(_ configure: (inout AssetFilters) -> Void) throws -> Set<String> {
            var f = AssetFilters()
            configure(&f)
            return Set(try lib.assets.listAssets(userId: "alice", filters: f).items.map(\.id))
        }
        #expect(try ids { _ in } == [fox, city, copy])
        #expect(try ids { $0.type = .text } == [copy])
        #expect(try ids { $0.category = "NATURE" } == [fox])
        #expect(try ids { $0.tags = ["winter"] } == [fox])
        #expect(try ids { $0.tags = ["winter", "urban"] } == [])
        #expect(try ids { $0.isFavorite = true } == [fox])
        #expect(try ids { $0.isPublic = true } == [city])
        #expect(try ids { $0.status = .archived } == [city])
        #expect(try ids { $0.provider = "openai" } == [city])
        #expect(try ids { $0.model = "local" } == [fox])
        #expect(try ids { $0.text = "FOX snow" } == [fox])
        #expect(try ids { $0.text = "fox city" } == [])
        #expect(try ids { $0.createdAfter = Date().addingTimeInterval(3600) } == [])
        #expect(try ids { $0.createdBefore = Date().addingTimeInterval(3600) } == [fox, city, copy])
        #expect(try ids { $0.collection = AssetManagerMonth.current } == [fox, city, copy])
        #expect(try ids { $0.collection = "elsewhere" } == [])
        await expectError(.invalidInput) {
            try lib.assets.listAssets(
                userId: "alice",
                filters: {
                    var f = AssetFilters(); f.limit = 0; return f
                }())
        }
        await expectError(.invalidInput) {
            try lib.assets.listAssets(
                userId: "alice",
                filters: {
                    var f = AssetFilters(); f.sort = .usageCount; return f
                }())
        }
        await expectError(.invalidInput) {
            try lib.assets.listAssets(
                userId: "alice",
                filters: {
                    var f = AssetFilters(); f.cursor = "garbage"; return f
                }())
        }
        await expectError(.invalidInput) { try lib.assets.listAssets(userId: "../x") }
    }

    @Test func sortsAndPagesEveryItemExactlyOnceWhileItemsAreAdded() async throws {
        let lib = try TempLibrary()
        var created: [String] = []
        for n in 0..<7 { created.append(try lib.savePNG(title: "Item \(n)")) }
        var seen: [String] = []
        var filters = AssetFilters()
        filters.limit = 3
        filters.sort = .createdAt
        filters.order = .asc
        repeat {
            let page = try lib.assets.listAssets(userId: "alice", filters: filters)
            seen += page.items.map(\.id)
            // New items arrive while paging; ascending order puts them after the cursor.
            if seen.count == 3 { created.append(try lib.savePNG(title: "Late arrival")) }
            filters.cursor = page.nextCursor
        } while filters.cursor != nil
        #expect(seen == created)

        var byTitle = AssetFilters()
        byTitle.sort = .title
        let titles = try lib.assets.listAssets(userId: "alice", filters: byTitle).items.map(\.title)
        #expect(titles == titles.sorted { $0.lowercased() < $1.lowercased() })
        let newest = try lib.assets.listAssets(userId: "alice").items.map(\.id)
        #expect(newest == created.sorted().reversed())
        var wrongCursor = AssetFilters()
        wrongCursor.limit = 2
        wrongCursor.cursor = try lib.assets.listAssets(
            userId: "alice",
            filters: {
                var f = AssetFilters(); f.limit = 2; return f
            }()
        ).nextCursor
        wrongCursor.sort = .title
        await expectError(.invalidInput) { try lib.assets.listAssets(userId: "alice", filters: wrongCursor) }
    }

    @Test func brokenSidecarIsReportedNotFatal() async throws {
        let lib = try TempLibrary()
        let good = try lib.savePNG(title: "Good")
        let bad = try lib.savePNG(title: "Bad")
        let badFolder = try lib.folder(of: bad)
        try Data("{ \"id\": \"\(bad)\", oops".utf8).write(to: URL(fileURLWithPath: badFolder + "/asset.json"))
        // Edited by hand: the index learns of it when it reconciles (the watcher does so live).
        let report = try lib.library.index.reconcile()
        #expect(report.problems.map(\.path) == [String(badFolder.dropFirst(lib.path.count + 1)) + "/asset.json"])
        let listed = try lib.assets.listAssets(userId: "alice").items.map(\.id)
        #expect(listed == [good])
        let problems = lib.library.store.readAll(CreativeAsset.self).problems
        #expect(problems.count == 1)
        #expect(problems.first?.path.hasSuffix("bad--\(bad)/asset.json") == true)
        let error = await expectError(.invalidSidecar) { try lib.assets.getAsset(bad, userId: "alice") }
        #expect(error?.message.contains("bad--\(bad)/asset.json") == true)
        // Valid JSON that breaks the schema names the field.
        try Data(#"{"id":"\#(bad)","userId":"alice","type":"image","title":7}"#.utf8).write(to: URL(fileURLWithPath: badFolder + "/asset.json"))
        let schemaError = await expectError(.invalidSidecar) { try lib.assets.toggleFavorite(bad, userId: "alice") }
        #expect(schemaError?.message.contains("title must be a string") == true)
    }
}

/// The folder new assets land in this month (assets/<yyyy-mm>).
enum AssetManagerMonth {
    static var current: String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = .gmt
        let c = calendar.dateComponents([.year, .month], from: Date())
        return String(format: "%04d-%02d", c.year ?? 0, c.month ?? 0)
    }
}
