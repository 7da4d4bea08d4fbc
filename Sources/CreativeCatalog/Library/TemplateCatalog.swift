import Foundation

/// The catalog of templates. A user sees their own templates, public ones and the defaults; only
/// the owner changes or deletes one. Every function blocks on files and the index: call it from a
/// blocking pool. The seed's `TemplateManager` (module CreativeLibraries) is its async face.
public struct TemplateCatalog: Sendable {
    public let store: LibraryStore
    public let index: LibraryIndex

    public init(store: LibraryStore, index: LibraryIndex) {
        self.store = store
        self.index = index
    }

    /// Creates a template folder `templates/<slug>--<id>/`.
    /// - Throws: `invalid_input` for bad fields, `invalid_template` when a prompt is not valid Mustache.
    public func createTemplate(userId: String, template input: TemplateInput) throws(CreativeError) -> CreateTemplateResult {
        let userId = try Validation.userId(userId)
        let now = Timestamp.now()
        var template = CreativeTemplate(
            id: ULID.make(at: now), userId: userId, name: "", type: input.type,
            prompt: "", createdAt: now, updatedAt: now)
        var updates = TemplateUpdates()
        (updates.name, updates.description, updates.category, updates.prompt, updates.negativePrompt) =
            (input.name, input.description, input.category, input.prompt, input.negativePrompt)
        (updates.model, updates.parameters, updates.isPublic, updates.tags) = (input.model, input.parameters, input.isPublic, input.tags)
        try Self.apply(updates, to: &template)
        try store.create(template, in: "templates")
        return CreateTemplateResult(templateId: template.id)
    }

    /// The template, if the user owns it or it is public or a default; nil otherwise.
    public func getTemplate(_ templateId: String, userId: String) throws(CreativeError) -> CreativeTemplate? {
        guard let template = try index.current(CreativeTemplate.self, id: templateId) else {
            if let refusal = refusal(templateId, userId: userId) { throw refusal }
            return nil
        }
        return Self.visible(template, to: userId) ? template : nil
    }

    /// Templates the user can see, filtered, searched, sorted (most used first by default) and
    /// paged — answered from the index.
    public func listTemplates(userId: String, filters: TemplateFilters = TemplateFilters()) throws(CreativeError) -> Page<CreativeTemplate> {
        try index.listTemplates(userId: try Validation.userId(userId), filters: filters)
    }

    /// Changes the given fields of the user's own template; prompts are checked as Mustache.
    /// - Parameter expectedUpdatedAt: as for updateAsset: refuses with `conflict` if the template changed.
    public func updateTemplate(
        _ templateId: String, userId: String, updates: TemplateUpdates, expectedUpdatedAt: Date? = nil
    ) throws(CreativeError) -> SuccessResult {
        let updated = try store.update(CreativeTemplate.self, id: templateId) { (t: inout CreativeTemplate) throws(CreativeError) in
            guard t.userId == userId else { throw Self.notFound(templateId) }
            if let expected = expectedUpdatedAt, Timestamp.format(expected) != Timestamp.format(t.updatedAt) {
                throw CreativeError(
                    .conflict, "Template \(templateId) changed since it was read (now \(Timestamp.format(t.updatedAt))); read it again and retry.")
            }
            let before = t
            try Self.apply(updates, to: &t)
            if t != before { t.updatedAt = max(Timestamp.now(), before.updatedAt) }
        }
        guard updated != nil else { throw Self.notFound(templateId) }
        return SuccessResult()
    }

    /// Moves the user's template to `.trash/`. A default template needs `force: true`.
    /// - Throws: `protected` for a default template without force.
    public func deleteTemplate(_ templateId: String, userId: String, force: Bool = false) throws(CreativeError) -> SuccessResult {
        guard let (template, _) = try store.read(CreativeTemplate.self, id: templateId), Self.visible(template, to: userId) else {
            throw Self.notFound(templateId)
        }
        if template.isDefault && !force {
            throw CreativeError(
                .protected,
                "\"\(template.name)\" is a default template; delete it with force (CLI: --force) if you really mean to. It can be restored from the trash.")
        }
        guard template.userId == userId else { throw Self.notFound(templateId) }
        guard try store.moveToTrash(.template, id: templateId) else { throw Self.notFound(templateId) }
        return SuccessResult()
    }

    /// Brings a deleted template back from `.trash/`.
    public func restoreTemplate(_ templateId: String, userId: String) throws(CreativeError) -> SuccessResult {
        guard let (template, _) = try store.readFromTrash(CreativeTemplate.self, id: templateId), template.userId == userId else {
            throw CreativeError(.notFound, "No deleted template with id \(templateId) is in the trash.")
        }
        try store.restoreFromTrash(.template, id: templateId)
        return SuccessResult()
    }

    /// Counts one use: usageCount rises by exactly one per call, under the template's lock, even
    /// with many processes at once. updatedAt is left alone (a use is not an edit).
    /// - Throws: `invalid_template` when the template's text is over its bounds (nothing counted).
    public func useTemplate(_ templateId: String, userId: String) throws(CreativeError) -> UseTemplateResult {
        let updated = try store.update(CreativeTemplate.self, id: templateId) { (t: inout CreativeTemplate) throws(CreativeError) in
            guard Self.visible(t, to: userId) else { throw Self.notFound(templateId) }
            try Self.checkBounds(t)
            t.usageCount += 1
        }
        guard let updated else { throw refusal(templateId, userId: userId) ?? Self.notFound(templateId) }
        return UseTemplateResult(usageCount: updated.usageCount)
    }

