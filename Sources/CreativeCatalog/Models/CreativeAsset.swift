import Foundation

/// A generated or imported piece of media: `assets/<yyyy-mm>/<slug>--<id>/asset.json` beside the
/// media file and its thumbnail. Fields are the seed's CreativeAsset, documented in docs/SCHEMA.md.
public struct CreativeAsset: Sidecar {
    public var id: String
    public var userId: String
    public var type: MediaType
    public var category: String?
    public var title: String
    public var description: String?
    public var prompt: String?
    public var negativePrompt: String?
    public var model: String?
    /// The id of the GenerationJob that produced this asset.
    public var generationId: String?
    /// How the asset came to be; lineage and `contentHash` are set by the engine, never by a PATCH.
    public var source: AssetSource?
    /// The asset this one was made from (regenerate).
    public var parentAssetId: String?
    public var templateId: String?
    public var templateVariables: [String: JSONValue]?
    /// `sha256:<hex>` of the media bytes as stored.
    public var contentHash: String?
    /// The media file, relative to the asset's folder (`image.png`).
    public var url: String
    /// The thumbnail, relative to the asset's folder (`thumbnail.webp`).
    public var thumbnailUrl: String?
    /// Bytes.
    public var fileSize: Int?
    /// Seconds (audio and video).
    public var duration: Double?
    /// Pixels.
    public var width: Int?
    public var height: Int?
    /// Media format from the bytes: png, jpeg, webp, gif, svg, mp4, mp3, md …
    public var format: String?
    public var parameters: [String: JSONValue]?
    public var seed: Int?
    public var steps: Int?
    public var guidance: Double?
    public var sampler: String?
    public var status: AssetStatus
    public var isPublic: Bool
    public var isFavorite: Bool
    public var tags: [String]
    public var provider: String?
    /// USD.
    public var cost: Double?
    public var createdAt: Date
    public var updatedAt: Date

    public enum CodingKeys: String, CodingKey, CaseIterable {
        case id, userId, type, category, title, description, prompt, negativePrompt, model, generationId
        case source, parentAssetId, templateId, templateVariables, contentHash
        case url, thumbnailUrl, fileSize, duration, width, height, format
        case parameters, seed, steps, guidance, sampler
        case status, isPublic, isFavorite, tags, provider, cost, createdAt, updatedAt
    }

    public static let kind = EntityKind.asset
    public static let fieldNames = CodingKeys.allCases.map(\.rawValue)
    public var folderTitle: String { title }

    public init(
        id: String, userId: String, type: MediaType, title: String, url: String,
        status: AssetStatus = .ready, createdAt: Date, updatedAt: Date
    ) {
        self.id = id
        self.userId = userId
        self.type = type
        self.title = title
        self.url = url
        self.status = status
        self.isPublic = false
        self.isFavorite = false
        self.tags = []
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}

extension CreativeAsset {
    /// The sidecar's keys, found by one hash lookup each (a `switch` on strings compares them one by one).
    private enum Field: Int, CaseIterable {
        case id, userId, title, url, type, status, isPublic, isFavorite, tags, createdAt, updatedAt, parameters
        case source, templateVariables
        case category, description, prompt, negativePrompt, model, generationId, thumbnailUrl, format, sampler, provider
        case parentAssetId, templateId, contentHash
        case fileSize, width, height, seed, steps
        case duration, guidance, cost

        static let byName = Dictionary(uniqueKeysWithValues: allCases.map { ("\($0)", $0) })
        static let firstText = Field.category.rawValue
        static let firstInt = Field.fileSize.rawValue
        static let firstDouble = Field.duration.rawValue
    }

