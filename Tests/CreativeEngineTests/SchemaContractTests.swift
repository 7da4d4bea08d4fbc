import CreativeAPI
import CreativeCatalog
import CreativeLibraries
import Foundation
import Testing

/// docs/SCHEMA.md and schemas/*.schema.json are the contract; these tests fail when the Swift
/// types, the JSON Schema files and the documentation tables disagree, and they validate the
/// sidecars the code writes with a third-party JSON Schema validator (python-jsonschema).
@Suite("Schema contract")
struct SchemaContractTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// One Swift type and its schema: a minimal value (only what is required) and a full one
    /// (every field set).
    struct Contract {
        var schema: String
        var fieldNames: [String]
        var minimal: any Encodable
        var full: any Encodable
    }

    static let now = Timestamp.parse("2026-11-25T08:30:00.123Z")!
    static let id = "01M88XERMRTVXY3NE28XSPVP6P"

    static var contracts: [Contract] {
        var asset = CreativeAsset(id: id, userId: "alice", type: .image, title: "Fox", url: "image.png", createdAt: now, updatedAt: now)
        let minimalAsset = asset
        (asset.category, asset.description, asset.prompt, asset.negativePrompt, asset.model) = ("nature", "d", "p", "n", "local")
        (asset.generationId, asset.thumbnailUrl, asset.fileSize, asset.duration, asset.width, asset.height) = (id, "thumbnail.webp", 10, 1.5, 4, 3)
        (asset.format, asset.parameters, asset.seed, asset.steps, asset.guidance, asset.sampler) = ("png", ["k": .int(1)], 7, 20, 7.5, "Euler a")
        (asset.tags, asset.provider, asset.cost) = (["t"], "local", 0.04)
        (asset.source, asset.parentAssetId, asset.templateId, asset.templateVariables) = (.generated, id, id, ["x": .string("y")])
        asset.contentHash = "sha256:" + String(repeating: "0f", count: 32)

        var template = CreativeTemplate(id: id, userId: "alice", name: "T", type: .text, prompt: "{{x}}", createdAt: now, updatedAt: now)
        let minimalTemplate = template
        (template.description, template.category, template.negativePrompt, template.model) = ("d", "c", "n", "m")
        (template.parameters, template.thumbnailUrl, template.tags) = (["defaults": .object(["x": .string("y")])], "thumbnail.webp", ["t"])

        var job = GenerationJob(id: id, userId: "alice", type: .image, prompt: "p", createdAt: now)
        let minimalJob = job
        (job.negativePrompt, job.model, job.parameters, job.templateId, job.currentStep, job.totalSteps) = ("n", "m", ["k": .bool(true)], id, 3, 20)
        (job.resultUrl, job.thumbnailUrl, job.errorMessage, job.provider, job.cost) = ("assets/a/image.png", "assets/a/thumbnail.webp", "e", "local", 0.0)
        (job.estimatedTime, job.actualTime, job.startedAt, job.completedAt, job.resultAssetId) = (2, 1.5, now, now, id)
        job.libraryId = id

        var input = AssetInput(media: .bytes(Data("x".utf8), fileName: "x.txt"))
        (input.type, input.category, input.title, input.description, input.prompt, input.negativePrompt) = (.text, "c", "t", "d", "p", "n")
        (input.model, input.generationId, input.duration, input.parameters, input.seed, input.steps) = ("m", id, 1, ["k": .null], 1, 2)
        (input.guidance, input.sampler, input.status, input.isPublic, input.isFavorite, input.tags) = (3, "s", .ready, true, false, ["t"])
        (input.provider, input.cost, input.file) = ("local", 0, "/tmp/x.txt")

        var updates = AssetUpdates()
        (updates.category, updates.title, updates.description, updates.prompt, updates.negativePrompt) = ("c", "t", "d", "p", "n")
        (updates.model, updates.duration, updates.parameters, updates.seed, updates.steps, updates.guidance) = ("m", 1, [:], 1, 2, 3)
        (updates.sampler, updates.status, updates.isPublic, updates.isFavorite, updates.tags) = ("s", .failed, true, true, ["t"])
        (updates.provider, updates.cost) = ("p", 1)

        var filters = AssetFilters()
        (filters.type, filters.category, filters.tags, filters.isFavorite, filters.isPublic, filters.status) = (.video, "c", ["t"], true, false, .ready)
        (filters.provider, filters.model, filters.createdAfter, filters.createdBefore, filters.text) = ("p", "m", now, now, "fox")
        (filters.collection, filters.sort, filters.order, filters.limit, filters.cursor) = ("board", .title, .asc, 10, "abc")
        (filters.parentAssetId, filters.source) = (id, .imported)

        var templateInput = TemplateInput(name: "n", type: .image, prompt: "{{x}}")
        let minimalTemplateInput = templateInput
        (templateInput.description, templateInput.category, templateInput.negativePrompt) = ("d", "c", "n")
        (templateInput.model, templateInput.parameters, templateInput.isPublic, templateInput.tags) = ("m", [:], true, ["t"])

        var templateUpdates = TemplateUpdates()
        (templateUpdates.name, templateUpdates.description, templateUpdates.type, templateUpdates.category) = ("n", "d", .audio, "c")
        (templateUpdates.prompt, templateUpdates.negativePrompt, templateUpdates.model) = ("p", "n", "m")
        (templateUpdates.parameters, templateUpdates.isPublic, templateUpdates.tags) = ([:], false, ["t"])

        var templateFilters = TemplateFilters()
        (templateFilters.type, templateFilters.category, templateFilters.tags, templateFilters.isPublic) = (.text, "c", ["t"], true)
        (templateFilters.isDefault, templateFilters.mine, templateFilters.text, templateFilters.sort) = (false, true, "x", .usageCount)
        (templateFilters.order, templateFilters.limit, templateFilters.cursor) = (.desc, 5, "c")

        var request = GenerationRequest(kind: .image, prompt: "p")
        (request.negativePrompt, request.model, request.provider, request.width, request.height, request.seed) = ("n", "local", "local", 512, 512, 1)
        (request.steps, request.guidance, request.sampler, request.quality, request.style) = (20, 7, "Euler a", "hd", "vivid")
        (request.voice, request.speed, request.format) = ("en", 1.25, "opus")
        (request.seconds, request.script, request.narration) = (6, ["a", "b"], "n")
        (request.instructions, request.imageAssetId) = ("calmly", "01KMDEFAVT0000000000000001")
        (request.contentType, request.tone, request.length, request.audience, request.language) = ("email", "bold", "short", "makers", "en")
        (request.original, request.goal, request.topic, request.count, request.templateId) = ("o", "clearer", "t", 3, id)
        (request.variables, request.title, request.tags, request.category, request.isPublic, request.priority) = (["x": .string("y")], "t", ["a"], "c", true, 5)
        var minimalRequest = GenerationRequest()
        minimalRequest.kind = nil

        var modifications = ImageModifications()
        (modifications.prompt, modifications.negativePrompt, modifications.model, modifications.width) = ("p", "n", "local", 256)
        (modifications.height, modifications.seed, modifications.steps, modifications.guidance) = (256, 9, 10, 6.5)
        (modifications.sampler, modifications.title) = ("DDIM", "t")

        let claim = JobClaim(
            host: "studio", pid: 4242, bootId: "0f6e2a8c-5d1b-4b7e-9a57-2c1f0d6e8b3a", library: "01M88XERMRTVXY3NE28XSPVP7Q", token: "00ff12ab34cd56ef",
            claimedAt: now,
            leaseSeconds: 30)
        var settings = LibrarySettings()
        var defaults = LibrarySettings.Defaults()
        (defaults.imageModel, defaults.width) = ("local", 512)
        (settings.defaults, settings.monthlyBudgetUSD, settings.sharedStorage) = (defaults, ["alice": 10, "*": 50], true)
        (settings.maxImagePixels, settings.maxImageFrames) = (50_000_000, 100)

        return [
            Contract(schema: "tags-request", fieldNames: TagsRequest.fieldNames, minimal: TagsRequest(tags: ["a"]), full: TagsRequest(tags: ["a", "b"])),
            Contract(schema: "library-settings", fieldNames: LibrarySettings.fieldNames, minimal: LibrarySettings(), full: settings),
            Contract(schema: "job-claim", fieldNames: JobClaim.fieldNames, minimal: claim, full: claim),
            Contract(schema: "image-modifications", fieldNames: ImageModifications.fieldNames, minimal: ImageModifications(), full: modifications),
            Contract(schema: "generation-request", fieldNames: GenerationRequest.fieldNames, minimal: minimalRequest, full: request),
            Contract(schema: "creative-asset", fieldNames: CreativeAsset.fieldNames, minimal: minimalAsset, full: asset),
            Contract(schema: "creative-template", fieldNames: CreativeTemplate.fieldNames, minimal: minimalTemplate, full: template),
            Contract(schema: "generation-job", fieldNames: GenerationJob.fieldNames, minimal: minimalJob, full: job),
            Contract(schema: "asset-input", fieldNames: AssetInput.fieldNames, minimal: AssetInput(), full: input),
            Contract(schema: "asset-updates", fieldNames: AssetUpdates.fieldNames, minimal: AssetUpdates(), full: updates),
            Contract(schema: "asset-filters", fieldNames: AssetFilters.fieldNames, minimal: AssetFilters(), full: filters),
            Contract(schema: "template-input", fieldNames: TemplateInput.fieldNames, minimal: minimalTemplateInput, full: templateInput),
            Contract(schema: "template-updates", fieldNames: TemplateUpdates.fieldNames, minimal: TemplateUpdates(), full: templateUpdates),
            Contract(schema: "template-filters", fieldNames: TemplateFilters.fieldNames, minimal: TemplateFilters(), full: templateFilters),
        ]
    }

    static func encodeObject(_ value: any Encodable) throws -> [String: JSONValue] {
        try JSONCoding.decoder().decode([String: JSONValue].self, from: JSONCoding.encoder().encode(value))
    }

    static func schema(_ name: String) throws -> [String: JSONValue] {
        let data = try Data(contentsOf: root.appendingPathComponent("schemas/\(name).schema.json"))
        return try JSONDecoder().decode([String: JSONValue].self, from: data)
    }

    @Test func timestampsAreISO8601WithMillisecondsAndRoundTrip() async {
        // Foundation's formatter, given a whole second (exact in a Double), for the date and time part.
        let iso = Date.ISO8601FormatStyle(includingFractionalSeconds: false, timeZone: .gmt)
        var generator = SystemRandomNumberGenerator()
        // Leap days, year and century edges, before 1970, and random instants up to 2200.
        let fixed: [Int64] = [0, -1, 951_782_400_000, 951_868_799_999, 4_107_542_400_000, -2_208_988_800_000, 1_795_606_137_796]
        let random = (0..<2000).map { _ in Int64.random(in: -2_208_988_800_000...7_258_118_400_000, using: &generator) }
        for ms in fixed + random {
            let date = Date(timeIntervalSince1970: Double(ms) / 1000)
            let text = Timestamp.format(date)
            let seconds = ms >= 0 ? ms / 1000 : (ms - 999) / 1000
            let reference = iso.format(Date(timeIntervalSince1970: Double(seconds))).dropLast() + String(format: ".%03dZ", ms - seconds * 1000)
            #expect(text == reference, "\(ms)")
            #expect(Timestamp.canonicalMilliseconds(text) == ms, "\(ms)")
        }
    }

    @Test(arguments: contracts.map(\.schema))
    func swiftTypesMatchTheJSONSchema(_ name: String) async throws {
        let contract = try #require(Self.contracts.first { $0.schema == name })
        let schema = try Self.schema(name)
        #expect(schema["$schema"] == .string("https://json-schema.org/draft/2020-12/schema"))
        let properties = try #require(schema["properties"]?.objectValue)
        #expect(Set(properties.keys) == Set(contract.fieldNames), "field names differ")

        let full = try Self.encodeObject(contract.full)
        #expect(Set(full.keys) == Set(contract.fieldNames), "the full example must set every field")
        let minimal = try Self.encodeObject(contract.minimal)
        let required = Set((schema["required"]?.arrayValue ?? []).compactMap(\.stringValue))
        #expect(Set(minimal.keys) == required, "required fields differ: Swift \(minimal.keys.sorted()) vs schema \(required.sorted())")

        for (key, value) in full {
            let property = try #require(properties[key]?.objectValue, "\(key)")
            let declared = property["type"]?.stringValue
            let actual = value.schemaType
            let fits = declared == actual || (declared == "number" && actual == "integer")
            #expect(fits, "\(name).\(key): Swift encodes \(actual), schema says \(declared ?? "nothing")")
            if property["format"] == .string("date-time") {
                #expect(value.stringValue.flatMap(Timestamp.parse) != nil, "\(name).\(key) is not a timestamp")
            }
        }
        // Every enum in the schema lists exactly the Swift cases.
        let enums: [String: [String]] = [
            "type": MediaType.allCases.map(\.rawValue), "order": ListOrder.allCases.map(\.rawValue),
            "kind": RequestKind.allCases.map(\.rawValue), "contentType": GenerationRequest.contentTypes,
            "status": name == "generation-job" ? JobStatus.allCases.map(\.rawValue) : AssetStatus.allCases.map(\.rawValue),
        ]
        for (key, cases) in enums {
            guard case .array(let listed)? = properties[key]?.objectValue?["enum"] else { continue }
            #expect(listed.compactMap(\.stringValue) == cases, "\(name).\(key) enum")
        }
        let isRequest = !["creative-asset", "creative-template", "generation-job", "library-settings", "job-claim"].contains(name)
        #expect(schema["additionalProperties"] == .bool(!isRequest), "requests are strict; sidecars keep unknown keys")
    }

    @Test func schemaDocumentTablesListTheSameFields() async throws {
        let doc = try String(contentsOf: Self.root.appendingPathComponent("docs/SCHEMA.md"), encoding: .utf8)
        for contract in Self.contracts {
            let marker = "schemas/\(contract.schema).schema.json)"
            let range = try #require(doc.range(of: marker), "docs/SCHEMA.md does not link \(contract.schema)")
            // The field table that follows the link, up to the next heading.
            let rest = doc[range.upperBound...]
            let section = rest.prefix { $0 != "#" }
            let fields = section.split(separator: "\n").compactMap { line -> String? in
                guard line.hasPrefix("| `") else { return nil }
                return line.dropFirst(3).prefix { $0 != "`" }.description
            }
            let properties = try #require(try Self.schema(contract.schema)["properties"]?.objectValue)
            #expect(
                fields.count == properties.count && Set(fields) == Set(properties.keys),
                "docs/SCHEMA.md table for \(contract.schema): \(fields)")
        }
    }

    @Test func aGenerationRequestSetsTheFieldsItsJSONHas() throws {
        for contract in Self.contracts where contract.schema == "generation-request" {
            for value in [contract.minimal, contract.full] {
                let request = try #require(value as? GenerationRequest)
                #expect(request.setFields == (try Self.encodeObject(request)).keys.sorted())
            }
            #expect((contract.full as? GenerationRequest)?.setFields.count == GenerationRequest.fieldNames.count)
        }
    }

    @Test func theGenerationRequestSchemaRefusesWhatEachKindRefuses() async throws {
        let rules = try #require(try Self.schema("generation-request")["allOf"]?.arrayValue)
        var refusedBySchema: [String: Set<String>] = [:]
        for rule in rules {
            guard let then = rule.objectValue?["then"]?.objectValue, let properties = then["properties"]?.objectValue,
                !properties.isEmpty, properties.values.allSatisfy({ $0 == .bool(false) }),
                let condition = rule.objectValue?["if"]?.objectValue
            else { continue }
            // `if kind is K` or, for image, `if kind is absent or image`.
            let branches = condition["anyOf"]?.arrayValue?.compactMap(\.objectValue) ?? [condition]
            for branch in branches {
                if let kind = branch["properties"]?.objectValue?["kind"]?.objectValue?["const"]?.stringValue {
                    refusedBySchema[kind] = Set(properties.keys)
                }
            }
        }
        for kind in RequestKind.allCases {
            #expect(refusedBySchema[kind.rawValue] == GenerationRequest.refusedFields(kind), "\(kind.rawValue)")
        }
    }

    @Test func theErrorsTableListsEveryCodeWithItsHTTPStatus() async throws {
        let doc = try String(contentsOf: Self.root.appendingPathComponent("docs/SCHEMA.md"), encoding: .utf8)
        let section = try #require(doc.range(of: "## Errors")).upperBound
        let rows = doc[section...].split(separator: "\n").filter { $0.hasPrefix("| `") }.map { line in
            line.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
        }
        let documented = Dictionary(uniqueKeysWithValues: rows.map { (String($0[0].dropFirst().dropLast()), Int($0[1]) ?? 0) })
        #expect(Set(documented.keys) == Set(CreativeError.Code.allCases.map(\.rawValue)))
        for code in CreativeError.Code.allCases {
            #expect(documented[code.rawValue] == httpStatus(of: code), "\(code.rawValue)")
        }
    }

    @Test func writtenSidecarsAndExamplesValidate() async throws {
        let lib = try TempLibrary()
        let imageId = try lib.savePNG(tags: ["a"]) {
            $0.prompt = "p"; $0.seed = 3; $0.parameters = ["width": .int(48)]
        }
        var text = AssetInput(media: .bytes(Data("words".utf8), fileName: "c.md"))
        text.cost = 0.002
        _ = try lib.assets.saveAsset(userId: "bob", asset: text)
        _ = try lib.assets.toggleFavorite(imageId, userId: "alice")
        _ = try lib.templates.createTemplate(userId: "alice", template: TemplateInput(name: "x", type: .text, prompt: "{{a}}"))
        let job = try #require(Self.contracts.first { $0.schema == "generation-job" }?.full as? GenerationJob)
        try lib.library.store.create(job, in: "jobs")
        #expect(try await Self.python(["scripts/validate-sidecars.py", lib.path]).status == 0)

        // Every full example validates against its schema, too.
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("examples-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        for contract in Self.contracts {
            var examples = [contract.schema: try JSONCoding.encoder().encode(contract.full)]
            // The full request sets every field of every kind; a valid one has only its kind's.
            if contract.schema == "generation-request" {
                examples = [:]
                for kind in RequestKind.allCases {
                    var object = try Self.encodeObject(contract.full).filter { !GenerationRequest.refusedFields(kind).contains($0.key) }
                    object["kind"] = .string(kind.rawValue)
                    examples["\(contract.schema)-\(kind.rawValue)"] = try JSONCoding.encoder().encode(object)
                }
            }
            for (name, data) in examples {
                let file = dir.appendingPathComponent("\(name).json")
                try data.write(to: file)
                let result = try await Self.python(["scripts/validate-sidecars.py", "--schema", contract.schema, file.path])
                #expect(result.status == 0, "\(name): \(result.output)")
            }
        }

        // And the validator can fail: a sidecar with a bad type is caught.
        let sidecar = try lib.folder(of: imageId) + "/asset.json"
        var object = try Self.encodeObject(try #require(try lib.assets.getAsset(imageId, userId: "alice")))
        object["width"] = .string("wide")
        try JSONCoding.encoder().encode(object).write(to: URL(fileURLWithPath: sidecar))
        let caught = try await Self.python(["scripts/validate-sidecars.py", lib.path])
        #expect(caught.status == 1 && caught.output.contains("width"))
    }

    static func python(_ arguments: [String]) async throws -> (status: Int32, output: String) {
        let ended = try await Child.run("/usr/bin/env", ["python3"] + arguments, in: root, mergingErrors: true)
        return (ended.status, String(decoding: ended.stdout, as: UTF8.self))
    }
}
