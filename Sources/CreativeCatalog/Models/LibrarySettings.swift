/// `library.json`: non-secret settings that travel with the library. Keys never live here.
public struct LibrarySettings: Codable, Sendable, Equatable {
    public var formatVersion: Int
    /// Defaults for requests that leave these out.
    public var defaults: Defaults?
    /// Monthly spending limits in USD by user id; `*` applies to users without their own entry.
    public var monthlyBudgetUSD: [String: Double]?
    /// Hosts share this folder live (NFS, SMB): a job another host claimed whose lease ran out
    /// may be taken over. Otherwise such a job runs only through `creative job retry`.
    public var sharedStorage: Bool?
    /// Largest image accepted, width × height from its header (default 100 megapixels).
    public var maxImagePixels: Int?
    /// Most frames (pages) an animated or multi-page image may have (default 1,000).
    public var maxImageFrames: Int?

    public struct Defaults: Codable, Sendable, Equatable {
        /// Model for image requests without one (default local).
        public var imageModel: String?
        /// Model for text requests without one (default local).
        public var textModel: String?
        public var width: Int?
        public var height: Int?
        public var steps: Int?

        public init() {}
    }

    public enum CodingKeys: String, CodingKey, CaseIterable {
        case formatVersion, defaults, monthlyBudgetUSD, sharedStorage, maxImagePixels, maxImageFrames
    }

    public static let fieldNames = CodingKeys.allCases.map(\.rawValue)

    public init(formatVersion: Int = 1) {
        self.formatVersion = formatVersion
    }

    /// The user's monthly budget, if any.
    public func budget(for userId: String) -> Double? {
        monthlyBudgetUSD?[userId] ?? monthlyBudgetUSD?["*"]
    }
}
