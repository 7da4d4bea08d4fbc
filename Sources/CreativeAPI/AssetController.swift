import CreativeCatalog
import CreativeLibraries
import Foundation
import Hummingbird

/// Assets: GET|PATCH|DELETE /asset/:id, GET /assets, POST /asset/:id/favorite, POST /asset/:id/tags,
/// GET /trash, POST /asset/:id/restore.
struct AssetController {
    let assets: AssetManager
    let responses: AssetResponses

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
