import ArgumentParser
import CreativeCatalog
import CreativeLibraries
import Foundation

struct SearchCommand: ParsableCommand, JSONOutput {
    static let configuration = CommandConfiguration(
        commandName: "search",
        abstract: "Search your assets (or templates) by text, best matches first.",
        discussion: """
            QUERY searches title, description, prompt, negative prompt and tags. Plain words must \
            all appear; FTS5 syntax is passed through: prefix* (`fo*` finds "fox"), \
            "exact phrase", AND, OR, NOT, title:word.
            """
    )
    @OptionGroup var global: GlobalOptions
    @Argument(help: "What to search for.") var query: String
    @Flag(help: "Search templates instead of assets.") var templates = false
    @Option(help: "image, video, audio or text.") var type: MediaType?
    @Option(help: "Only this category.") var category: String?
    @Option(name: .customLong("tag"), help: "Must carry this tag; repeat for several.") var tags: [String] = []
    @Option(help: "Only favorites (true) or non-favorites (false).") var favorite: Bool?
    @Option(help: "Only assets in this folder under assets/.") var collection: String?
    @Option(help: "relevance (default), createdAt, updatedAt, title (name, usageCount for templates).") var sort: SortField?
    @Option(help: "asc or desc.") var order: ListOrder?
    @Option(help: "Items per page, 1–500 (default 50).") var limit: Int?
    @Option(help: "Continue after a previous page.") var cursor: String?
    @Flag(name: .customLong("no-reconcile"), help: "Do not look for hand edits first.") var noReconcile = false

    func run() throws {
        let library = try openReconciled(global, reconcile: !noReconcile)
        if templates {
            var f = TemplateFilters()
            (f.text, f.type, f.category, f.sort, f.order, f.limit, f.cursor) = (query, type, category, sort, order, limit, cursor)
            f.tags = tags.isEmpty ? nil : tags
            let page = try library.templates.listTemplates(userId: global.userId, filters: f)
            Output.emit(page, json: global.json) { Output.page(page, row: Output.row) }
        } else {
            var f = AssetFilters()
            (f.text, f.type, f.category, f.isFavorite, f.collection) = (query, type, category, favorite, collection)
            (f.sort, f.order, f.limit, f.cursor) = (sort, order, limit, cursor)
            f.tags = tags.isEmpty ? nil : tags
            let page = try library.assets.listAssets(userId: global.userId, filters: f)
            Output.emit(page, json: global.json) { Output.page(page, row: Output.row) }
        }
    }
}
