import CreativeCatalog
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Import reads what other tools embed, export writes it back, and the same bytes are imported
/// once. The test images are written fresh by Pillow (scripts/provenance-fixtures.py), an
/// independent writer; sd-parsers is the independent reader we compare with.
@Suite("Import and provenance")
struct ProvenanceTests {
    /// A folder of test images and what each must read as (expected.json).
    struct Fixtures {
        let dir: String
        let expected: [String: [String: JSONValue]]
        let ignored: [String]
        let broken: [String]

        init() async throws {
            dir = FileManager.default.temporaryDirectory.appendingPathComponent("creative-fixtures-\(UUID().uuidString)").path
            let written = try await ProvenanceTests.python(["scripts/provenance-fixtures.py", "write", dir])
            #expect(written.status == 0, "\(written.stderr)")
            let all = try JSONCoding.decoder().decode([String: JSONValue].self, from: Data(contentsOf: URL(fileURLWithPath: dir + "/expected.json")))
            expected = all.filter { !$0.key.hasPrefix("__") }.compactMapValues(\.objectValue)
            ignored = (all["__ignored__"]?.arrayValue ?? []).compactMap(\.stringValue)
            broken = (all["__broken__"]?.arrayValue ?? []).compactMap(\.stringValue)
        }

        func remove() { try? FileManager.default.removeItem(atPath: dir) }
    }

    static func python(_ arguments: [String]) async throws -> (status: Int32, stdout: Data, stderr: String) {
        let ended = try await Child.run("/usr/bin/env", ["python3"] + arguments, in: SchemaContractTests.root)
        return (ended.status, ended.stdout, String(decoding: ended.stderr, as: UTF8.self))
    }

    /// The asset field a key of expected.json names, as JSON.
    static func field(_ key: String, of asset: CreativeAsset) -> JSONValue? {
        switch key {
        case "prompt": asset.prompt.map(JSONValue.string)
        case "negativePrompt": asset.negativePrompt.map(JSONValue.string)
        case "model": asset.model.map(JSONValue.string)
        case "sampler": asset.sampler.map(JSONValue.string)
        case "seed": asset.seed.map(JSONValue.int)
        case "steps": asset.steps.map(JSONValue.int)
        case "guidance": asset.guidance.map(JSONValue.double)
        case "width": asset.width.map(JSONValue.int)
        case "height": asset.height.map(JSONValue.int)
        case "format": asset.format.map(JSONValue.string)
        case "title": .string(asset.title)
        case "description": asset.description.map(JSONValue.string)
        case "tags": .array(asset.tags.map(JSONValue.string))
        case "generator": asset.parameters?["generator"]
        default: nil
        }
    }

    /// Equal, numbers by value (a JSON 4.0 may decode as an int).
    static func same(_ a: JSONValue?, _ b: JSONValue?) -> Bool {
        func number(_ v: JSONValue?) -> Double? {
            switch v {
            case .int(let i)?: Double(i)
            case .double(let d)?: d
            default: nil
            }
        }
        if let x = number(a), let y = number(b) { return x == y }
        return a == b
    }

