import Foundation
import GRDB

/// One entity as the index stores it: filter and sort columns, the text FTS5 searches, and the
/// sidecar bytes themselves (so a listing never touches the disk).
struct IndexRow: Sendable {
    var kind: EntityKind
    var id: String
    var userId: String
    var collection: String
    var type: String
    var category: String?
    var status: String?
    var provider: String?
    var model: String?
    var isPublic = false
    var isFavorite = false
    var isDefault = false
    var usageCount = 0
    var priority = 0
    var cost: Double?
    /// An asset's parentAssetId and contentHash.
    var parent: String?
    var hash: String?
    var source: String?
    var titleKey: String
    var createdAt: Int64
    var updatedAt: Int64
    /// Lower-cased, for the tag filter.
    var tags: [String]
    /// title (or name), description, prompt, negativePrompt, tags — the FTS5 columns.
    var text: [String]
    var stat: SidecarStat
    var sidecar: Data

    /// The FTS5 columns: title (or name), description, prompt, negativePrompt, tags.
    var ftsValues: [DatabaseValue] { text.map(\.databaseValue) }

    /// Decodes the fields the index needs from sidecar bytes. `parameters` is not decoded here
    /// (it is free-form and costly); the full model is decoded when a listing returns the item.
    /// - Throws: `invalid_sidecar` with the sidecar's path.
    static func make(_ kind: EntityKind, sidecar: Data, stat: SidecarStat) throws(CreativeError) -> IndexRow {
        var decoder: JSONDecoder { JSONCoding.decoder() }
        let file = "\(stat.path)/\(kind.sidecarName)"
        do {
            var row: IndexRow
            switch kind {
            case .asset:
                // The quick reader first (most of a rebuild is decoding); JSONDecoder decides when it declines.
                let a: AssetFields
                if let asset = CreativeAsset(json: sidecar, parameters: false) {
                    a = AssetFields(asset)
                } else {
                    a = try decoder.decode(AssetFields.self, from: sidecar)
                }
                row = IndexRow(
                    kind: kind, id: a.id, userId: a.userId, stat: stat, sidecar: sidecar, type: a.type.rawValue,
                    title: a.title, created: a.createdAt, updated: a.updatedAt, tags: a.tags,
                    text: [a.title, a.description ?? "", a.prompt ?? "", a.negativePrompt ?? ""])
                (row.category, row.status, row.provider, row.model) = (a.category?.lowercased(), a.status.rawValue, a.provider, a.model)
                (row.isPublic, row.isFavorite, row.cost) = (a.isPublic, a.isFavorite, a.cost)
                (row.parent, row.hash, row.source) = (a.parentAssetId, a.contentHash, a.source?.rawValue)
            case .template:
                let t = try decoder.decode(TemplateFields.self, from: sidecar)
                row = IndexRow(
                    kind: kind, id: t.id, userId: t.userId, stat: stat, sidecar: sidecar, type: t.type.rawValue,
                    title: t.name, created: t.createdAt, updated: t.updatedAt, tags: t.tags,
                    text: [t.name, t.description ?? "", t.prompt, t.negativePrompt ?? ""])
                (row.category, row.model) = (t.category?.lowercased(), t.model)
                (row.isPublic, row.isDefault, row.usageCount) = (t.isPublic, t.isDefault, t.usageCount)
                // A template.json edited by hand or synced in is held to the bounds the API keeps:
                // one over them is reported and left out of listings, like an unparsable one.
                do throws(CreativeError) {
                    try TemplateBounds.check(t.prompt, field: "prompt")
                    if let negative = t.negativePrompt { try TemplateBounds.check(negative, field: "negativePrompt") }
                } catch {
                    throw CreativeError(.invalidTemplate, "The template \(file) cannot be used: \(error.message)", field: error.field)
                }
            case .job:
                let j = try decoder.decode(JobFields.self, from: sidecar)
                row = IndexRow(
                    kind: kind, id: j.id, userId: j.userId, stat: stat, sidecar: sidecar, type: j.type.rawValue,
                    title: j.prompt, created: j.createdAt, updated: j.updatedAt, tags: [],
                    text: [String(j.prompt.prefix(200)), "", j.prompt, j.negativePrompt ?? ""])
                (row.status, row.provider, row.model, row.priority) = (j.status.rawValue, j.provider, j.model, j.priority)
            }
            guard Validation.isValidId(row.id) else {
                throw CreativeError(.invalidSidecar, "The sidecar \(file) has an id that is not a valid id.")
            }
            guard (try? Validation.userId(row.userId)) != nil else {
                throw CreativeError(.invalidSidecar, "The sidecar \(file) has a userId that is not valid.")
            }
            return row
        } catch let error as DecodingError {
            let detail = CreativeError(decoding: error).message
            throw CreativeError(.invalidSidecar, "The sidecar \(file) does not match the schema: \(detail)")
        } catch let error as CreativeError {
            throw error
        } catch {
            throw CreativeError(.invalidSidecar, "The sidecar \(file) could not be read.")
        }
    }

    private init(
        kind: EntityKind, id: String, userId: String, stat: SidecarStat, sidecar: Data, type: String,
        title: String, created: Date, updated: Date, tags: [String], text: [String]
    ) {
        self.kind = kind
        self.id = id
        self.userId = userId
        self.stat = stat
        self.sidecar = sidecar
        self.type = type
        titleKey = title.lowercased()
        createdAt = Int64((created.timeIntervalSince1970 * 1000).rounded())
        updatedAt = Int64((updated.timeIntervalSince1970 * 1000).rounded())
        self.tags = tags.map { $0.lowercased() }
        self.text = text + [tags.joined(separator: " ")]
        // assets/2026-11/fox--ID → "2026-11"; templates/x--ID → ""
        collection = stat.path.split(separator: "/").dropFirst().dropLast().joined(separator: "/")
    }
}

/// The indexed subset of each sidecar. Every required field of the schema is here, so a sidecar
/// missing one is reported at index time.
private struct AssetFields: Decodable {
    var id, userId, title, url: String
    var type: MediaType
    var category, description, prompt, negativePrompt, model, provider: String?
    var parentAssetId, contentHash: String?
    var source: AssetSource?
    var status: AssetStatus
    var isPublic, isFavorite: Bool
    var tags: [String]
    var cost: Double?
    var createdAt, updatedAt: Date

    init(_ a: CreativeAsset) {
        (id, userId, title, url, type, category, description) = (a.id, a.userId, a.title, a.url, a.type, a.category, a.description)
        (prompt, negativePrompt, model, provider, status) = (a.prompt, a.negativePrompt, a.model, a.provider, a.status)
        (parentAssetId, contentHash, source) = (a.parentAssetId, a.contentHash, a.source)
        (isPublic, isFavorite, tags, cost, createdAt, updatedAt) = (a.isPublic, a.isFavorite, a.tags, a.cost, a.createdAt, a.updatedAt)
    }
}

private struct TemplateFields: Decodable {
    var id, userId, name, prompt: String
    var type: MediaType
    var description, category, negativePrompt, model: String?
    var isPublic, isDefault: Bool
    var usageCount: Int
    var tags: [String]
    var createdAt, updatedAt: Date
}

private struct JobFields: Decodable {
    var id, userId, prompt: String
    var type: MediaType
    var status: JobStatus
    var priority, progress: Int
    var negativePrompt, model, provider: String?
    var createdAt, updatedAt: Date
}
