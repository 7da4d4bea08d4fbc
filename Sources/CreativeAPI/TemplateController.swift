import CreativeCatalog
import CreativeLibraries
import Foundation
import Hummingbird

/// Templates: POST /template, GET|PATCH|DELETE /template/:id, GET /templates.
struct TemplateController {
    let templates: TemplateManager

    func add(to group: RouterGroup<APIContext>) {
        group.post("template") { request, context in
            let input = try await request.decode(as: TemplateInput.self, context: context)
            return EditedResponse(status: .created, response: try await templates.createTemplate(userId: context.userId, template: input))
        }
        group.get("template/:id") { _, context in
            let id = try context.parameters.require("id")
            guard let template = try await templates.getTemplate(id, userId: context.userId) else { throw CreativeError.notFound("template", id) }
            return EditedResponse(headers: [.eTag: Version.etag(template.updatedAt)], response: template)
        }
        group.get("templates") { request, context in
            try await templates.listTemplates(userId: context.userId, filters: try QueryRequest.decode(TemplateFilters.self, from: request))
        }
        group.patch("template/:id") { request, context in
            let updates = try await request.decode(as: TemplateUpdates.self, context: context)
            return try await templates.updateTemplate(
                try context.parameters.require("id"), userId: context.userId, updates: updates,
                expectedUpdatedAt: try Version.expected(request))
        }
        group.delete("template/:id") { request, context in
            let force = request.uri.queryParameters.get("force") == "true"
            return try await templates.deleteTemplate(try context.parameters.require("id"), userId: context.userId, force: force)
        }
    }
}
