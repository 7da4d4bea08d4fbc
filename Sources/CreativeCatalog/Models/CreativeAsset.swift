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
    /// Decoding is most of what listing and indexing assets cost; this is JSONDecoder's result
    /// without Codable's machinery (checked against it by `JSONReaderTests`).
    public init?(fields f: [String: JSONValue]) {
        guard let id = f.string("id"), let userId = f.string("userId"), let type = f.string("type").flatMap(MediaType.init(rawValue:)),
            let title = f.string("title"), let url = f.string("url"), let status = f.string("status").flatMap(AssetStatus.init(rawValue:)),
            let isPublic = f.bool("isPublic"), let isFavorite = f.bool("isFavorite"), let tags = f.strings("tags"),
            let createdAt = f.date("createdAt"), let updatedAt = f.date("updatedAt"),
            let category = f.optionalString("category"), let description = f.optionalString("description"),
            let prompt = f.optionalString("prompt"), let negativePrompt = f.optionalString("negativePrompt"),
            let model = f.optionalString("model"), let generationId = f.optionalString("generationId"),
            let thumbnailUrl = f.optionalString("thumbnailUrl"), let format = f.optionalString("format"),
            let sampler = f.optionalString("sampler"), let provider = f.optionalString("provider"),
            let fileSize = f.optionalInt("fileSize"), let width = f.optionalInt("width"), let height = f.optionalInt("height"),
            let seed = f.optionalInt("seed"), let steps = f.optionalInt("steps"),
            let duration = f.optionalDouble("duration"), let guidance = f.optionalDouble("guidance"), let cost = f.optionalDouble("cost")
        else { return nil }
        let parameters: [String: JSONValue]?
        switch f["parameters"] {
        case nil, .null?: parameters = nil
        case .object(let object)?: parameters = object
        default: return nil
        }
        self.init(id: id, userId: userId, type: type, title: title, url: url, status: status, createdAt: createdAt, updatedAt: updatedAt)
        (self.isPublic, self.isFavorite, self.tags, self.parameters) = (isPublic, isFavorite, tags, parameters)
        (self.category, self.description, self.prompt, self.negativePrompt) = (category, description, prompt, negativePrompt)
        (self.model, self.generationId, self.thumbnailUrl, self.format, self.sampler) = (model, generationId, thumbnailUrl, format, sampler)
        (self.provider, self.fileSize, self.width, self.height, self.seed, self.steps) = (provider, fileSize, width, height, seed, steps)
        (self.duration, self.guidance, self.cost) = (duration, guidance, cost)
    }
}
