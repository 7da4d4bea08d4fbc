import Foundation

/// createTemplate's input: the seed's TemplateInput.
public struct TemplateInput: Request {
    public var name: String
    public var description: String?
    public var type: MediaType
    public var category: String?
    /// Mustache text; placeholders such as `{{product}}` are filled by createFromTemplate.
    public var prompt: String
    public var negativePrompt: String?
    public var model: String?
    public var parameters: [String: JSONValue]?
    public var isPublic: Bool?
    public var tags: [String]?

    public enum CodingKeys: String, CodingKey, CaseIterable {
        case name, description, type, category, prompt, negativePrompt, model, parameters, isPublic, tags
    }

    public static let fieldNames = CodingKeys.allCases.map(\.rawValue)
    public static let immutableFields: [String] = []

    public init(name: String, type: MediaType, prompt: String) {
        self.name = name
        self.type = type
        self.prompt = prompt
    }
}

/// updateTemplate's input: Partial<TemplateInput>. A field left out is unchanged; an empty string
/// clears an optional text field.
public struct TemplateUpdates: Request {
    public var name: String?
    public var description: String?
    public var type: MediaType?
    public var category: String?
    public var prompt: String?
    public var negativePrompt: String?
    public var model: String?
    public var parameters: [String: JSONValue]?
    public var isPublic: Bool?
    public var tags: [String]?

    public enum CodingKeys: String, CodingKey, CaseIterable {
        case name, description, type, category, prompt, negativePrompt, model, parameters, isPublic, tags
    }

    public static let fieldNames = CodingKeys.allCases.map(\.rawValue)
    public static let immutableFields = ["id", "userId", "createdAt", "updatedAt", "isDefault", "usageCount"]

    public init() {}
}

/// listTemplates' filters: the seed's TemplateFilters plus sort and paging. A user sees their own
/// templates, public ones and the defaults.
public struct TemplateFilters: Request {
    public var type: MediaType?
    public var category: String?
    public var tags: [String]?
    public var isPublic: Bool?
    public var isDefault: Bool?
    /// Only templates owned by the acting user.
    public var mine: Bool?
    public var text: String?
    public var sort: SortField?
    public var order: ListOrder?
    public var limit: Int?
    public var cursor: String?

    public enum CodingKeys: String, CodingKey, CaseIterable {
        case type, category, tags, isPublic, isDefault, mine, text, sort, order, limit, cursor
    }

    public static let fieldNames = CodingKeys.allCases.map(\.rawValue)
    public static let immutableFields: [String] = []

    public init() {}
}