    /// Imports the folder and maps each expected file to its asset.
    static func importAll(_ fixtures: Fixtures, into lib: TempLibrary) throws -> [String: CreativeAsset] {
        let summary = try lib.assets.importFiles([fixtures.dir], userId: "alice")
        #expect(
            summary.refused == 0 && summary.imported == fixtures.expected.count + fixtures.broken.count, "\(summary.items.filter { $0.status != .imported })")
        var assets: [String: CreativeAsset] = [:]
        for item in summary.items {
            let relative = String(item.path.dropFirst(fixtures.dir.count + 1))
            #expect(!fixtures.ignored.contains(relative), "an Eagle thumbnail was imported: \(relative)")
            let id = try #require(item.assetId)
            assets[relative] = try #require(try lib.assets.getAsset(id, userId: "alice"))
        }
        return assets
    }

    @Test func everyToolsFormatIsReadIntoTheSeedsFields() async throws {
        let fixtures = try await Fixtures()
        defer { fixtures.remove() }
        let lib = try TempLibrary()
        let assets = try Self.importAll(fixtures, into: lib)
        for (file, expected) in fixtures.expected {
            let asset = try #require(assets[file], "\(file) was not imported")
            for (key, value) in expected {
                #expect(Self.same(Self.field(key, of: asset), value), "\(file): \(key): \(String(describing: Self.field(key, of: asset))) ≠ \(value)")
            }
            #expect(asset.source == .imported && asset.contentHash.map(ContentHash.isValid) == true)
            #expect(asset.parameters?["importedFrom"] == .string((file as NSString).lastPathComponent))
        }
        // The raw blocks are kept: a ComfyUI workflow can be loaded again.
        let comfy = try #require(assets["comfyui.png"]?.parameters?["embedded"]?.objectValue)
        #expect(comfy["workflow"]?.stringValue?.contains("\"links\"") == true && comfy["prompt"] != nil)
        #expect(assets["a1111.jpg"]?.provider == "sdwebui" && assets["comfyui.png"]?.provider == "comfyui")
        // Broken metadata: imported all the same, the problem said.
        for file in fixtures.broken {
            let asset = try #require(assets[file])
            #expect(asset.parameters?["metadataProblems"]?.arrayValue?.isEmpty == false, "\(file)")
            #expect(asset.parameters?["embedded"]?.objectValue?["invokeai_metadata"] != nil)
        }
    }

    @Test func exportEmbedsProvenanceThatImportReadsBackFieldForField() async throws {
        let fixtures = try await Fixtures()
        defer { fixtures.remove() }
        let first = try TempLibrary()
        let originals = try Self.importAll(fixtures, into: first)
        let out = first.path + "-export"
        defer { try? FileManager.default.removeItem(atPath: out) }
        let exported = try first.assets.exportAssets(originals.values.map(\.id), userId: "alice", to: out)
        #expect(exported.success && exported.items.allSatisfy(\.embedded), "\(exported.items.filter { !$0.embedded })")

        let second = try TempLibrary()
        let summary = try second.assets.importFiles([out], userId: "alice")
        #expect(summary.imported == originals.count && summary.refused == 0)
        let byId = Dictionary(uniqueKeysWithValues: originals.values.map { ($0.id, $0) })
        for item in summary.items {
            let copyId = try #require(item.assetId)
            let copy = try #require(try second.assets.getAsset(copyId, userId: "alice"))
            // Exported as <slug>--<id>.<ext>.
            let originalId = String(((item.path as NSString).lastPathComponent as NSString).deletingPathExtension.suffix(26))
            let original = try #require(byId[originalId])
            for key in [
                "prompt", "negativePrompt", "model", "seed", "steps", "guidance", "sampler", "width", "height", "format", "title", "description", "tags",
            ] {
                #expect(Self.field(key, of: copy) == Self.field(key, of: original), "\(item.path): \(key)")
            }
            #expect(copy.provider == original.provider && copy.type == original.type, "\(item.path)")
            #expect(copy.contentHash != original.contentHash, "export adds bytes; the pixels stay")
        }
    }

    @Test func ourReadingAgreesWithSdParsers() async throws {
        let fixtures = try await Fixtures()
        defer { fixtures.remove() }
        let lib = try TempLibrary()
        let assets = try Self.importAll(fixtures, into: lib)
        // Their files, then the same assets written back out by our export.
        let files = ["a1111.png", "a1111-unicode.png", "a1111.jpg", "a1111.webp", "invokeai.png", "fooocus.png", "comfyui.png", "novelai.png"]
        let out = lib.path + "-export"
        defer { try? FileManager.default.removeItem(atPath: out) }
        let exported = try lib.assets.exportAssets(files.compactMap { assets[$0]?.id }, userId: "alice", to: out)
        let paths = files.map { "\(fixtures.dir)/\($0)" } + exported.items.compactMap(\.path)
        let run = try await Self.python(["scripts/provenance-fixtures.py", "sdparsers"] + paths)
        #expect(run.status == 0, "\(run.stderr)")
        let read = try JSONCoding.decoder().decode([String: [String: JSONValue]].self, from: run.stdout)
        let assetOf = Dictionary(
            uniqueKeysWithValues: zip(paths, files.map { assets[$0] } + exported.items.map { item in assets.values.first { $0.id == item.assetId } }))
        #expect(read.count == paths.count)
        for path in paths {
            let theirs = try #require(read[path], "sd-parsers said nothing about \(path)")
            let ours = try #require(assetOf[path] ?? nil)
            #expect(theirs["error"] == nil, "\(path): \(theirs)")
            var keys = ["prompt", "negativePrompt", "seed", "steps", "guidance", "sampler", "model"]
            // sd-parsers splits NovelAI's Source into a model name and hash; we keep Source whole.
            if path.hasSuffix("/novelai.png") { keys.removeLast() }
            for key in keys {
                #expect(
                    Self.same(theirs[key], Self.field(key, of: ours)),
                    "\(path): \(key): sd-parsers \(String(describing: theirs[key])), ours \(String(describing: Self.field(key, of: ours)))")
            }
        }
    }
}

