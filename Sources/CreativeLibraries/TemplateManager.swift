import CreativeCatalog
import Foundation

/// The seed's template-manager: create, read, list, update, delete and use templates.
///
/// A user sees their own templates, public ones and the shipped defaults; only the owner changes
/// or deletes one. Reads answered from the index run on ``BlockingPool/db``, changes on
/// ``BlockingPool/io``; the caller's task only awaits.
///
/// ```swift
/// let templates = TemplateManager(library: try CreativeLibrary.open("./library"))
/// let made = try await templates.createTemplate(userId: "local", template: TemplateInput(name: "Poster", type: .image, prompt: "A poster for {{event}}"))
/// ```
public struct TemplateManager: Sendable {
    let catalog: TemplateCatalog

    public init(library: CreativeLibrary) {
        catalog = library.templates
    }

    /// Creates a template folder `templates/<slug>--<id>/`.
    /// - Throws: `invalid_input` for bad fields, `invalid_template` when a prompt is not valid Mustache.
    public func createTemplate(userId: String, template: TemplateInput) async throws(CreativeError) -> CreateTemplateResult {
        try await BlockingPool.io.run { [catalog] () throws(CreativeError) in try catalog.createTemplate(userId: userId, template: template) }
    }

    /// The template, or nil for an unknown id or another user's private template.
    public func getTemplate(_ templateId: String, userId: String) async throws(CreativeError) -> CreativeTemplate? {
        try await BlockingPool.db.run { [catalog] () throws(CreativeError) in try catalog.getTemplate(templateId, userId: userId) }
    }

    /// A page of the templates the user can see, filtered as `filters` says.
    public func listTemplates(userId: String, filters: TemplateFilters = TemplateFilters()) async throws(CreativeError) -> Page<CreativeTemplate> {
        try await BlockingPool.db.run { [catalog] () throws(CreativeError) in try catalog.listTemplates(userId: userId, filters: filters) }
    }

    /// Changes the fields `updates` sets; with `expectedUpdatedAt`, a change made in between is a `conflict`.
    /// - Throws: `not_found`, `invalid_input`, `invalid_template`, `conflict`.
    public func updateTemplate(
        _ templateId: String, userId: String, updates: TemplateUpdates, expectedUpdatedAt: Date? = nil
    ) async throws(CreativeError) -> SuccessResult {
        try await BlockingPool.io.run { [catalog] () throws(CreativeError) in
            try catalog.updateTemplate(templateId, userId: userId, updates: updates, expectedUpdatedAt: expectedUpdatedAt)
        }
    }

    /// Moves the template to `.trash/`; a shipped default needs `force`.
    /// - Throws: `not_found`, `protected`.
    public func deleteTemplate(_ templateId: String, userId: String, force: Bool = false) async throws(CreativeError) -> SuccessResult {
        try await BlockingPool.io.run { [catalog] () throws(CreativeError) in try catalog.deleteTemplate(templateId, userId: userId, force: force) }
    }

    /// Brings a deleted template back from `.trash/`.
    public func restoreTemplate(_ templateId: String, userId: String) async throws(CreativeError) -> SuccessResult {
        try await BlockingPool.io.run { [catalog] () throws(CreativeError) in try catalog.restoreTemplate(templateId, userId: userId) }
    }

    /// Counts one use (`usageCount` + 1).
    /// - Throws: `not_found`.
    public func useTemplate(_ templateId: String, userId: String) async throws(CreativeError) -> UseTemplateResult {
        try await BlockingPool.io.run { [catalog] () throws(CreativeError) in try catalog.useTemplate(templateId, userId: userId) }
    }
}
