import CreativeLibraries
import CreativeModels
import CreativeStore
import Foundation
import Hummingbird

/// Templates: POST /template, GET|PATCH|DELETE /template/:id, GET /templates. The library's
/// calls read and write files, so they run on the io pool.
struct TemplateController {
    let library: CreativeLibrary
    let limit: Int

    func add(to group: RouterGroup<APIContext>) {
        let templates = library.templates
        group.post("template") { request, context in
            let (input, user) = (try await JSON.decode(TemplateInput.self, from: request, limit: limit), context.userId)
            let result = try await BlockingPool.io.run { () throws(CreativeError) in try templates.createTemplate(userId: user, template: input) }
            return JSON.response(result, status: .created)
        }
        group.get("template/:id") { _, context in
            let (id, user) = (try context.parameters.require("id"), context.userId)
            guard let template = try await BlockingPool.io.run({ () throws(CreativeError) in try templates.getTemplate(id, userId: user) }) else {
                throw CreativeError.notFound("template", id)
            }
            return JSON.response(template, headers: [.eTag: Version.etag(template.updatedAt)])
        }
        group.get("templates") { request, context in
            let (filters, user) = (try QueryRequest.decode(TemplateFilters.self, from: request), context.userId)
            return JSON.response(try await BlockingPool.io.run { () throws(CreativeError) in try templates.listTemplates(userId: user, filters: filters) })
        }
        group.patch("template/:id") { request, context in
            let updates = try await JSON.decode(TemplateUpdates.self, from: request, limit: limit)
            let (id, user, expected) = (try context.parameters.require("id"), context.userId, try Version.expected(request))
            return JSON.response(try await BlockingPool.io.run { () throws(CreativeError) in
                try templates.updateTemplate(id, userId: user, updates: updates, expectedUpdatedAt: expected)
            })
        }
        group.delete("template/:id") { request, context in
            let force = request.uri.queryParameters.get("force") == "true"
            let (id, user) = (try context.parameters.require("id"), context.userId)
            return JSON.response(try await BlockingPool.io.run { () throws(CreativeError) in try templates.deleteTemplate(id, userId: user, force: force) })
        }
    }
}
