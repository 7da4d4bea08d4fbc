import CreativeCatalog
import CreativeLibraries
import Foundation
import Hummingbird

/// Assets: GET|PATCH|DELETE /asset/:id, GET /assets, POST /asset/:id/favorite, POST /asset/:id/tags,
/// GET /trash, POST /asset/:id/restore, POST /asset/upload.
struct AssetController {
    let assets: AssetManager
    let responses: AssetResponses
    let uploads: UploadBudget
    /// The library folder, where an upload is staged while it arrives.
    let root: String
    static let maxUpload = 64 << 20

    func add(to group: RouterGroup<APIContext>) {
        group.get("asset/:id") { _, context in
            let id = try context.parameters.require("id")
            guard let asset = try await assets.getAsset(id, userId: context.userId) else { throw CreativeError.notFound("asset", id) }
            return responses.one(asset)
        }
        group.get("assets") { request, context in
            responses.page(try await assets.listAssets(userId: context.userId, filters: try QueryRequest.decode(AssetFilters.self, from: request)))
        }
        group.patch("asset/:id") { request, context in
            let updates = try await request.decode(as: AssetUpdates.self, context: context)
            return try await assets.updateAsset(
                try context.parameters.require("id"), userId: context.userId, updates: updates,
                expectedUpdatedAt: try Version.expected(request))
        }
        group.delete("asset/:id") { _, context in
            try await assets.deleteAsset(try context.parameters.require("id"), userId: context.userId)
        }
        group.post("asset/:id/favorite") { _, context in
            try await assets.toggleFavorite(try context.parameters.require("id"), userId: context.userId)
        }
        group.post("asset/upload") { request, context in
            guard let name = request.uri.queryParameters["name"].map(String.init), !name.isEmpty, name.count <= 255, !name.contains("/") else {
                throw CreativeError.invalid("name", "name must be the file's name (?name=fox.png), without a folder.")
            }
            let declared = request.headers[.contentLength].flatMap { Int($0) }.map { max(0, $0) }
            if let declared, declared > Self.maxUpload {
                throw CreativeError(.tooLarge, "An upload may be \(Self.maxUpload >> 20) MiB at most; import larger files with `creative import`.")
            }
            let reserved = declared ?? Self.maxUpload
            guard uploads.reserve(reserved) else {
                var response = APIError.response(CreativeError(.busy, "The server is receiving as many uploads as it allows; try again in a few seconds."))
                response.headers[.retryAfter] = "5"
                return response
            }
            defer { uploads.release(reserved) }
            let staged = try await StagedUpload.receive(request.body, root: root, limit: Self.maxUpload)
            var input = AssetInput(media: .file(path: staged))
            (input.title, input.fileName) = ((name as NSString).deletingPathExtension, name)
            let saved: SaveAssetResult
            do {
                saved = try await assets.saveAsset(userId: context.userId, asset: input)
            } catch {
                await StagedUpload.remove(staged)
                throw error
            }
            await StagedUpload.remove(staged)
            return try EditedResponse(status: .created, response: saved).response(from: request, context: context)
        }
        group.get("trash") { _, context in
            responses.page(Page(items: try await assets.listTrash(userId: context.userId), nextCursor: nil))
        }
        group.post("asset/:id/restore") { _, context in
            try await assets.restoreAsset(try context.parameters.require("id"), userId: context.userId)
        }
        group.post("asset/:id/tags") { request, context in
            let body = try await request.decode(as: TagsRequest.self, context: context)
            return try await assets.addTags(try context.parameters.require("id"), userId: context.userId, tags: body.tags)
        }
    }
}
