import Foundation

/// What the engine records about where a new asset came from; never taken from a request body.
public struct AssetLineage: Sendable, Equatable {
    public var source: AssetSource
    public var parentAssetId: String?
    public var templateId: String?
    public var templateVariables: [String: JSONValue]?

    public init(
        source: AssetSource, parentAssetId: String? = nil, templateId: String? = nil, templateVariables: [String: JSONValue]? = nil
    ) {
        (self.source, self.parentAssetId, self.templateId, self.templateVariables) = (source, parentAssetId, templateId, templateVariables)
    }

    public static let uploaded = AssetLineage(source: .uploaded)
}

/// An asset with the assets it came from and the ones made from it.
public struct LineageResult: Codable, Sendable, Equatable {
    public var success = true
    public var asset: CreativeAsset
    /// Parent first, then its parent, up to the first asset (or one the user cannot see).
    public var ancestors: [CreativeAsset]
    /// Breadth first: children, then grandchildren …; `depth` 1 is a child.
    public var descendants: [Descendant]

    public struct Descendant: Codable, Sendable, Equatable {
        public var depth: Int
        public var asset: CreativeAsset
    }
}

extension AssetCatalog {
    /// How far lineage walks: hand-edited sidecars can make a cycle or a chain of any length.
    static let lineageLimit = 1000

    /// The asset's ancestors (through parentAssetId) and descendants (assets naming it as parent),
    /// among the assets the user can see. Cycles and chains past 1,000 assets are cut.
    public func lineage(_ assetId: String, userId: String) throws(CreativeError) -> LineageResult {
        guard let asset = try getAsset(assetId, userId: userId) else { throw .notFound("asset", assetId) }
        var seen: Set<String> = [asset.id]
        var ancestors: [CreativeAsset] = []
        var next = asset.parentAssetId
        while let parentId = next, Validation.isValidId(parentId), seen.insert(parentId).inserted, ancestors.count < Self.lineageLimit,
            let parent = try getAsset(parentId, userId: userId)
        {
            ancestors.append(parent)
            next = parent.parentAssetId
        }
        var descendants: [LineageResult.Descendant] = []
        var level = [asset.id]
        var depth = 0
        while !level.isEmpty, descendants.count < Self.lineageLimit {
            depth += 1
            var nextLevel: [String] = []
            for id in level {
                for childId in try index.childIds(of: id, userId: userId) where seen.insert(childId).inserted {
                    guard let child = try getAsset(childId, userId: userId) else { continue }
                    descendants.append(.init(depth: depth, asset: child))
                    nextLevel.append(childId)
                }
            }
            level = nextLevel
        }
        return LineageResult(asset: asset, ancestors: ancestors, descendants: Array(descendants.prefix(Self.lineageLimit)))
    }
}
