import CreativeCatalog
import Foundation

/// The seed's asset-manager: save, read, list, update, delete, favourite and tag assets.
///
/// Every function takes the acting user: another user's private asset behaves exactly like an
/// unknown id (`nil` or `not_found`). The work reads and writes the library's files, so it runs on
/// a blocking pool — reads answered from the index on ``BlockingPool/db``, changes on
/// ``BlockingPool/io``, ``saveAsset(userId:asset:)`` on ``BlockingPool/media`` (it probes the media
/// and writes a thumbnail with libvips); the caller's task only awaits.
///
/// ```swift
/// let assets = AssetManager(library: try CreativeLibrary.open("./library"))
/// let saved = try await assets.saveAsset(userId: "local", asset: AssetInput(media: .file(path: "fox.png")))
/// _ = try await assets.toggleFavorite(saved.assetId, userId: "local")
/// ```
public struct AssetManager: Sendable {
    let catalog: AssetCatalog

    public init(library: CreativeLibrary) {
        catalog = library.assets
    }

    /// Saves media plus metadata as a new asset folder `assets/<yyyy-mm>/<slug>--<id>/`; size,
    /// dimensions and format are measured from the bytes, images get a WebP thumbnail.
    /// - Throws: `invalid_input` for bad fields, `unsupported_media` when the media does not match
    ///   its type, `too_large` over 512 MiB.
    public func saveAsset(userId: String, asset: AssetInput) async throws(CreativeError) -> SaveAssetResult {
        try await BlockingPool.media.run { [catalog] () throws(CreativeError) in try catalog.saveAsset(userId: userId, asset: asset) }
    }

    /// The asset, or nil for an unknown id or another user's private asset.
    /// - Throws: `invalid_sidecar` when its sidecar is broken.
    public func getAsset(_ assetId: String, userId: String) async throws(CreativeError) -> CreativeAsset? {
        // An asset whose sidecar was checked moments ago is answered without the hop to a pool thread.
        if let known = catalog.recentlyCheckedAsset(assetId, userId: userId) { return known }
        return try await BlockingPool.db.run { [catalog] () throws(CreativeError) in try catalog.getAsset(assetId, userId: userId) }
    }

    /// A page of the user's assets and public ones, filtered and sorted as `filters` says.
    /// - Throws: `invalid_input` for a bad filter or cursor.
    public func listAssets(userId: String, filters: AssetFilters = AssetFilters()) async throws(CreativeError) -> Page<CreativeAsset> {
        try await BlockingPool.db.run { [catalog] () throws(CreativeError) in try catalog.listAssets(userId: userId, filters: filters) }
    }

    /// Changes the fields `updates` sets. With `expectedUpdatedAt` (an ETag's time), a change made
    /// in between is a `conflict` instead of being overwritten.
    /// - Throws: `not_found`, `invalid_input`, `conflict`.
    public func updateAsset(
        _ assetId: String, userId: String, updates: AssetUpdates, expectedUpdatedAt: Date? = nil
    ) async throws(CreativeError) -> SuccessResult {
        try await BlockingPool.io.run { [catalog] () throws(CreativeError) in
            try catalog.updateAsset(assetId, userId: userId, updates: updates, expectedUpdatedAt: expectedUpdatedAt)
        }
    }

    /// Moves the asset's folder to `.trash/` (``restoreAsset(_:userId:)`` brings it back).
    /// - Throws: `not_found`.
    public func deleteAsset(_ assetId: String, userId: String) async throws(CreativeError) -> SuccessResult {
        try await BlockingPool.io.run { [catalog] () throws(CreativeError) in try catalog.deleteAsset(assetId, userId: userId) }
    }

    /// Brings a deleted asset back from `.trash/`.
    /// - Throws: `not_found` when it is not in the trash.
    public func restoreAsset(_ assetId: String, userId: String) async throws(CreativeError) -> SuccessResult {
        try await BlockingPool.io.run { [catalog] () throws(CreativeError) in try catalog.restoreAsset(assetId, userId: userId) }
    }

    /// The user's assets in the trash, most recently changed first.
    public func listTrash(userId: String) async throws(CreativeError) -> [CreativeAsset] {
        try await BlockingPool.io.run { [catalog] () throws(CreativeError) in try catalog.listTrash(userId: userId) }
    }

    /// Flips `isFavorite` and returns the new value.
    /// - Throws: `not_found`.
    public func toggleFavorite(_ assetId: String, userId: String) async throws(CreativeError) -> FavoriteResult {
        try await BlockingPool.io.run { [catalog] () throws(CreativeError) in try catalog.toggleFavorite(assetId, userId: userId) }
    }

    /// Adds tags (trimmed, deduplicated) and returns the asset's tags.
    /// - Throws: `not_found`, `invalid_input` for a blank tag or one with control characters.
    public func addTags(_ assetId: String, userId: String, tags: [String]) async throws(CreativeError) -> TagsResult {
        try await BlockingPool.io.run { [catalog] () throws(CreativeError) in try catalog.addTags(assetId, userId: userId, tags: tags) }
    }
}
