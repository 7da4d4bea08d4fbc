import CreativeCatalog
import CreativeDaemon
import CreativeGeneration
import CreativeLibraries
import Foundation
import Testing

/// Templates written to hurt, by hand or by rsync rather than through the API: 20,000 nested
/// sections (the Mustache parser recurses once per level: this test process would die of a stack
/// overflow if one reached it), megabytes of text, and renderings that multiply.
@Suite("Template bombs")
struct TemplateBombTests {
    static let prompts = [
        // Longer than any template may be, before its depth is even looked at.
        "Deep": String(repeating: "{{#a}}", count: 20_000) + "x" + String(repeating: "{{/a}}", count: 20_000),
        // Within the length, 800 levels deep.
        "Nested": String(repeating: "{{#a}}", count: 800) + "x" + String(repeating: "{{/a}}", count: 800),
        "Huge": String(repeating: "a fox in the snow ", count: 220_000) + "{{a}}",
    ]

    /// Writes a template.json the way a person or rsync would, and returns its id and folder.
    static func writeByHand(_ lib: TempLibrary, name: String, prompt: String, user: String = "alice") throws -> (id: String, folder: String) {
        let id = ULID.make()
        struct Sidecar: Encodable {
            var id, userId, name, type, prompt: String
            var isPublic = false, isDefault = false
            var usageCount = 0
            var tags: [String] = []
            var createdAt, updatedAt: String
        }
        let now = Timestamp.format(Date())
        let sidecar = Sidecar(id: id, userId: user, name: name, type: "text", prompt: prompt, createdAt: now, updatedAt: now)
        let folder = "templates/\(name.lowercased())--\(id)"
        try FileManager.default.createDirectory(atPath: lib.url(folder).path, withIntermediateDirectories: true)
        try JSONEncoder().encode(sidecar).write(to: lib.url("\(folder)/template.json"))
        return (id, folder)
    }

    static func generation(_ lib: TempLibrary) -> Generation {
        // No keys, whatever the developer's environment holds: tests never leave 127.0.0.1.
        Generation(library: lib.library, runner: JobRunner(library: lib.library, workers: 1, lease: 30, environment: ProviderEnvironment([:])))
    }

    @Test(arguments: [
        ("Deep", "has more than 10000 characters (240001 bytes)"), ("Nested", "nests sections more than 32 deep (line 1)"),
        ("Huge", "has more than 10000 characters (3960005 bytes)"),
    ])
    func aBadTemplateOnDiskIsRefusedWhenUsedAndLeftOutOfListings(_ name: String, _ reason: String) async throws {
        let lib = try TempLibrary()
        let prompt = try #require(Self.prompts[name])
        let bad = try Self.writeByHand(lib, name: name, prompt: prompt)
        let good = try Self.writeByHand(lib, name: "Fine", prompt: "A note about {{topic}}")

        let used = await expectError(.invalidTemplate) { try await TemplateManager(library: lib.library).useTemplate(bad.id, userId: "alice") }
        #expect(used?.message.contains("The template \"\(name)\" (\(bad.id)) cannot be used: prompt \(reason)") == true, "\(used?.message ?? "")")
        #expect(try lib.templates.getTemplate(bad.id, userId: "alice")?.usageCount == 0)
        let creator = ContentCreator(generation: Self.generation(lib))
        let created = await expectError(.invalidTemplate) {
            try await creator.createFromTemplate(userId: "alice", templateId: bad.id, variables: ["a": .string("x")])
        }
        #expect(created?.message.contains(reason) == true, "\(created?.message ?? "")")
        #expect(TemplateSyntax.variables(prompt).isEmpty)

        // The listing answers, without the bad one (as for a template.json that does not parse);
        // reconcile and index check name it with the reason.
        let report = try lib.library.index.reconcile()
        #expect(report.problems.map(\.path) == ["\(bad.folder)/template.json"] && report.problems.first?.reason.contains(reason) == true, "\(report.problems)")
        let listed = try await TemplateManager(library: lib.library).listTemplates(userId: "alice", filters: TemplateFilters())
        #expect(listed.items.contains { $0.id == good.id } && !listed.items.contains { $0.id == bad.id })
        #expect(try lib.library.index.check().problems.first?.reason.contains(reason) == true)
        let check = try await CLI.run(["index", "check"], library: lib.path)
        #expect(check.stdout.contains("cannot be indexed:      \(bad.folder)/template.json: The template") && check.stdout.contains(reason), "\(check.stdout)")

        // A good template still renders through the same door.
        let fine = try await creator.createFromTemplate(userId: "alice", templateId: good.id, variables: ["topic": .string("owls")])
        #expect(fine.success && fine.assetId != nil)
    }

