import CreativeCatalog
import CreativeLibraries
import Foundation
import Testing

@Suite("AssetCatalog")
struct AssetManagerTests {
    @Test func saveAssetMeasuresMediaAndWritesThumbnail() async throws {
        let lib = try TempLibrary()
        let id = try lib.savePNG(title: "Night sky", tags: ["sky"]) {
            $0.prompt = "a dark night sky"; $0.seed = 42
        }
        let asset = try #require(try lib.assets.getAsset(id, userId: "alice"))
        #expect(asset.type == .image)
        #expect(asset.format == "png")
        #expect(asset.width == 48 && asset.height == 32)
        #expect(asset.fileSize == Fixtures.png.count)
        #expect(asset.url == "image.png")
        #expect(asset.thumbnailUrl == "thumbnail.webp")
        #expect(asset.seed == 42 && asset.prompt == "a dark night sky" && asset.tags == ["sky"])
        #expect(asset.status == .ready && !asset.isFavorite && !asset.isPublic)
        let folder = try lib.folder(of: id)
        #expect(folder.contains("/assets/") && folder.hasSuffix("night-sky--\(id)"))
        let thumb = try Data(contentsOf: URL(fileURLWithPath: folder + "/thumbnail.webp"))
        #expect(thumb.starts(with: Data("RIFF".utf8)))
        #expect(try Data(contentsOf: URL(fileURLWithPath: folder + "/image.png")) == Fixtures.png)
    }

    @Test func saveAssetFromFileAndTextMedia() async throws {
        let lib = try TempLibrary()
        let file = lib.url("../notes-\(UUID().uuidString).md").standardizedFileURL.path
        try Data("# Launch copy\nHello.".utf8).write(to: URL(fileURLWithPath: file))
        defer { try? FileManager.default.removeItem(atPath: file) }
        let id = try lib.assets.saveAsset(userId: "alice", asset: AssetInput(media: .file(path: file))).assetId
        let asset = try #require(try lib.assets.getAsset(id, userId: "alice"))
        #expect(asset.type == .text && asset.format == "md" && asset.url == "content.md")
        #expect(asset.width == nil && asset.thumbnailUrl == nil)
        #expect(asset.title.hasPrefix("notes-"))
    }

    @Test func saveAssetRejectsBadInput() async throws {
        let lib = try TempLibrary()
        await expectError(.invalidInput) { try lib.assets.saveAsset(userId: "alice", asset: AssetInput()) }
        await expectError(.invalidInput) { try lib.savePNG(user: "../../etc") }
        await expectError(.invalidInput) { try lib.savePNG(user: "") }
        await expectError(.invalidInput) { try lib.savePNG(title: "   ") }
        await expectError(.invalidInput) { try lib.savePNG(title: String(repeating: "t", count: 201)) }
        await expectError(.invalidInput) { try lib.savePNG { $0.description = String(repeating: "d", count: 5001) } }
        await expectError(.invalidInput) { try lib.savePNG { $0.prompt = String(repeating: "p", count: 10_001) } }
        await expectError(.invalidInput) { try lib.savePNG { $0.tags = [String(repeating: "x", count: 51)] } }
        await expectError(.invalidInput) { try lib.savePNG { $0.tags = (0..<51).map { "tag\($0)" } } }
        await expectError(.invalidInput) { try lib.savePNG { $0.steps = 0 } }
        await expectError(.invalidInput) { try lib.savePNG { $0.cost = -1 } }
        await expectError(.invalidInput) { try lib.savePNG { $0.generationId = "../../etc/passwd" } }
        // Bytes that are not an image, saved as an image; and an image saved as text.
        var notImage = AssetInput(media: .bytes(Data("hello".utf8), fileName: "x.png"))
        notImage.type = .image
        await expectError(.unsupportedMedia) { try lib.assets.saveAsset(userId: "alice", asset: notImage) }
        await expectError(.unsupportedMedia) { try lib.savePNG { $0.type = .text } }
        await expectError(.invalidInput) { try lib.assets.saveAsset(userId: "alice", asset: AssetInput(media: .file(path: "/no/such/file.png"))) }
        // Nothing half-made was left behind.
        #expect(lib.library.store.entityFolders(.asset).isEmpty)
    }

