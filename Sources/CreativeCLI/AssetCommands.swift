import ArgumentParser
import CreativeCatalog
import CreativeLibraries
import Foundation

struct AssetCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "asset",
        abstract: "Save, read, list, change and delete assets.",
        subcommands: [Save.self, Get.self, List.self, Lineage.self, Update.self, Delete.self, Restore.self, Favorite.self, Tag.self]
    )

    /// Metadata flags shared by save and update.
    struct Metadata: ParsableArguments {
        @Option(help: "Title (at most 200 characters).") var title: String?
        @Option(help: "Description (at most 5000 characters).") var description: String?
        @Option(help: "Category, such as product or social.") var category: String?
        @Option(help: "The prompt that made the media.") var prompt: String?
        @Option(name: .customLong("negative-prompt"), help: "What the generator was told to avoid.") var negativePrompt: String?
        @Option(help: "The model that made the media.") var model: String?
        @Option(help: "The provider that made the media.") var provider: String?
        @Option(help: "Generation cost in US dollars.") var cost: Double?
        @Option(help: "Generation seed.") var seed: Int?
        @Option(help: "Generation steps.") var steps: Int?
        @Option(help: "Guidance (CFG) scale.") var guidance: Double?
        @Option(help: "Sampler name.") var sampler: String?
        @Option(help: "Status: processing, ready, failed or archived.") var status: AssetStatus?
        @Option(name: .customLong("tag"), help: "A tag; repeat for several.") var tags: [String] = []
        @Option(help: "Visible to other users: true or false.") var `public`: Bool?
        @Option(help: "Marked as favorite: true or false.") var favorite: Bool?
    }

    struct Save: ParsableCommand, JSONOutput {
        static let configuration = CommandConfiguration(
            abstract: "Save a media file as a new asset.",
            discussion: "The file is copied into assets/<yyyy-mm>/<slug>--<id>/; size, dimensions and format are read from it, and images get a thumbnail."
        )
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The media file (image, video, audio or text).") var file: String?
        @Option(help: "image, video, audio or text (default: from the file).") var type: MediaType?
        @OptionGroup var meta: Metadata
        @OptionGroup var body: RequestBody

        func run() throws {
            var input = try body.decode(AssetInput.self) ?? AssetInput()
            if let file { (input.file, input.data) = (file, nil) }
            input.type = type ?? input.type
            input.title = meta.title ?? input.title
            input.description = meta.description ?? input.description
            input.category = meta.category ?? input.category
            input.prompt = meta.prompt ?? input.prompt
            input.negativePrompt = meta.negativePrompt ?? input.negativePrompt
            input.model = meta.model ?? input.model
            input.provider = meta.provider ?? input.provider
            input.cost = meta.cost ?? input.cost
            input.seed = meta.seed ?? input.seed
            input.steps = meta.steps ?? input.steps
            input.guidance = meta.guidance ?? input.guidance
            input.sampler = meta.sampler ?? input.sampler
            input.status = meta.status ?? input.status
            input.isPublic = meta.public ?? input.isPublic
            input.isFavorite = meta.favorite ?? input.isFavorite
            if !meta.tags.isEmpty { input.tags = (input.tags ?? []) + meta.tags }
            let result = try global.open().assets.saveAsset(userId: global.userId, asset: input)
            Output.emit(result, json: global.json) { "saved asset \(result.assetId)" }
        }
    }

    struct Get: ParsableCommand, JSONOutput {
        static let configuration = CommandConfiguration(abstract: "Show an asset.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The asset id.") var id: String

        func run() throws {
            guard let asset = try global.open().assets.getAsset(id, userId: global.userId) else {
                throw CreativeError.notFound("asset", id)
            }
            Output.emit(asset, json: global.json) { Output.describe(asset) }
        }
    }

    struct List: ParsableCommand, JSONOutput {
        static let configuration = CommandConfiguration(abstract: "List your assets, newest first.")
        @OptionGroup var global: GlobalOptions
        @Option(help: "image, video, audio or text.") var type: MediaType?
        @Option(help: "Only this category.") var category: String?
        @Option(name: .customLong("tag"), help: "Must carry this tag; repeat for several.") var tags: [String] = []
        @Option(help: "Only favorites (true) or non-favorites (false).") var favorite: Bool?
        @Option(help: "Only public (true) or private (false) assets.") var `public`: Bool?
        @Option(help: "Only this status.") var status: AssetStatus?
        @Option(help: "Only this provider.") var provider: String?
        @Option(help: "Only this model.") var model: String?
        @Option(help: "Created on or after this date (2026-11-25 or ISO-8601).") var since: String?
        @Option(help: "Created before this date.") var until: String?
        @Option(help: "Search title, description, prompt and tags (see `creative search`).") var text: String?
        @Option(help: "Only assets in this folder under assets/.") var collection: String?
        @Option(help: "Only assets made from this asset (its children).") var parent: String?
        @Option(help: "Only generated, imported or uploaded assets.") var source: AssetSource?
        @Option(help: "createdAt, updatedAt, title or relevance.") var sort: SortField?
        @Option(help: "asc or desc.") var order: ListOrder?
        @Option(help: "Items per page, 1–500 (default 50).") var limit: Int?
        @Option(help: "Continue after a previous page.") var cursor: String?
        @Flag(name: .customLong("no-reconcile"), help: "Do not look for hand edits first.") var noReconcile = false

        func run() throws {
            var f = AssetFilters()
            (f.type, f.category, f.isFavorite, f.isPublic, f.status) = (type, category, favorite, `public`, status)
            (f.provider, f.model, f.text, f.collection) = (provider, model, text, collection)
            (f.parentAssetId, f.source) = (parent, source)
            (f.sort, f.order, f.limit, f.cursor) = (sort, order, limit, cursor)
            f.tags = tags.isEmpty ? nil : tags
            f.createdAfter = try parseDate(since, option: "--since")
            f.createdBefore = try parseDate(until, option: "--until")
            let page = try openReconciled(global, reconcile: !noReconcile).assets.listAssets(userId: global.userId, filters: f)
            Output.emit(page, json: global.json) { Output.page(page, row: Output.row) }
        }
    }

    struct Lineage: ParsableCommand, JSONOutput {
        static let configuration = CommandConfiguration(
            abstract: "Show where an asset came from and what was made from it.",
            discussion: "Ancestors follow parentAssetId up; descendants are the assets naming it (or them) as parent."
        )
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The asset id.") var id: String

        func run() throws {
            let result = try global.open().assets.lineage(id, userId: global.userId)
            Output.emit(result, json: global.json) {
                var lines = result.ancestors.reversed().enumerated().map { n, a in String(repeating: "  ", count: n) + Output.row(a) }
                let depth = result.ancestors.count
                lines.append(String(repeating: "  ", count: depth) + "▶ " + Output.row(result.asset))
                lines += result.descendants.map { String(repeating: "  ", count: depth + $0.depth) + Output.row($0.asset) }
                return lines.joined(separator: "\n")
            }
        }
    }

    struct Update: ParsableCommand, JSONOutput {
        static let configuration = CommandConfiguration(
            abstract: "Change an asset's metadata.",
            discussion: "Only the given fields change; an empty string clears a text field. --tag replaces all tags."
        )
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The asset id.") var id: String
        @OptionGroup var meta: Metadata
        @OptionGroup var body: RequestBody

        func run() throws {
            var u = try body.decode(AssetUpdates.self) ?? AssetUpdates()
            u.title = meta.title ?? u.title
            u.description = meta.description ?? u.description
            u.category = meta.category ?? u.category
            u.prompt = meta.prompt ?? u.prompt
            u.negativePrompt = meta.negativePrompt ?? u.negativePrompt
            u.model = meta.model ?? u.model
            u.provider = meta.provider ?? u.provider
            u.cost = meta.cost ?? u.cost
            u.seed = meta.seed ?? u.seed
            u.steps = meta.steps ?? u.steps
            u.guidance = meta.guidance ?? u.guidance
            u.sampler = meta.sampler ?? u.sampler
            u.status = meta.status ?? u.status
            u.isPublic = meta.public ?? u.isPublic
            u.isFavorite = meta.favorite ?? u.isFavorite
            if !meta.tags.isEmpty { u.tags = meta.tags }
            let result = try global.open().assets.updateAsset(id, userId: global.userId, updates: u)
            Output.emit(result, json: global.json) { "updated asset \(id)" }
        }
    }

    struct Delete: ParsableCommand, JSONOutput {
        static let configuration = CommandConfiguration(abstract: "Move an asset to the library's .trash/ (restore brings it back).")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The asset id.") var id: String

        func run() throws {
            let result = try global.open().assets.deleteAsset(id, userId: global.userId)
            Output.emit(result, json: global.json) { "moved asset \(id) to the trash" }
        }
    }

    struct Restore: ParsableCommand, JSONOutput {
        static let configuration = CommandConfiguration(abstract: "Bring a deleted asset back from .trash/.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The asset id.") var id: String

        func run() throws {
            let result = try global.open().assets.restoreAsset(id, userId: global.userId)
            Output.emit(result, json: global.json) { "restored asset \(id)" }
        }
    }

    struct Favorite: ParsableCommand, JSONOutput {
        static let configuration = CommandConfiguration(abstract: "Toggle an asset's favorite mark.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The asset id.") var id: String

        func run() throws {
            let result = try global.open().assets.toggleFavorite(id, userId: global.userId)
            Output.emit(result, json: global.json) { result.isFavorite ? "★ favorite" : "not a favorite" }
        }
    }

    struct Tag: ParsableCommand, JSONOutput {
        static let configuration = CommandConfiguration(abstract: "Add tags to an asset.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The asset id.") var id: String
        @Argument(help: "Tags to add.") var tags: [String]

        func run() throws {
            let result = try global.open().assets.addTags(id, userId: global.userId, tags: tags)
            Output.emit(result, json: global.json) { "tags: \(result.tags.joined(separator: ", "))" }
        }
    }
}
