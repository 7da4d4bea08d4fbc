import ArgumentParser
import CreativeCatalog
import CreativeLibraries
import Foundation

struct TemplateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "template",
        abstract: "Create, read, list, change, delete and use prompt templates.",
        discussion: "Prompts are Mustache text: {{product}} is a placeholder filled when the template is used.",
        subcommands: [Create.self, Get.self, List.self, Update.self, Delete.self, Restore.self, Use.self]
    )

    struct Fields: ParsableArguments {
        @Option(help: "Name (at most 200 characters).") var name: String?
        @Option(help: "image, video, audio or text.") var type: MediaType?
        @Option(help: "Mustache prompt, e.g. \"Photo of {{product}}\".") var prompt: String?
        @Option(name: .customLong("negative-prompt"), help: "Mustache negative prompt.") var negativePrompt: String?
        @Option(help: "Description.") var description: String?
        @Option(help: "Category, such as product or social.") var category: String?
        @Option(help: "Model to generate with.") var model: String?
        @Option(name: .customLong("tag"), help: "A tag; repeat for several.") var tags: [String] = []
        @Option(help: "Visible to other users: true or false.") var `public`: Bool?

        func apply(to u: inout TemplateUpdates) {
            u.name = name ?? u.name
            u.type = type ?? u.type
            u.prompt = prompt ?? u.prompt
            u.negativePrompt = negativePrompt ?? u.negativePrompt
            u.description = description ?? u.description
            u.category = category ?? u.category
            u.model = model ?? u.model
            u.isPublic = `public` ?? u.isPublic
            if !tags.isEmpty { u.tags = tags }
        }
    }

    struct Create: ParsableCommand, JSONOutput {
        static let configuration = CommandConfiguration(abstract: "Create a template (needs --name, --type and --prompt, or --data).")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var fields: Fields
        @OptionGroup var body: RequestBody

        func run() throws {
            var input = try body.decode(TemplateInput.self)
            if input == nil {
                guard let name = fields.name, let type = fields.type, let prompt = fields.prompt else {
                    throw ValidationError("A template needs --name, --type and --prompt (or --data with a JSON request).")
                }
                input = TemplateInput(name: name, type: type, prompt: prompt)
            }
            guard var input else { return }
            var u = TemplateUpdates()
            fields.apply(to: &u)
            input.name = u.name ?? input.name
            input.type = u.type ?? input.type
            input.prompt = u.prompt ?? input.prompt
            input.negativePrompt = u.negativePrompt ?? input.negativePrompt
            input.description = u.description ?? input.description
            input.category = u.category ?? input.category
            input.model = u.model ?? input.model
            input.isPublic = u.isPublic ?? input.isPublic
            input.tags = u.tags ?? input.tags
            let result = try global.open().templates.createTemplate(userId: global.userId, template: input)
            Output.emit(result, json: global.json) { "created template \(result.templateId)" }
        }
    }

    struct Get: ParsableCommand, JSONOutput {
        static let configuration = CommandConfiguration(abstract: "Show a template and its placeholders.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The template id.") var id: String

        func run() throws {
            guard let template = try global.open().templates.getTemplate(id, userId: global.userId) else {
                throw CreativeError.notFound("template", id)
            }
            Output.emit(template, json: global.json) { Output.describe(template) }
        }
    }

    struct List: ParsableCommand, JSONOutput {
        static let configuration = CommandConfiguration(abstract: "List the templates you can use, most used first.")
        @OptionGroup var global: GlobalOptions
        @Option(help: "image, video, audio or text.") var type: MediaType?
        @Option(help: "Only this category.") var category: String?
        @Option(name: .customLong("tag"), help: "Must carry this tag; repeat for several.") var tags: [String] = []
        @Option(help: "Only defaults (true) or only others (false).") var `default`: Bool?
        @Flag(help: "Only templates you own.") var mine = false
        @Option(help: "Search name, description, prompt and tags.") var text: String?
        @Option(help: "usageCount, name, createdAt, updatedAt or relevance.") var sort: SortField?
        @Option(help: "asc or desc.") var order: ListOrder?
        @Option(help: "Items per page, 1–500 (default 50).") var limit: Int?
        @Option(help: "Continue after a previous page.") var cursor: String?
        @Flag(name: .customLong("no-reconcile"), help: "Do not look for hand edits first.") var noReconcile = false

        func run() throws {
            var f = TemplateFilters()
            (f.type, f.category, f.isDefault, f.text) = (type, category, `default`, text)
            (f.sort, f.order, f.limit, f.cursor) = (sort, order, limit, cursor)
            f.tags = tags.isEmpty ? nil : tags
            f.mine = mine ? true : nil
            let page = try openReconciled(global, reconcile: !noReconcile).templates.listTemplates(userId: global.userId, filters: f)
            Output.emit(page, json: global.json) { Output.page(page, row: Output.row) }
        }
    }

    struct Update: ParsableCommand, JSONOutput {
        static let configuration = CommandConfiguration(abstract: "Change a template you own; only the given fields change.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The template id.") var id: String
        @OptionGroup var fields: Fields
        @OptionGroup var body: RequestBody

        func run() throws {
            var u = try body.decode(TemplateUpdates.self) ?? TemplateUpdates()
            fields.apply(to: &u)
            let result = try global.open().templates.updateTemplate(id, userId: global.userId, updates: u)
            Output.emit(result, json: global.json) { "updated template \(id)" }
        }
    }

    struct Delete: ParsableCommand, JSONOutput {
        static let configuration = CommandConfiguration(abstract: "Move a template to .trash/. Default templates need --force.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The template id.") var id: String
        @Flag(help: "Delete even a default template.") var force = false

        func run() throws {
            let result = try global.open().templates.deleteTemplate(id, userId: global.userId, force: force)
            Output.emit(result, json: global.json) { "moved template \(id) to the trash" }
        }
    }

    struct Restore: ParsableCommand, JSONOutput {
        static let configuration = CommandConfiguration(abstract: "Bring a deleted template back from .trash/.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The template id.") var id: String

        func run() throws {
            let result = try global.open().templates.restoreTemplate(id, userId: global.userId)
            Output.emit(result, json: global.json) { "restored template \(id)" }
        }
    }

    struct Use: ParsableCommand, JSONOutput {
        static let configuration = CommandConfiguration(abstract: "Count one use of a template (usageCount + 1).")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The template id.") var id: String

        func run() throws {
            let result = try global.open().templates.useTemplate(id, userId: global.userId)
            Output.emit(result, json: global.json) { "usage count: \(result.usageCount)" }
        }
    }
}
