/// Result shapes of the seed's functions. Failures are thrown as `CreativeError`; the doors (CLI
/// `--json`, REST) render them as `{ "success": false, "error": { code, message } }`.
public struct SaveAssetResult: Codable, Sendable, Equatable {
    public var success = true
    public var assetId: String
}

public struct CreateTemplateResult: Codable, Sendable, Equatable {
    public var success = true
    public var templateId: String
}

public struct SuccessResult: Codable, Sendable, Equatable {
    public var success = true
    public init() {}
}

public struct FavoriteResult: Codable, Sendable, Equatable {
    public var success = true
    public var isFavorite: Bool
}

public struct TagsResult: Codable, Sendable, Equatable {
    public var success = true
    /// The asset's tags after adding.
    public var tags: [String]
}

public struct UseTemplateResult: Codable, Sendable, Equatable {
    public var success = true
    /// The template's usageCount after this use.
    public var usageCount: Int
}