@Suite("Import: duplicates, modes and hostile files")
struct ImportModeTests {
    /// A valid PNG different from `Fixtures.png` (an extra text chunk changes the bytes, not the pixels).
    static func png(_ marker: String) throws -> Data {
        try PNGText.inserting(keyword: "Comment", text: marker, into: Fixtures.png)
    }

    static func write(_ data: Data, _ path: String) throws {
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try data.write(to: URL(fileURLWithPath: path))
    }

    @Test func theSameBytesAreImportedOnceAndHostileFilesAreRefused() throws {
        let lib = try TempLibrary()
        let src = lib.path + "-src"
        defer { try? FileManager.default.removeItem(atPath: src) }
        try Self.write(Fixtures.png, "\(src)/a.png")
        try Self.write(Fixtures.png, "\(src)/sub/copy.png")
        try Self.write(try Self.png("b"), "\(src)/b.png")
        try Self.write(Data("not an image at all".utf8), "\(src)/garbage.png")
        #expect(symlink("/etc/passwd", "\(src)/link.png") == 0)
        #expect(mkfifo("\(src)/pipe.png", 0o644) == 0)
        // Sparse: 513 MiB on paper, nothing on disk.
        FileManager.default.createFile(atPath: "\(src)/huge.png", contents: nil)
        let huge = try FileHandle(forWritingTo: URL(fileURLWithPath: "\(src)/huge.png"))
        try huge.truncate(atOffset: UInt64(Validation.maxMediaBytes) + 1)
        try huge.close()
        let deep = (0...ImportOptions.maxFolderDepth).map { "d\($0)" }.joined(separator: "/")
        try Self.write(try Self.png("deep"), "\(src)/\(deep)/x.png")

        let dry = try lib.assets.importFiles([src], userId: "alice", options: ImportOptions(dryRun: true))
        #expect(dry.dryRun && dry.imported == 2 && dry.duplicates == 1 && dry.refused == 5, "\(dry.items)")
        #expect(try lib.assets.listAssets(userId: "alice").items.isEmpty)

        let summary = try lib.assets.importFiles([src], userId: "alice")
        #expect(summary.imported == 2 && summary.duplicates == 1 && summary.refused == 5)
        let byName = Dictionary(uniqueKeysWithValues: summary.items.map { (($0.path as NSString).lastPathComponent, $0) })
        #expect(byName["copy.png"]?.status == .duplicate && byName["copy.png"]?.assetId == byName["a.png"]?.assetId)
        #expect(byName["link.png"]?.reason?.contains("symbolic link") == true)
        #expect(byName["pipe.png"]?.reason?.contains("FIFO") == true)
        #expect(byName["huge.png"]?.reason?.contains("limit") == true)
        #expect(byName["garbage.png"]?.status == .refused)
        #expect(byName["d\(ImportOptions.maxFolderDepth)"]?.reason?.contains("folders deep") == true)
        #expect(try lib.assets.listAssets(userId: "alice").items.count == 2)

        let again = try lib.assets.importFiles([src + "/a.png", src + "/b.png"], userId: "alice")
        #expect(again.imported == 0 && again.duplicates == 2)
        // Another user's library view is their own: the same bytes are new to bob.
        #expect(try lib.assets.importFiles([src + "/a.png"], userId: "bob").imported == 1)
        #expect(throws: CreativeError.self) { try lib.assets.importFiles([src], userId: "alice", options: ImportOptions(collection: "../etc")) }
        // A walk that reaches the library does not import it into itself (its thumbnails would be new images).
        let itself = try lib.assets.importFiles([lib.path], userId: "alice")
        #expect(itself.imported == 0 && itself.items.count == 1 && itself.items.first?.reason?.contains("the library itself") == true)
    }