    @Test func anInboxRequestForADeepTemplateMovesToFailedWithTheSentence() throws {
        let lib = try TempLibrary()
        // inbox/ itself is the user "local".
        let bad = try Self.writeByHand(lib, name: "Nested", prompt: try #require(Self.prompts["Nested"]), user: "local")
        let path = lib.url("inbox/deep.json").path
        try Data(#"{"kind": "from-template", "templateId": "\#(bad.id)", "variables": {"a": "x"}}"#.utf8).write(to: URL(fileURLWithPath: path))
        try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSinceNow: -1)], ofItemAtPath: path)
        _ = Intake(library: lib.library).run()
        let error = (try? String(contentsOfFile: lib.url("inbox/failed/deep.json.error.txt").path, encoding: .utf8)) ?? "(no error file)"
        #expect(error.contains("cannot be used: prompt nests sections more than 32 deep"), "\(error)")
    }

    @Test func renderingIsBoundedByWhatItWouldProduce() async throws {
        let lib = try TempLibrary()
        let nested = String(repeating: "{{#a}}", count: 6) + "ten bytes." + String(repeating: "{{/a}}", count: 6)
        let list = JSONValue.array((0..<20).map { .int($0) })
        let many = try lib.templates.createTemplate(userId: "alice", template: TemplateInput(name: "Many", type: .text, prompt: nested)).templateId
        // 20^6 copies of ten bytes: refused before rendering, not after 640 MB.
        let multiplied = await expectError(.invalidTemplate) { try lib.templates.render(many, userId: "alice", variables: ["a": list]) }
        #expect(multiplied?.message.contains("would render more than 1048576 bytes") == true, "\(multiplied?.message ?? "")")
        // A placeholder repeated: its value counts as it renders (200 × 10 KB).
        let repeated = "{{#a}}{{big}}{{/a}}"
        let big = try lib.templates.createTemplate(userId: "alice", template: TemplateInput(name: "Big", type: .text, prompt: repeated)).templateId
        let values: [String: JSONValue] = ["a": .array((0..<200).map { .int($0) }), "big": .string(String(repeating: "x", count: 10_000))]
        await expectError(.invalidTemplate) { try lib.templates.render(big, userId: "alice", variables: values) }
        // Lists and their items render as they always did.
        let notes = "{{#items}}- {{.}}\n{{/items}}All: {{items}}; {{#shout}}loud{{/shout}}"
        let id = try lib.templates.createTemplate(userId: "alice", template: TemplateInput(name: "Notes", type: .text, prompt: notes)).templateId
        let rendered = try lib.templates.render(id, userId: "alice", variables: ["items": .array([.string("owl"), .int(2)]), "shout": .string("true")])
        #expect(rendered.prompt == "- owl\n- 2\nAll: [\"owl\", 2]; loud", "\(rendered.prompt)")
    }

    @Test func theScanFollowsDelimiterChangesAsTheParserDoes() async throws {
        let tooDeep = String(repeating: "<%#a%>", count: 40) + String(repeating: "<%/a%>", count: 40)
        let renamed = await expectError(.invalidTemplate) { try TemplateSyntax.check("{{=<% %>=}}" + tooDeep, field: "prompt") }
        #expect(renamed?.message.contains("more than 32 deep") == true)
        // A delimiter change inside a section ends with it: the braces count again after.
        let local = "{{#a}}{{=<% %>=}}<%/a%>"
        try TemplateSyntax.check(local + "{{b}}", field: "prompt")
        let after = await expectError(.invalidTemplate) {
            try TemplateSyntax.check(local + String(repeating: "{{#b}}", count: 40) + String(repeating: "{{/b}}", count: 40), field: "prompt")
        }
        #expect(after?.message.contains("more than 32 deep") == true)
        // 32 levels are fine; comments and partial tags open nothing.
        try TemplateSyntax.check(String(repeating: "{{#a}}{{! {{#no}} }}{{>p}}", count: 32) + String(repeating: "{{/a}}", count: 32), field: "prompt")
    }
}
