import CreativeCatalog
import CreativeLibraries
import Foundation
import Testing

@Suite("TemplateCatalog")
struct TemplateManagerTests {
    func input(_ name: String = "Poster", prompt: String = "A poster for {{event}} in {{city}}") -> TemplateInput {
        var t = TemplateInput(name: name, type: .image, prompt: prompt)
        t.tags = ["poster", "Poster"]
        t.category = "print"
        return t
    }

    @Test func createGetUpdateUseDelete() async throws {
        let lib = try TempLibrary()
        let id = try lib.templates.createTemplate(userId: "alice", template: input()).templateId
        var t = try #require(try lib.templates.getTemplate(id, userId: "alice"))
        #expect(t.name == "Poster" && t.usageCount == 0 && !t.isDefault && t.tags == ["poster"])
        #expect(TemplateSyntax.variables(t.prompt) == ["event", "city"])
        #expect(try lib.templates.getTemplate(id, userId: "bob") == nil)

        var u = TemplateUpdates()
        u.prompt = "A {{style}} poster for {{event}}"
        u.description = "For events"
        _ = try lib.templates.updateTemplate(id, userId: "alice", updates: u)
        t = try #require(try lib.templates.getTemplate(id, userId: "alice"))
        #expect(t.prompt == "A {{style}} poster for {{event}}" && t.description == "For events")
        await expectError(.notFound) { try lib.templates.updateTemplate(id, userId: "bob", updates: u) }

        #expect(try lib.templates.useTemplate(id, userId: "alice").usageCount == 1)
        #expect(try lib.templates.useTemplate(id, userId: "alice").usageCount == 2)
        await expectError(.notFound) { try lib.templates.useTemplate(id, userId: "bob") }

        _ = try lib.templates.deleteTemplate(id, userId: "alice")
        #expect(try lib.templates.getTemplate(id, userId: "alice") == nil)
        _ = try lib.templates.restoreTemplate(id, userId: "alice")
        #expect(try lib.templates.getTemplate(id, userId: "alice")?.usageCount == 2)
    }

    @Test func rejectsBadTemplates() async throws {
        let lib = try TempLibrary()
        let unclosed = await expectError(.invalidTemplate) { try lib.templates.createTemplate(userId: "alice", template: input(prompt: "{{#items}} open")) }
        #expect(unclosed?.field == "prompt" && unclosed?.message.contains("line 1") == true)
        await expectError(.invalidTemplate) { try lib.templates.createTemplate(userId: "alice", template: input(prompt: "{{#a}}x{{/b}}")) }
        await expectError(.invalidInput) { try lib.templates.createTemplate(userId: "alice", template: input(" ")) }
        await expectError(.invalidInput) { try lib.templates.createTemplate(userId: "alice", template: input(prompt: "")) }
        await expectError(.invalidInput) { try lib.templates.createTemplate(userId: "alice", template: input(String(repeating: "n", count: 201))) }
        await expectError(.invalidInput) { try lib.templates.createTemplate(userId: "a/b", template: input()) }
        let id = try lib.templates.createTemplate(userId: "alice", template: input()).templateId
        var bad = TemplateUpdates()
        bad.negativePrompt = "{{/close}}"
        await expectError(.invalidTemplate) { try lib.templates.updateTemplate(id, userId: "alice", updates: bad) }
        await expectError(.invalidInput) { try TemplateUpdates.decode(json: Data(#"{"usageCount":99}"#.utf8)) }
        await expectError(.invalidInput) { try TemplateInput.decode(json: Data(#"{"name":"x","type":"image"}"#.utf8)) }
        #expect(try lib.templates.getTemplate("01M88XERMRTVXY3NE28XSPVP6P", userId: "alice") == nil)
        await expectError(.invalidInput) { try lib.templates.useTemplate("..%2F..%2Fetc", userId: "alice") }
    }

    @Test func defaultTemplatesAreProtectedAndListed() async throws {
        let lib = try TempLibrary()
        let all = try lib.templates.listTemplates(userId: "bob").items
        #expect(all.count == DefaultTemplates.all.count && all.count >= 8)
        #expect(Set(all.map(\.type)) == [.image, .text])
        let product = DefaultTemplates.all[0]
        let error = await expectError(.protected) { try lib.templates.deleteTemplate(product.id, userId: "local") }
        #expect(error?.message.contains("default template") == true)
        await expectError(.protected) { try lib.templates.deleteTemplate(product.id, userId: "bob") }
        await expectError(.notFound) { try lib.templates.deleteTemplate(product.id, userId: "bob", force: true) }
        _ = try lib.templates.deleteTemplate(product.id, userId: "local", force: true)
        #expect(try lib.templates.getTemplate(product.id, userId: "local") == nil)
        // init does not revive a default a person deleted.
        _ = try CreativeLibrary.initialize(lib.path)
        #expect(try lib.templates.getTemplate(product.id, userId: "local") == nil)

        let mine = try lib.templates.createTemplate(userId: "bob", template: input()).templateId
        _ = try lib.templates.useTemplate(mine, userId: "bob")
        var f = TemplateFilters()
        f.mine = true
        #expect(try lib.templates.listTemplates(userId: "bob", filters: f).items.map(\.id) == [mine])
        #expect(try lib.templates.listTemplates(userId: "bob").items.first?.id == mine)
        f = TemplateFilters()
        f.type = .image
        f.text = "logo"
        #expect(try lib.templates.listTemplates(userId: "alice", filters: f).items.map(\.name) == ["Logo concept"])
        #expect(try lib.templates.listTemplates(userId: "alice").items.contains { $0.id == mine } == false)
    }

    @Test func shippedLibraryMatchesTheDefaults() async throws {
        let repoLibrary = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("library").path
        let shipped = try CreativeLibrary.open(repoLibrary)
        let (templates, problems) = shipped.store.readAll(CreativeTemplate.self)
        #expect(problems.isEmpty)
        // Only the shipped defaults: a developer's own templates in this folder are git-ignored.
        #expect(templates.map(\.0).filter(\.isDefault).sorted { $0.id < $1.id } == DefaultTemplates.all)
        for template in DefaultTemplates.all {
            try TemplateSyntax.check(template.prompt, field: "prompt")
            let variables = TemplateSyntax.variables(template.prompt)
            #expect(!variables.isEmpty, "\(template.name) has no placeholders")
        }
    }
}
