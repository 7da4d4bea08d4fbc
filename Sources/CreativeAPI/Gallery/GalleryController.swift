import CreativeCatalog
import CreativeGeneration
import CreativeLibraries
import Foundation
import HTTPTypes
import Hummingbird
import Synchronization

/// The web gallery at `/`: pages rendered here from the index (the same reads as the API, the
/// same auth), made live by a little script over the API and `GET /api/creative/events`.
struct GalleryController {
    let library: CreativeLibrary
    let assets: AssetManager
    let pages: GalleryPages
    let credentials: Credentials
    let configuration: APIConfiguration
    let collections: CollectionCache

    static let pageSize = 48
    /// Text assets larger than this show their start only.
    static let textLimit = 256 * 1024

    func add(to router: Router<APIContext>) {
        router.get("/") { request, context in try await libraryPage(request, context) }
        router.get("/cards/:id") { _, context in
            let id = try context.parameters.require("id")
            guard let asset = try await assets.getAsset(id, userId: context.userId) else { throw CreativeError.notFound("asset", id) }
            return pages.html("card", GalleryView.Card(asset))
        }
        router.get("/assets/:id") { _, context in try await assetPage(try context.parameters.require("id"), context) }
        router.get("/trash") { _, context in
            let trashed = try await assets.listTrash(userId: context.userId)
            return pages.html("trash", GalleryView.Trash(chrome: chrome("Trash", "trash", context), cards: trashed.map(GalleryView.Card.init)))
        }
        router.get("/jobs") { _, context in
            let (index, user) = (library.index, context.userId)
            let jobs = try await BlockingPool.db.run { () throws(CreativeError) in try index.listJobs(userId: user, status: nil, limit: 100, cursor: nil) }
            return pages.html("jobs", GalleryView.Jobs(chrome: chrome("Jobs", "jobs", context), jobs: jobs.items.map(GalleryView.job)))
        }
        router.get("/templates") { _, context in try await templatesPage(context) }
        router.get("/generate") { _, context in pages.html("generate", GalleryView.Generate(chrome: chrome("Generate", "generate", context))) }
        router.get("/signin") { _, context in
            guard configuration.requiresTokens else { return Response(status: .seeOther, headers: [.location: "/"]) }
            return pages.html("signin", GalleryView.SignIn(chrome: chrome("Sign in", "signin", context, signedIn: false), problem: nil))
        }
        router.post("/signin") { request, context in
            guard configuration.requiresTokens else { return Response(status: .seeOther, headers: [.location: "/"]) }
            let form = try? URLEncodedFormDecoder().decode(SignInForm.self, from: String(buffer: try await request.body.collect(upTo: 64 * 1024)))
            let outcome = await credentials.authenticate(form?.token ?? "", client: configuration.client(of: request, peer: context.peer))
            switch outcome {
            case .user(let match):
                let cookie = Sessions.setCookie(credentials.sessions.start(match), secure: configuration.secureCookies(request))
                return Response(status: .seeOther, headers: [.location: "/", .setCookie: cookie])
            case .limited(let seconds):
                return await AuthMiddleware.limited(seconds)
            case .refused:
                try? await Task.sleep(for: AuthMiddleware.refusalDelay)
                return pages.html(
                    "signin", GalleryView.SignIn(chrome: chrome("Sign in", "signin", context, signedIn: false), problem: "That token is not valid."),
                    status: .unauthorized)
            }
        }
        router.post("/signout") { request, _ in
            if let session = Sessions.id(in: request) { credentials.sessions.end(session) }
            let clear = Sessions.clearCookie(secure: configuration.secureCookies(request))
            return Response(status: .seeOther, headers: [.location: configuration.requiresTokens ? "/signin" : "/", .setCookie: clear])
        }
        router.get("/static/:file") { request, context in
            guard let response = pages.file(try context.parameters.require("file"), request: request) else {
                throw CreativeError(.notFound, "There is no such file.")
            }
            return response
        }
        router.get("/favicon.ico") { request, _ in
            guard let response = pages.file("icon.svg", request: request) else { throw CreativeError(.notFound, "There is no icon.") }
            return response
        }
    }

    func chrome(_ title: String, _ page: String, _ context: APIContext, signedIn: Bool = true) -> GalleryView.Chrome {
        GalleryView.Chrome(title: title, user: signedIn ? context.userId : nil, page: page, signedIn: signedIn && configuration.requiresTokens)
    }