    // MARK: Helpers

    static func visible(_ t: CreativeTemplate, to userId: String) -> Bool {
        t.userId == userId || t.isPublic || t.isDefault
    }

    static func notFound(_ id: String) -> CreativeError { .notFound("template", id) }

    /// The template's text within `TemplateBounds`, however it reached the disk.
    /// - Throws: `invalid_template` naming the template and what is over its bound.
    static func checkBounds(_ t: CreativeTemplate) throws(CreativeError) {
        do {
            try TemplateBounds.check(t.prompt, field: "prompt")
            if let negative = t.negativePrompt { try TemplateBounds.check(negative, field: "negativePrompt") }
        } catch {
            throw CreativeError(
                .invalidTemplate, "The template \"\(t.name)\" (\(t.id)) cannot be used: \(error.message) Fix its template.json.", field: error.field)
        }
    }

    /// Why a template the index left out cannot be used: a template.json over its bounds is not
    /// indexed, so its id would otherwise answer "not found". Looked for only after the index
    /// said no, among the folder names under templates/ (no sidecar but the one named is read).
    func refusal(_ id: String, userId: String) -> CreativeError? {
        guard let location = try? store.locate(.template, id: id, under: EntityKind.template.folder),
            let dir = try? POSIX.openPath(store.rootDir, location.path),
            let (template, _, _) = try? store.readSidecar(CreativeTemplate.self, in: dir, path: location.path),
            template.id == id, Self.visible(template, to: userId)
        else { return nil }
        do throws(CreativeError) {
            try Self.checkBounds(template)
            return nil
        } catch {
            return error
        }
    }

    /// Validates and sets the given fields; an empty string clears an optional text field.
    static func apply(_ u: TemplateUpdates, to t: inout CreativeTemplate) throws(CreativeError) {
        let short = Validation.maxShortText
        if let name = u.name { t.name = try Validation.required(name, field: "name", max: Validation.maxTitle) }
        if let type = u.type { t.type = type }
        if let prompt = u.prompt {
            t.prompt = try Validation.required(prompt, field: "prompt", max: Validation.maxPrompt)
            try TemplateSyntax.check(t.prompt, field: "prompt")
        }
        if u.negativePrompt != nil {
            t.negativePrompt = try Validation.optional(u.negativePrompt, field: "negativePrompt", max: Validation.maxPrompt)
            if let negative = t.negativePrompt { try TemplateSyntax.check(negative, field: "negativePrompt") }
        }
        if u.description != nil { t.description = try Validation.optional(u.description, field: "description", max: Validation.maxDescription) }
        if u.category != nil { t.category = try Validation.optional(u.category, field: "category", max: short) }
        if u.model != nil { t.model = try Validation.optional(u.model, field: "model", max: short) }
        if let parameters = u.parameters { t.parameters = parameters.isEmpty ? nil : parameters }
        if let isPublic = u.isPublic { t.isPublic = isPublic }
        if let tags = u.tags { t.tags = try Validation.tags(tags) }
        if t.name.isEmpty { throw .invalid("name", "name must not be empty.") }
        if t.prompt.isEmpty { throw .invalid("prompt", "prompt must not be empty.") }
    }
}

extension TemplateCatalog {
    /// A template's prompts with the variables filled in (createFromTemplate's first half).
    /// Values come from `variables`, then from `parameters.defaults`; a placeholder with neither
    /// is an error (write `{{=<% %>=}}` at the start of a prompt to use literal braces).
    /// - Throws: `not_found` for an unknown or invisible template, `invalid_input` naming a
    ///   variable that has no value, `invalid_template` for text over its bounds (a template.json
    ///   edited by hand or synced in) or a rendering over 1 MiB.
    public func render(
        _ templateId: String, userId: String, variables: [String: JSONValue]
    ) throws(CreativeError)
        -> (template: CreativeTemplate, prompt: String, negativePrompt: String?)
    {
        guard let template = try getTemplate(templateId, userId: userId) else {
            throw CreativeError(
                .notFound, "templateId \(templateId) is not a template you can use; `creative template list` shows the ids.", field: "templateId")
        }
        try Self.checkBounds(template)
        var values: [String: JSONValue] = [:]
        if case .object(let defaults)? = template.parameters?["defaults"] {
            for (key, value) in defaults { values[key] = value }
        }
        for (key, value) in variables { values[key] = value }
        let needed = TemplateSyntax.variables(template.prompt) + TemplateSyntax.variables(template.negativePrompt ?? "")
        let missing = needed.filter { values[$0] == nil }
        if let first = missing.first {
            throw .invalid(
                "variables.\(first)",
                "The template \"\(template.name)\" needs a value for \(missing.joined(separator: ", ")); add \(missing.count == 1 ? "it" : "them") to variables."
            )
        }
        let prompt = try TemplateSyntax.render(template.prompt, values)
        let negative = try template.negativePrompt.map { (text) throws(CreativeError) in
            try TemplateSyntax.render(text, values, field: "negativePrompt")
        }
        return (template, prompt.trimmingCharacters(in: .whitespacesAndNewlines), negative)
    }
}
