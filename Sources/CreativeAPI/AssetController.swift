import CreativeLibraries
import CreativeModels
import CreativeStore
import Foundation
import Hummingbird

/// Assets: GET|PATCH|DELETE /asset/:id, GET /assets, POST /asset/:id/favorite, POST /asset/:id/tags.
/// The library's calls read and write files, so they run on the io pool.
struct AssetController {
    let library: CreativeLibrary
    let responses: AssetResponses
    let limit: Int

    func add(to group: RouterGroup<APIContext>) {
        let assets = library.assets
        group.get("asset/:id") { _, context in
            let (id, user) = (try context.parameters.require("id"), context.userId)
            guard let asset = try await BlockingPool.io.run({ () throws(CreativeError) in try assets.getAsset(id, userId: user) }) else {
                throw CreativeError.notFound("asset", id)
            }
            return responses.one(asset)
        }
        group.get("assets") { request, context in
            let (filters, user) = (try QueryRequest.decode(AssetFilters.self, from: request), context.userId)
            return responses.page(try await BlockingPool.io.run { () throws(CreativeError) in try assets.listAssets(userId: user, filters: filters) })
        }
        group.patch("asset/:id") { request, context in
            let updates = try await JSON.decode(AssetUpdates.self, from: request, limit: limit)
            let (id, user, expected) = (try context.parameters.require("id"), context.userId, try Version.expected(request))
            return JSON.response(try await BlockingPool.io.run { () throws(CreativeError) in
                try assets.updateAsset(id, userId: user, updates: updates, expectedUpdatedAt: expected)
            })
        }
        group.delete("asset/:id") { _, context in
            let (id, user) = (try context.parameters.require("id"), context.userId)
            return JSON.response(try await BlockingPool.io.run { () throws(CreativeError) in try assets.deleteAsset(id, userId: user) })
        }
        group.post("asset/:id/favorite") { _, context in
            let (id, user) = (try context.parameters.require("id"), context.userId)
            return JSON.response(try await BlockingPool.io.run { () throws(CreativeError) in try assets.toggleFavorite(id, userId: user) })
        }
        group.post("asset/:id/tags") { request, context in
            let body = try await JSON.decode(TagsRequest.self, from: request, limit: limit)
            let (id, user) = (try context.parameters.require("id"), context.userId)
            return JSON.response(try await BlockingPool.io.run { () throws(CreativeError) in try assets.addTags(id, userId: user, tags: body.tags) })
        }
    }
}