    /// The grid: filters from the query (the API's names), a page of cards, the sidebar. With
    /// `fragment=cards`, only the cards, the next page's address in `X-Next-Page`.
    private func libraryPage(_ request: Request, _ context: APIContext) async throws -> Response {
        let query = request.uri.queryParameters
        func value(_ name: String) -> String? {
            query[Substring(name)].map(String.init).flatMap { $0.trimmingCharacters(in: .whitespaces).isEmpty ? nil : $0 }
        }
        var filters = AssetFilters()
        filters.text = value("text")
        filters.type = try value("type").map { (text) throws(CreativeError) -> CreativeCatalog.MediaType in
            guard let type = CreativeCatalog.MediaType(rawValue: text) else { throw .invalid("type", "type must be image, video, audio or text.") }
            return type
        }
        filters.category = value("category")
        filters.tags = value("tags").map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty } }
        filters.isFavorite = value("isFavorite") == "true" ? true : nil
        filters.createdAfter = try value("createdAfter").map { (text) throws(CreativeError) -> Date in
            guard let date = Timestamp.parse(text.count == 10 ? text + "T00:00:00.000Z" : text) else {
                throw .invalid("createdAfter", "createdAfter must be a date such as 2026-12-01.")
            }
            return date
        }
        filters.collection = value("collection")
        filters.cursor = value("cursor")
        filters.limit = Self.pageSize
        let page = try await assets.listAssets(userId: context.userId, filters: filters)
        var kept: [String] = []
        for name in ["text", "type", "category", "tags", "isFavorite", "createdAfter", "collection"] {
            if let v = value(name), let encoded = v.addingPercentEncoding(withAllowedCharacters: Self.queryValue) { kept.append("\(name)=\(encoded)") }
        }
        let next = page.nextCursor.map { "/?" + (kept + ["cursor=\($0)"]).joined(separator: "&") }
        let cards = page.items.map(GalleryView.Card.init)
        if value("fragment") == "cards" {
            var response = pages.html("cards", ["cards": cards])
            if let next { response.headers[Self.nextPage] = next }
            return response
        }
        let folders = try await collections.of(context.userId, index: library.index)
        let current = filters.collection
        let sidebar = folders.map { folder in
            GalleryView.Collection(
                name: folder.name, count: folder.count,
                href: "/?collection=" + (folder.name.addingPercentEncoding(withAllowedCharacters: Self.queryValue) ?? ""), current: folder.name == current)
        }
        let chosenType = filters.type?.rawValue ?? ""
        var types = [GalleryView.Option(value: "", label: "Any type", selected: chosenType.isEmpty)]
        for type in CreativeCatalog.MediaType.allCases {
            types.append(GalleryView.Option(value: type.rawValue, label: type.rawValue.capitalized, selected: chosenType == type.rawValue))
        }
        let view = GalleryView.Library(
            chrome: chrome("Library", "library", context), cards: cards, next: next, collections: sidebar,
            allCurrent: current == nil, text: filters.text ?? "", types: types,
            category: filters.category ?? "", tag: value("tags") ?? "", favorites: filters.isFavorite == true, since: value("createdAfter") ?? "",
            collection: filters.collection, filtered: !kept.isEmpty, count: cards.count)
        return pages.html("library", view)
    }

    static let nextPage = HTTPField.Name("X-Next-Page")!
    static let queryValue = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "-._~"))

    private func assetPage(_ id: String, _ context: APIContext) async throws -> Response {
        let user = context.userId
        let catalog = library.assets
        let found = try await BlockingPool.io.run { () throws(CreativeError) -> (CreativeAsset, String?, [CreativeAsset])? in
            guard Validation.isValidId(id), let (asset, location) = try catalog.find(id, userId: user) else { return nil }
            var text: String?
            if asset.type == .text, let data = try library.store.readFile(at: location, name: asset.url, limit: Self.textLimit + 1) {
                text = String(decoding: data.prefix(Self.textLimit), as: UTF8.self)
            }
            var children = AssetFilters()
            (children.parentAssetId, children.limit) = (id, 50)
            return (asset, text, try catalog.listAssets(userId: user, filters: children).items)
        }
        guard let (asset, text, children) = found else { throw CreativeError.notFound("asset", id) }
        let parent = try await asset.parentAssetId.asyncMap { parentId in try await assets.getAsset(parentId, userId: user) }
        var rows: [GalleryView.Row] = [
            .init(label: "Type", value: [asset.type.rawValue, asset.format].compactMap { $0 }.joined(separator: ", ")),
            .init(label: "Created", value: Timestamp.format(asset.createdAt)),
        ]
        func add(_ label: String, _ value: String?) { if let value, !value.isEmpty { rows.append(.init(label: label, value: value)) } }
        add("Size", asset.width.flatMap { w in asset.height.map { "\(w) × \($0) px" } })
        add("Duration", asset.duration.map { String(format: "%.2f s", $0) })
        add("File size", asset.fileSize.map { ByteCountFormatter.string(fromByteCount: Int64($0), countStyle: .file) })
        add("Prompt", asset.prompt)
        add("Negative prompt", asset.negativePrompt)
        add("Provider", asset.provider)
        add("Model", asset.model)
        add("Seed", asset.seed.map(String.init))
        add("Source", asset.source?.rawValue)
        add("Template", asset.templateId)
        add("Cost", asset.cost.map { String(format: "$%.4f", $0) })
        add("Category", asset.category)
        add("Content hash", asset.contentHash)
        let parameters = asset.parameters.flatMap { try? JSONCoding.encoder(pretty: true).encode($0) }.map { String(decoding: $0, as: UTF8.self) }
        let view = GalleryView.Asset(
            chrome: chrome(asset.title, "asset", context), id: asset.id, title: asset.title, description: asset.description ?? "",
            tagList: asset.tags, file: "/api/creative/asset/\(asset.id)/file",
            thumb: asset.thumbnailUrl.map { _ in "/api/creative/asset/\(asset.id)/thumbnail" },
            isImage: asset.type == .image, isAudio: asset.type == .audio, isVideo: asset.type == .video, isText: asset.type == .text, text: text,
            alt: asset.prompt.map { String($0.prefix(300)) } ?? asset.title, isFavorite: asset.isFavorite,
            favoriteLabel: asset.isFavorite ? "Unfavorite" : "Favorite", mine: asset.userId == user, rows: rows, parameters: parameters,
            parent: parent.map { GalleryView.Link(id: $0.id, title: $0.title) },
            children: children.map { GalleryView.Link(id: $0.id, title: $0.title) }, hasChildren: !children.isEmpty)
        return pages.html("asset", view)
    }

    private func templatesPage(_ context: APIContext) async throws -> Response {
        let (index, user) = (library.index, context.userId)
        var all = TemplateFilters()
        all.limit = 200
        let filters = all
        let page = try await BlockingPool.db.run { () throws(CreativeError) in try index.listTemplates(userId: user, filters: filters) }
        let templates = page.items.map { t in
            let defaults = t.parameters?["defaults"]?.objectValue ?? [:]
            let names = TemplateSyntax.variables(t.prompt) + TemplateSyntax.variables(t.negativePrompt ?? "")
            var seen = Set<String>()
            let unique = names.filter { seen.insert($0).inserted }
            return GalleryView.Template(
                id: t.id, name: t.name, type: t.type.rawValue, description: t.description.flatMap { $0.isEmpty ? nil : $0 }, prompt: t.prompt,
                variables: unique.map { GalleryView.Variable(name: $0, value: defaults[$0]?.stringValue ?? "", field: "var-\(t.id)-\($0)") },
                placeholders: unique.isEmpty ? "none" : unique.joined(separator: ", "), usageCount: t.usageCount,
                editable: t.userId == user && !t.isDefault)
        }
        return pages.html("templates", GalleryView.Templates(chrome: chrome("Templates", "templates", context), templates: templates))
    }
}