    @Test func requestsDecodeStrictlyWithFieldNames() async throws {
        let unknown = await expectError(.invalidInput) { try AssetUpdates.decode(json: Data(#"{"titel":"x"}"#.utf8)) }
        #expect(unknown?.field == "titel")
        let immutable = await expectError(.invalidInput) { try AssetUpdates.decode(json: Data(#"{"createdAt":"2026-01-01T00:00:00Z"}"#.utf8)) }
        #expect(immutable?.message == "createdAt cannot be changed.")
        let wrongType = await expectError(.invalidInput) { try AssetUpdates.decode(json: Data(#"{"seed":"seven"}"#.utf8)) }
        #expect(wrongType?.field == "seed" && wrongType?.message == "seed must be an integer.")
        let badEnum = await expectError(.invalidInput) { try AssetFilters.decode(json: Data(#"{"type":"hologram"}"#.utf8)) }
        #expect(badEnum?.message == "type must be one of image, video, audio, text.")
        await expectError(.invalidInput) { try AssetUpdates.decode(json: Data("[1,2]".utf8)) }
        await expectError(.invalidInput) { try AssetUpdates.decode(json: Data("{not json".utf8)) }
        await expectError(.invalidInput) { try AssetUpdates.decode(json: Data(#"{"tags":"one"}"#.utf8)) }
        let ok = try AssetUpdates.decode(json: Data(#"{"title":"New","isFavorite":true}"#.utf8))
        #expect(ok.title == "New" && ok.isFavorite == true)
    }

    @Test func getAssetHidesOthersPrivateAssets() async throws {
        let lib = try TempLibrary()
        let id = try lib.savePNG(user: "alice")
        #expect(try lib.assets.getAsset(id, userId: "bob") == nil)
        #expect(try lib.assets.getAsset("01M88XERMRTVXY3NE28XSPVP6P", userId: "alice") == nil)
        await expectError(.invalidInput) { try lib.assets.getAsset("../../etc/passwd", userId: "alice") }
        await expectError(.invalidInput) { try lib.assets.getAsset("", userId: "alice") }
        await expectError(.notFound) { try lib.assets.updateAsset(id, userId: "bob", updates: AssetUpdates()) }
        await expectError(.notFound) { try lib.assets.toggleFavorite(id, userId: "bob") }
        await expectError(.notFound) { try lib.assets.deleteAsset(id, userId: "bob") }
        await expectError(.notFound) { try lib.assets.addTags(id, userId: "bob", tags: ["x"]) }
        var makePublic = AssetUpdates()
        makePublic.isPublic = true
        _ = try lib.assets.updateAsset(id, userId: "alice", updates: makePublic)
        #expect(try lib.assets.getAsset(id, userId: "bob")?.id == id)
        await expectError(.notFound) { try lib.assets.toggleFavorite(id, userId: "bob") }
    }

    @Test func updateAssetChangesFieldsAndBumpsUpdatedAt() async throws {
        let lib = try TempLibrary()
        let id = try lib.savePNG { $0.description = "old" }
        let before = try #require(try lib.assets.getAsset(id, userId: "alice"))
        try await Task.sleep(for: .seconds(0.005))
        var u = AssetUpdates()
        u.title = "  Renamed  "
        u.description = ""
        u.tags = ["a", "A", "b"]
        u.parameters = ["width": .int(48)]
        _ = try lib.assets.updateAsset(id, userId: "alice", updates: u)
        let after = try #require(try lib.assets.getAsset(id, userId: "alice"))
        #expect(after.title == "Renamed" && after.description == nil && after.tags == ["a", "b"])
        #expect(after.parameters?["width"] == .int(48))
        #expect(after.createdAt == before.createdAt && after.id == before.id && after.userId == "alice")
        #expect(after.updatedAt > before.updatedAt)
        await expectError(.invalidInput) {
            var bad = AssetUpdates()
            bad.title = ""
            return try lib.assets.updateAsset(id, userId: "alice", updates: bad)
        }
        await expectError(.notFound) { try lib.assets.updateAsset("01M88XERMRTVXY3NE28XSPVP6P", userId: "alice", updates: u) }
    }

    @Test func deleteMovesToTrashAndRestoreBringsBack() async throws {
        let lib = try TempLibrary()
        let id = try lib.savePNG()
        let folder = try lib.folder(of: id)
        let relative = String(folder.dropFirst(lib.path.count + 1))
        _ = try lib.assets.deleteAsset(id, userId: "alice")
        #expect(try lib.assets.getAsset(id, userId: "alice") == nil)
        #expect(FileManager.default.fileExists(atPath: lib.path + "/.trash/" + relative + "/asset.json"))
        await expectError(.notFound) { try lib.assets.deleteAsset(id, userId: "alice") }
        await expectError(.notFound) { try lib.assets.restoreAsset(id, userId: "bob") }
        _ = try lib.assets.restoreAsset(id, userId: "alice")
        #expect(try lib.assets.getAsset(id, userId: "alice")?.id == id)
        #expect(FileManager.default.fileExists(atPath: folder + "/image.png"))
        await expectError(.notFound) { try lib.assets.restoreAsset(id, userId: "alice") }
    }

    @Test func toggleFavoriteAndAddTags() async throws {
        let lib = try TempLibrary()
        let id = try lib.savePNG(tags: ["Fox"])
        #expect(try lib.assets.toggleFavorite(id, userId: "alice").isFavorite == true)
        #expect(try lib.assets.toggleFavorite(id, userId: "alice").isFavorite == false)
        let tags = try lib.assets.addTags(id, userId: "alice", tags: ["  snow ", "fox", "SNOW", "winter"]).tags
        #expect(tags == ["Fox", "snow", "winter"])
        await expectError(.invalidInput) { try lib.assets.addTags(id, userId: "alice", tags: []) }
        await expectError(.invalidInput) { try lib.assets.addTags(id, userId: "alice", tags: ["  "]) }
        await expectError(.invalidInput) { try lib.assets.addTags(id, userId: "alice", tags: (0..<48).map { "t\($0)" }) }
        await expectError(.notFound) { try lib.assets.toggleFavorite("01M88XERMRTVXY3NE28XSPVP6P", userId: "alice") }
    }
}