    @Test func moveLinkAndCollectionPlaceTheFilesAsAsked() throws {
        let lib = try TempLibrary()
        let src = lib.path + "-src"
        defer { try? FileManager.default.removeItem(atPath: src) }
        try Self.write(try Self.png("moved"), "\(src)/moved.png")
        try Self.write(try Self.png("linked"), "\(src)/linked.png")

        let moved = try lib.assets.importFiles([src + "/moved.png"], userId: "alice", options: ImportOptions(mode: .move, collection: "spring/shoot"))
        let movedId = try #require(moved.items.first?.assetId)
        #expect(!FileManager.default.fileExists(atPath: src + "/moved.png"))
        let movedFolder = try lib.folder(of: movedId)
        #expect(movedFolder.hasPrefix(lib.path + "/assets/spring/shoot/"))
        #expect(
            try lib.assets.listAssets(
                userId: "alice",
                filters: {
                    var f = AssetFilters(); f.collection = "spring"; return f
                }()
            ).items.map(\.id) == [movedId])

        let linked = try lib.assets.importFiles([src + "/linked.png"], userId: "alice", options: ImportOptions(mode: .link))
        let linkedId = try #require(linked.items.first?.assetId)
        var original = stat(), copy = stat()
        let media = try lib.folder(of: linkedId) + "/image.png"
        #expect(stat(src + "/linked.png", &original) == 0 && stat(media, &copy) == 0)
        #expect(original.st_ino == copy.st_ino && copy.st_nlink == 2)
    }
}

@Suite("Lineage")
struct LineageTests {
    static func json(_ result: CLI.Result) throws -> [String: Any] {
        #expect(result.status == 0, "\(result.stderr)")
        return try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
    }

    @Test func lineageIsSetByTheEngineQueryableAndNeverPatched() async throws {
        let lib = try TempLibrary()
        func run(_ arguments: [String]) async throws -> [String: Any] { try Self.json(try await CLI.run(arguments + ["--json"], library: lib.path)) }
        let root = try #require(try await run(["generate", "image", "a koi pond", "--size", "64x64", "--steps", "2", "--wait"])["assetId"] as? String)
        let child = try #require(try await run(["regenerate", root, "--seed", "5", "--wait"])["assetId"] as? String)
        let grandchild = try #require(try await run(["regenerate", child, "--seed", "6", "--wait"])["assetId"] as? String)
        let other = try #require(try await run(["regenerate", root, "--seed", "7", "--wait"])["assetId"] as? String)

        let made = try #require(try lib.assets.getAsset(child, userId: "alice"))
        #expect(made.parentAssetId == root && made.source == .generated && made.parameters?["parentAssetId"] == nil)
        let children = try #require(try await run(["asset", "list", "--parent", root])["items"] as? [[String: Any]])
        #expect(Set(children.compactMap { $0["id"] as? String }) == [child, other])

        let lineage = try await run(["asset", "lineage", child])
        #expect((lineage["ancestors"] as? [[String: Any]])?.compactMap { $0["id"] as? String } == [root])
        let descendants = try #require(lineage["descendants"] as? [[String: Any]])
        #expect(descendants.count == 1 && descendants.first?["depth"] as? Int == 1)
        #expect((descendants.first?["asset"] as? [String: Any])?["id"] as? String == grandchild)
        let text = try await CLI.run(["asset", "lineage", grandchild], library: lib.path)
        #expect(text.status == 0 && text.stdout.split(separator: "\n").count == 3 && text.stdout.contains("▶ \(grandchild)"))

        // Set by the engine: a PATCH naming lineage is refused; one of parameters leaves it alone.
        let refused = try await CLI.run(["asset", "update", child, "--data", #"{"parentAssetId": "\#(other)"}"#], library: lib.path)
        #expect(refused.status == 1 && refused.stderr.contains("cannot be changed"))
        #expect(try await CLI.run(["asset", "update", child, "--data", #"{"parameters": {"note": "x"}}"#], library: lib.path).status == 0)
        let after = try #require(try lib.assets.getAsset(child, userId: "alice"))
        #expect(after.parentAssetId == root && after.parameters == ["note": .string("x")])
        #expect(
            try lib.assets.listAssets(
                userId: "alice",
                filters: {
                    var f = AssetFilters(); f.source = .generated; return f
                }()
            ).items.count == 4)
    }
}