/// The sign-in page's form.
struct SignInForm: Decodable {
    var token: String
}

/// The sidebar's collections per user. Counting them reads every one of the user's index rows
/// (about 180 ms at 100,000 assets), too much for a page: after a change of the user's assets the
/// old counts are served while one count runs in the background.
final class CollectionCache: Sendable {
    typealias Counts = [(name: String, count: Int)]

    private struct Entry {
        var counts: Counts
        var stale = false
        var counting = false
    }

    private final class Entries: Sendable {
        let byUser = Mutex<[String: Entry]>([:])
    }

    private let entries = Entries()
    private let watcher: Task<Void, Never>

    init(events: LibraryEvents) {
        let (entries, changes) = (entries, events.subscribe())
        watcher = Task {
            for await event in changes where event.kind == .asset {
                entries.byUser.withLock { $0[event.userId]?.stale = true }
            }
        }
    }

    deinit { watcher.cancel() }

    func of(_ user: String, index: LibraryIndex) async throws(CreativeError) -> Counts {
        let (cached, recount) = entries.byUser.withLock { all -> (Counts?, Bool) in
            guard var entry = all[user] else { return (nil, false) }
            let recount = entry.stale && !entry.counting
            if recount { (entry.stale, entry.counting) = (false, true) }
            all[user] = entry
            return (entry.counts, recount)
        }
        if let cached {
            if recount {
                let entries = entries
                Task {
                    let fresh = try? await BlockingPool.db.run { () throws(CreativeError) in try index.collections(userId: user) }
                    entries.byUser.withLock { all in
                        all[user]?.counting = false
                        if let fresh { all[user]?.counts = fresh }
                    }
                }
            }
            return cached
        }
        let fresh = try await BlockingPool.db.run { () throws(CreativeError) in try index.collections(userId: user) }
        entries.byUser.withLock { $0[user] = Entry(counts: fresh) }
        return fresh
    }
}

extension Optional {
    fileprivate func asyncMap<T>(_ transform: (Wrapped) async throws -> T?) async rethrows -> T? {
        guard let self else { return nil }
        return try await transform(self)
    }
}
