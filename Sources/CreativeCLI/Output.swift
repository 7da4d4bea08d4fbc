import CreativeCatalog
import CreativeLibraries
import Foundation

/// Printing results: JSON with `--json` (the same shapes the REST API returns), short text otherwise.
enum Output {
    static func json<T: Encodable>(_ value: T) {
        guard let data = try? JSONCoding.encoder().encode(value) else { return }
        print(String(decoding: data, as: UTF8.self))
    }

    static func emit<T: Encodable>(_ value: T, json: Bool, text: () -> String) {
        if json { self.json(value) } else { print(text()) }
    }

    /// One sentence on stderr with the stable code; with --json also the error object on stdout.
    static func fail(_ error: CreativeError, json: Bool) {
        if json {
            struct Failure: Encodable {
                struct Body: Encodable { var code: String; var message: String; var field: String? }
                var success = false
                var error: Body
            }
            self.json(Failure(error: .init(code: error.code.rawValue, message: error.message, field: error.field)))
        }
        FileHandle.standardError.write("error[\(error.code.rawValue)]: \(error.message)\n")
    }

    static func describe(_ asset: CreativeAsset) -> String {
        var lines = [
            "id:          \(asset.id)",
            "title:       \(asset.title)",
            "type:        \(asset.type.rawValue)\(asset.format.map { " (\($0))" } ?? "")",
        ]
        if let w = asset.width, let h = asset.height { lines.append("size:        \(w)×\(h)") }
        if let size = asset.fileSize { lines.append("file:        \(asset.url) (\(size) bytes)") }
        if let prompt = asset.prompt { lines.append("prompt:      \(prompt)") }
        if let negative = asset.negativePrompt { lines.append("negative:    \(negative)") }
        let settings = [
            asset.model.map { "model \($0)" }, asset.seed.map { "seed \($0)" }, asset.steps.map { "\($0) steps" },
            asset.guidance.map { "guidance \($0)" }, asset.sampler,
        ].compactMap { $0 }
        if !settings.isEmpty { lines.append("settings:    \(settings.joined(separator: ", "))") }
        var origin = [asset.source?.rawValue, asset.provider.map { "by \($0)" }].compactMap { $0 }
        if let parent = asset.parentAssetId { origin.append("from \(parent)") }
        if let template = asset.templateId { origin.append("template \(template)") }
        if !origin.isEmpty { lines.append("origin:      \(origin.joined(separator: ", "))") }
        if !asset.tags.isEmpty { lines.append("tags:        \(asset.tags.joined(separator: ", "))") }
        lines.append("favorite:    \(asset.isFavorite ? "yes" : "no")   public: \(asset.isPublic ? "yes" : "no")   status: \(asset.status.rawValue)")
        lines.append("created:     \(Timestamp.format(asset.createdAt))   updated: \(Timestamp.format(asset.updatedAt))")
        return lines.joined(separator: "\n")
    }

    static func describe(_ t: CreativeTemplate) -> String {
        var lines = [
            "id:          \(t.id)",
            "name:        \(t.name)\(t.isDefault ? " (default)" : "")",
            "type:        \(t.type.rawValue)\(t.category.map { " · \($0)" } ?? "")",
            "prompt:      \(t.prompt)",
        ]
        if let negative = t.negativePrompt { lines.append("negative:    \(negative)") }
        let variables = TemplateSyntax.variables(t.prompt)
        if !variables.isEmpty { lines.append("variables:   \(variables.joined(separator: ", "))") }
        if !t.tags.isEmpty { lines.append("tags:        \(t.tags.joined(separator: ", "))") }
        lines.append("used:        \(t.usageCount) times   public: \(t.isPublic ? "yes" : "no")   owner: \(t.userId)")
        return lines.joined(separator: "\n")
    }

    static func row(_ a: CreativeAsset) -> String {
        "\(a.id)  \(a.type.rawValue.padding(toLength: 5, withPad: " ", startingAt: 0))  \(a.isFavorite ? "★" : " ")  \(a.title)"
    }

    static func row(_ t: CreativeTemplate) -> String {
        "\(t.id)  \(t.type.rawValue.padding(toLength: 5, withPad: " ", startingAt: 0))  \(String(t.usageCount).padding(toLength: 5, withPad: " ", startingAt: 0))  \(t.name)"
    }

    static func page<T>(_ page: Page<T>, row: (T) -> String) -> String {
        var lines = page.items.map(row)
        if page.items.isEmpty { lines.append("(nothing found)") }
        if let next = page.nextCursor { lines.append("more: --cursor \(next)") }
        return lines.joined(separator: "\n")
    }
}
