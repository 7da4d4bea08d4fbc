import Foundation

/// A reusable prompt: `templates/<slug>--<id>/template.json`. `prompt` and `negativePrompt` are
/// Mustache text whose placeholders (`{{product}}`) are filled by createFromTemplate.
public struct CreativeTemplate: Sidecar {
    public var id: String
    /// Owner. Our addition to the seed's model (its createTemplate takes a userId).
    public var userId: String
    public var name: String
    public var description: String?
    public var type: MediaType
    public var category: String?
    public var prompt: String
    public var negativePrompt: String?
    public var model: String?
    public var parameters: [String: JSONValue]?
    /// Relative to the template's folder.
    public var thumbnailUrl: String?
    public var isPublic: Bool
    /// Shipped with the library; deleting it needs `force`.
    public var isDefault: Bool
    public var usageCount: Int
    public var tags: [String]
    public var createdAt: Date
    public var updatedAt: Date

    public enum CodingKeys: String, CodingKey, CaseIterable {
        case id, userId, name, description, type, category, prompt, negativePrompt, model, parameters
        case thumbnailUrl, isPublic, isDefault, usageCount, tags, createdAt, updatedAt
    }

    public static let kind = EntityKind.template
    public static let fieldNames = CodingKeys.allCases.map(\.rawValue)
    public var folderTitle: String { name }

    public init(
        id: String, userId: String, name: String, type: MediaType, prompt: String,
        createdAt: Date, updatedAt: Date
    ) {
        self.id = id
        self.userId = userId
        self.name = name
        self.type = type
        self.prompt = prompt
        self.isPublic = false
        self.isDefault = false
        self.usageCount = 0
        self.tags = []
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}