    /// Decoding is most of what listing and indexing assets cost: this is JSONDecoder's result
    /// read field by field, without Codable's machinery (checked against it by `JSONReaderTests`).
    /// nil when a required field is missing, any is of another type or repeated; JSONDecoder
    /// then decides. `parameters` (free-form) is skipped unless asked for.
    public init?(json data: Data, parameters wanted: Bool = true) {
        var (id, userId, title, url, type, status): (String?, String?, String?, String?, MediaType?, AssetStatus?)
        var (isPublic, isFavorite, tags, createdAt, updatedAt): (Bool?, Bool?, [String]?, Date?, Date?)
        var texts = [String?](repeating: nil, count: Field.firstInt - Field.firstText)
        var ints = [Int?](repeating: nil, count: Field.firstDouble - Field.firstInt)
        var doubles = [Double?](repeating: nil, count: Field.allCases.count - Field.firstDouble)
        var parameters: [String: JSONValue]?
        var (source, templateVariables): (AssetSource?, [String: JSONValue]?)
        var seen: UInt64 = 0
        let ok = JSONReader.fields(data) { key, r in
            // Keys the model does not have are ignored, as JSONDecoder ignores them.
            guard let field = Field.byName[key] else { return r.skip() }
            guard seen & (1 << field.rawValue) == 0 else { return false }
            seen |= 1 << field.rawValue
            switch field {
            case .id: id = r.string()
            case .userId: userId = r.string()
            case .title: title = r.string()
            case .url: url = r.string()
            case .type: type = r.string().flatMap(MediaType.init(rawValue:))
            case .status: status = r.string().flatMap(AssetStatus.init(rawValue:))
            case .isPublic: isPublic = r.bool()
            case .isFavorite: isFavorite = r.bool()
            case .tags: tags = r.strings()
            case .createdAt: createdAt = r.date()
            case .updatedAt: updatedAt = r.date()
            case .parameters:
                guard wanted else { return r.skip() }
                guard let object = Self.optionalObject(&r) else { return false }
                parameters = object
            case .templateVariables:
                guard let object = Self.optionalObject(&r) else { return false }
                templateVariables = object
            case .source:
                guard let text = r.optionalString() else { return false }
                guard let text else { break }
                guard let value = AssetSource(rawValue: text) else { return false }
                source = value
            case _ where field.rawValue >= Field.firstDouble:
                guard let value = r.optionalDouble() else { return false }
                doubles[field.rawValue - Field.firstDouble] = value
            case _ where field.rawValue >= Field.firstInt:
                guard let value = r.optionalInt() else { return false }
                ints[field.rawValue - Field.firstInt] = value
            default:
                guard let value = r.optionalString() else { return false }
                texts[field.rawValue - Field.firstText] = value
            }
            return true
        }
        guard ok, let id, let userId, let title, let url, let type, let status, let isPublic, let isFavorite, let tags, let createdAt, let updatedAt
        else { return nil }
        self.init(id: id, userId: userId, type: type, title: title, url: url, status: status, createdAt: createdAt, updatedAt: updatedAt)
        (self.isPublic, self.isFavorite, self.tags, self.parameters) = (isPublic, isFavorite, tags, parameters)
        (category, description, prompt, negativePrompt, model) = (texts[0], texts[1], texts[2], texts[3], texts[4])
        (generationId, thumbnailUrl, format, sampler, provider) = (texts[5], texts[6], texts[7], texts[8], texts[9])
        (parentAssetId, templateId, contentHash) = (texts[10], texts[11], texts[12])
        (self.source, self.templateVariables) = (source, templateVariables)
        (fileSize, width, height, seed, steps) = (ints[0], ints[1], ints[2], ints[3], ints[4])
        (duration, guidance, cost) = (doubles[0], doubles[1], doubles[2])
    }

    /// An object, or null (→ `.some(nil)`); nil when the value is anything else.
    private static func optionalObject(_ r: inout JSONReader) -> [String: JSONValue]?? {
        switch r.value() {
        case .null?: .some(nil)
        case .object(let object)?: .some(object)
        default: nil
        }
    }
}

/// How an asset came to be.
public enum AssetSource: String, Codable, Sendable, CaseIterable {
    /// Made by a provider from a request.
    case generated
    /// Read from a file with its embedded metadata (`creative import`, media dropped into inbox/).
    case imported
    /// Saved through saveAsset (CLI `asset save`, REST upload).
    case uploaded
}
