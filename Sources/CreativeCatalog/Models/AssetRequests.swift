import Foundation

/// Where a saved asset's media comes from.
public enum AssetMedia: Sendable, Equatable {
    /// A local file, copied into the asset folder (CLI and inbox only; the REST API never reads paths).
    case file(path: String)
    /// Bytes; `fileName` only hints the extension for formats libvips cannot detect.
    case bytes(Data, fileName: String?)
}

/// saveAsset's input: the seed's AssetInput. Metadata plus media; fileSize, width, height and
/// format are measured from the media, never taken from the request.
public struct AssetInput: Request {
    public var type: MediaType?
    public var category: String?
    public var title: String?
    public var description: String?
    public var prompt: String?
    public var negativePrompt: String?
    public var model: String?
    public var generationId: String?
    public var duration: Double?
    public var parameters: [String: JSONValue]?
    public var seed: Int?
    public var steps: Int?
    public var guidance: Double?
    public var sampler: String?
    public var status: AssetStatus?
    public var isPublic: Bool?
    public var isFavorite: Bool?
    public var tags: [String]?
    public var provider: String?
    public var cost: Double?
    /// A local file path (CLI, inbox). Exactly one of `file` and `data` is given.
    public var file: String?
    /// The media as base64.
    public var data: String?
    /// A file name for `data`, used for its extension when the bytes do not tell the format.
    public var fileName: String?

    public enum CodingKeys: String, CodingKey, CaseIterable {
        case type, category, title, description, prompt, negativePrompt, model, generationId, duration
        case parameters, seed, steps, guidance, sampler, status, isPublic, isFavorite, tags, provider, cost
        case file, data, fileName
    }

    public static let fieldNames = CodingKeys.allCases.map(\.rawValue)
    public static let immutableFields: [String] = []

    public init(media: AssetMedia? = nil) {
        switch media {
        case .file(let path)?: file = path
        case .bytes(let bytes, let name)?:
            data = bytes.base64EncodedString()
            fileName = name
        case nil: break
        }
    }

    /// The media this input names, after checking exactly one source is given.
    public func media() throws(CreativeError) -> AssetMedia {
        switch (file, data) {
        case (let path?, nil):
            return .file(path: path)
        case (nil, let b64?):
            guard let bytes = Data(base64Encoded: b64, options: .ignoreUnknownCharacters) else {
                throw .invalid("data", "data must be base64-encoded media bytes.")
            }
            return .bytes(bytes, fileName: fileName)
        case (nil, nil):
            throw .invalid("file", "An asset needs media: give a file path or base64 data.")
        case (.some, .some):
            throw .invalid("file", "Give either a file path or base64 data, not both.")
        }
    }
}

/// updateAsset's input: the seed's AssetUpdates. A field left out is unchanged; an empty string
/// clears an optional text field. id, userId, createdAt and the measured media fields are immutable.
public struct AssetUpdates: Request {
    public var category: String?
    public var title: String?
    public var description: String?
    public var prompt: String?
    public var negativePrompt: String?
    public var model: String?
    public var duration: Double?
    public var parameters: [String: JSONValue]?
    public var seed: Int?
    public var steps: Int?
    public var guidance: Double?
    public var sampler: String?
    public var status: AssetStatus?
    public var isPublic: Bool?
    public var isFavorite: Bool?
    public var tags: [String]?
    public var provider: String?
    public var cost: Double?

    public enum CodingKeys: String, CodingKey, CaseIterable {
        case category, title, description, prompt, negativePrompt, model, duration, parameters
        case seed, steps, guidance, sampler, status, isPublic, isFavorite, tags, provider, cost
    }

    public static let fieldNames = CodingKeys.allCases.map(\.rawValue)
    public static let immutableFields = [
        "id", "userId", "createdAt", "updatedAt", "type", "url", "thumbnailUrl", "fileSize",
        "width", "height", "format", "generationId", "source", "parentAssetId", "templateId", "templateVariables", "contentHash",
    ]

    public init() {}
}

/// How listings are ordered.
public enum SortField: String, Codable, Sendable, CaseIterable {
    case createdAt, updatedAt, title, usageCount, name, relevance
}

public enum ListOrder: String, Codable, Sendable, CaseIterable {
    case asc, desc
}

/// listAssets' filters: the seed's AssetFilters plus sort and paging.
public struct AssetFilters: Request {
    public var type: MediaType?
    public var category: String?
    /// Every listed tag must be on the asset (case-insensitive).
    public var tags: [String]?
    public var isFavorite: Bool?
    public var isPublic: Bool?
    public var status: AssetStatus?
    public var provider: String?
    public var model: String?
    /// Inclusive lower bound on createdAt.
    public var createdAfter: Date?
    /// Exclusive upper bound on createdAt.
    public var createdBefore: Date?
    /// Words that must all appear in title, description, prompt, negativePrompt or tags.
    public var text: String?
    /// The folder under assets/ the asset sits in (`spring-campaign`), recursively.
    public var collection: String?
    /// Only the direct children of this asset.
    public var parentAssetId: String?
    public var source: AssetSource?
    public var sort: SortField?
    public var order: ListOrder?
    /// 1–500, default 50.
    public var limit: Int?
    /// The `nextCursor` of the previous page.
    public var cursor: String?

    public enum CodingKeys: String, CodingKey, CaseIterable {
        case type, category, tags, isFavorite, isPublic, status, provider, model, createdAfter, createdBefore
        case text, collection, parentAssetId, source, sort, order, limit, cursor
    }

    public static let fieldNames = CodingKeys.allCases.map(\.rawValue)
    public static let immutableFields: [String] = []

    public init() {}
}

/// One page of a listing. `nextCursor` is absent on the last page.
public struct Page<Item: Codable & Sendable>: Codable, Sendable {
    public var items: [Item]
    public var nextCursor: String?

    public init(items: [Item], nextCursor: String?) {
        self.items = items
        self.nextCursor = nextCursor
    }
}

/// addTags' body (POST /asset/:id/tags).
public struct TagsRequest: Request, Equatable {
    public var tags: [String]

    public enum CodingKeys: String, CodingKey, CaseIterable {
        case tags
    }

    public static let fieldNames = CodingKeys.allCases.map(\.rawValue)
    public static let immutableFields: [String] = []

    public init(tags: [String]) {
        self.tags = tags
    }
}
