/// regenerateImage's modifications: what to change from the original asset's generation. A field
/// left out keeps the original's value, except `seed`, which is new unless given.
public struct ImageModifications: Request, Equatable {
    public var prompt: String?
    public var negativePrompt: String?
    public var model: String?
    public var width: Int?
    public var height: Int?
    public var seed: Int?
    public var steps: Int?
    public var guidance: Double?
    public var sampler: String?
    public var title: String?

    public enum CodingKeys: String, CodingKey, CaseIterable {
        case prompt, negativePrompt, model, width, height, seed, steps, guidance, sampler, title
    }

    public static let fieldNames = CodingKeys.allCases.map(\.rawValue)
    public static let immutableFields: [String] = []

    public init() {}
}
