import Foundation

/// The catalog of assets: saves, reads, lists, updates and deletes asset folders. Every function
/// takes the acting user (others' private assets behave exactly like unknown ids) and blocks on
/// files and the index: call it from a blocking pool. The seed's `AssetManager` (module
/// CreativeLibraries) is its async face.
public struct AssetCatalog: Sendable {
    public let store: LibraryStore
    public let index: LibraryIndex

    public init(store: LibraryStore, index: LibraryIndex) {
        self.store = store
        self.index = index
    }

    /// Saves media plus metadata as a new asset folder `assets/<yyyy-mm>/<slug>--<id>/`.
    /// fileSize, width, height and format are measured from the bytes, and the duration of audio
    /// and video (ffprobe); images get a WebP thumbnail, videos a poster frame, audio its waveform.
    /// An image is checked from its header against the library's pixel and frame limits
    /// (`MediaLimits`, library.json) before any decoding, and its thumbnail decode fails on
    /// truncated or corrupt data.
    /// - Throws: `invalid_input` for bad fields, `unsupported_media` when the media does not match
    ///   its type, is over the pixel or frame limit, or cannot be decoded; `too_large` over 512 MiB.
    /// - Parameter id: the new asset's id; a job passes its own id so that a rerun after a crash
    ///   finds the asset it already made instead of making a second one.
    /// - Parameter lineage: how the asset came to be; set by the engine (a job, an import).
    /// - Parameter thumbnail: the image's WebP thumbnail when its maker has made it already.
    public func saveAsset(
        userId: String, asset input: AssetInput, id fixedId: String? = nil, lineage: AssetLineage = .uploaded, thumbnail: Data? = nil
    ) throws(CreativeError) -> SaveAssetResult {
        let userId = try Validation.userId(userId)
        let (data, loaded) = try loadMedia(try input.media())
        // A staged upload's file has a temp name; the name the client gave tells the format.
        let fileName = input.fileName ?? loaded
        let prepared = try prepare(
            userId: userId, input: input, data: data, fileName: fileName, id: fixedId, lineage: lineage, hash: ContentHash.of(data),
            limits: try store.mediaLimits(), thumbnail: thumbnail)
        try store.create(prepared.asset, in: "assets/\(Self.month(prepared.asset.createdAt))", files: prepared.files)
        return SaveAssetResult(assetId: prepared.asset.id)
    }

    /// The asset and its files (media, thumbnail), measured and validated, not yet written
    /// (import hashes first, to find duplicates, and commits in batches).
    /// - Parameter info: the bytes' MediaInfo when the caller has it already; `thumbnail` likewise.
    /// - Parameter limits: what an image's header may declare; checked before anything decodes it.
    func prepare(
        userId: String, input: AssetInput, data: Data, fileName: String?, id fixedId: String?, lineage: AssetLineage, hash: String,
        limits: MediaLimits, info known: MediaInfo? = nil, thumbnail made: Data? = nil
    ) throws(CreativeError) -> (asset: CreativeAsset, files: [EntityFile]) {
        let info = known ?? MediaProbe.inspect(data, fileName: fileName)
        try limits.check(info)
        guard let type = input.type ?? info.type else {
            throw .invalid("type", "Could not tell what kind of media this is; set type to image, video, audio or text.")
        }
        if type == .image, info.type != .image {
            throw CreativeError(.unsupportedMedia, "The media is not an image libvips can read (PNG, JPEG, WebP, GIF, SVG, TIFF, HEIF).", field: "type")
        }
        if type != .image, info.type == .image {
            throw CreativeError(.unsupportedMedia, "The media is an image, but type says \(type.rawValue).", field: "type")
        }
        let now = Timestamp.now()
        let id = try fixedId.map { (given) throws(CreativeError) in try Validation.id(given) } ?? ULID.make(at: now)
        let fallbackTitle =
            input.prompt.map { String($0.prefix(80)) }
            ?? fileName.map { URL(fileURLWithPath: $0).deletingPathExtension().lastPathComponent }
        let title = try Validation.required(input.title ?? fallbackTitle ?? "Untitled", field: "title", max: Validation.maxTitle)
        let mediaName = "\(type == .text ? "content" : type.rawValue).\(info.fileExtension)"

        var asset = CreativeAsset(
            id: id, userId: userId, type: type, title: title, url: mediaName,
            status: input.status ?? .ready, createdAt: now, updatedAt: now)
        asset.generationId = try input.generationId.map { (g) throws(CreativeError) in try Validation.id(g, field: "generationId") }
        asset.fileSize = info.fileSize
        asset.width = info.width
        asset.height = info.height
        asset.format = info.format
        asset.duration = try Validation.nonNegative(input.duration, field: "duration")
        asset.isPublic = input.isPublic ?? false
        asset.isFavorite = input.isFavorite ?? false
        try apply(Fields(input), to: &asset)
        asset.source = lineage.source
        asset.parentAssetId = try lineage.parentAssetId.map { (p) throws(CreativeError) in try Validation.id(p, field: "parentAssetId") }
        asset.templateId = try lineage.templateId.map { (t) throws(CreativeError) in try Validation.id(t, field: "templateId") }
        asset.templateVariables = lineage.templateVariables
        asset.contentHash = hash

        var files = [EntityFile(name: mediaName, data: data)]
        var thumbnail: Data?
        if type == .image {
            thumbnail = made
            if made == nil { thumbnail = try MediaProbe.decodedThumbnail(data) }
        } else if type == .audio || type == .video, let measured = MediaProbe.audioVideo(data, fileExtension: info.fileExtension) {
            // Measured wins over what a request says, as for images.
            asset.duration = measured.duration ?? asset.duration
            (asset.width, asset.height, thumbnail) = (measured.width, measured.height, measured.thumbnail)
        }
        if let thumbnail {
            files.append(EntityFile(name: "thumbnail.webp", data: thumbnail))
            asset.thumbnailUrl = "thumbnail.webp"
        }
        return (asset, files)
    }

    /// The asset, if the user owns it or it is public; nil otherwise.
    /// - Throws: `invalid_input` for a malformed id, `invalid_sidecar` when its sidecar is broken.
    public func getAsset(_ assetId: String, userId: String) throws(CreativeError) -> CreativeAsset? {
        _ = try Validation.id(assetId)
        guard let asset = try index.current(CreativeAsset.self, id: assetId), Self.visible(asset, to: userId) else { return nil }
        return asset
    }

    /// ``getAsset(_:userId:)`` answered from memory when its sidecar was checked moments ago
    /// (see `SidecarMemo.trusted`); nil when it must be looked up. Touches no file.
    public func recentlyCheckedAsset(_ assetId: String, userId: String) -> CreativeAsset?? {
        guard let asset = index.recentlyChecked(CreativeAsset.self, id: assetId) else { return nil }
        return .some(Self.visible(asset, to: userId) ? asset : nil)
    }

    static func visible(_ asset: CreativeAsset, to userId: String) -> Bool {
        asset.userId == userId || asset.isPublic
    }

    /// The asset and where its folder is (library-relative), if the user may see it; one lookup for callers that serve its files.
    public func find(_ assetId: String, userId: String) throws(CreativeError) -> (asset: CreativeAsset, location: EntityLocation)? {
        guard let (asset, location) = try store.read(CreativeAsset.self, id: assetId), Self.visible(asset, to: userId) else { return nil }
        return (asset, location)
    }

    /// The user's assets, filtered, searched (FTS5), sorted (newest first by default; by relevance
    /// when searching) and paged — answered from the index.
    public func listAssets(userId: String, filters: AssetFilters = AssetFilters()) throws(CreativeError) -> Page<CreativeAsset> {
        try index.listAssets(userId: try Validation.userId(userId), filters: filters)
    }

    /// Changes the given fields; updatedAt bumps. id, userId, createdAt and measured media fields
    /// cannot change.
    /// - Parameter expectedUpdatedAt: when given (an API client's If-Match), the update is refused
    ///   with `conflict` if the asset changed since the client read it.
    public func updateAsset(_ assetId: String, userId: String, updates: AssetUpdates, expectedUpdatedAt: Date? = nil) throws(CreativeError) -> SuccessResult {
        let fields = Fields(updates)
        try mutate(assetId, userId: userId) { (asset: inout CreativeAsset) throws(CreativeError) in
            if let expected = expectedUpdatedAt, Timestamp.format(expected) != Timestamp.format(asset.updatedAt) {
                throw CreativeError(
                    .conflict, "Asset \(assetId) changed since it was read (now \(Timestamp.format(asset.updatedAt))); read it again and retry.")
            }
            if let title = updates.title { asset.title = try Validation.required(title, field: "title", max: Validation.maxTitle) }
            if let duration = updates.duration { asset.duration = try Validation.nonNegative(duration, field: "duration") }
            if let isPublic = updates.isPublic { asset.isPublic = isPublic }
            if let isFavorite = updates.isFavorite { asset.isFavorite = isFavorite }
            if let status = updates.status { asset.status = status }
            try apply(fields, to: &asset)
        }
        return SuccessResult()
    }

    /// Moves the asset folder to `.trash/`; `restoreAsset` brings it back.
    public func deleteAsset(_ assetId: String, userId: String) throws(CreativeError) -> SuccessResult {
        try requireOwner(assetId, userId: userId)
        guard try store.moveToTrash(.asset, id: assetId) else { throw .notFound("asset", assetId) }
        return SuccessResult()
    }

    /// Brings a deleted asset back from `.trash/` to the folder it was in.
    public func restoreAsset(_ assetId: String, userId: String) throws(CreativeError) -> SuccessResult {
        guard let (asset, _) = try store.readFromTrash(CreativeAsset.self, id: assetId), asset.userId == userId else {
            throw CreativeError(.notFound, "No deleted asset with id \(assetId) is in the trash.")
        }
        try store.restoreFromTrash(.asset, id: assetId)
        return SuccessResult()
    }

    /// The user's assets in the trash, most recently changed first.
    public func listTrash(userId: String) throws(CreativeError) -> [CreativeAsset] {
        let userId = try Validation.userId(userId)
        return store.trashed(CreativeAsset.self).filter { $0.userId == userId }.sorted { $0.updatedAt > $1.updatedAt }
    }

    /// Flips isFavorite under the asset's lock, so concurrent toggles never lose one.
    public func toggleFavorite(_ assetId: String, userId: String) throws(CreativeError) -> FavoriteResult {
        let asset = try mutate(assetId, userId: userId) { (asset: inout CreativeAsset) throws(CreativeError) in
            asset.isFavorite.toggle()
        }
        return FavoriteResult(isFavorite: asset.isFavorite)
    }

    /// Adds tags (trimmed, de-duplicated case-insensitively, at most 50 of 50 characters).
    public func addTags(_ assetId: String, userId: String, tags: [String]) throws(CreativeError) -> TagsResult {
        let new = try Validation.tags(tags)
        guard !new.isEmpty else { throw .invalid("tags", "Give at least one tag to add.") }
        let asset = try mutate(assetId, userId: userId) { (asset: inout CreativeAsset) throws(CreativeError) in
            asset.tags = try Validation.tags(asset.tags + new)
        }
        return TagsResult(tags: asset.tags)
    }

    // MARK: Helpers

    private func requireOwner(_ assetId: String, userId: String) throws(CreativeError) {
        guard let (asset, _) = try store.read(CreativeAsset.self, id: assetId), asset.userId == userId else {
            throw .notFound("asset", assetId)
        }
    }

    /// Read-modify-write under the asset's lock; bumps updatedAt when something changed.
    @discardableResult
    private func mutate(
        _ assetId: String, userId: String, _ change: (inout CreativeAsset) throws(CreativeError) -> Void
    ) throws(CreativeError) -> CreativeAsset {
        let updated = try store.update(CreativeAsset.self, id: assetId) { (asset: inout CreativeAsset) throws(CreativeError) in
            guard asset.userId == userId else { throw .notFound("asset", assetId) }
            let before = asset
            try change(&asset)
            if asset != before { asset.updatedAt = max(Timestamp.now(), before.updatedAt) }
        }
        guard let updated else { throw .notFound("asset", assetId) }
        return updated
    }

    private func loadMedia(_ media: AssetMedia) throws(CreativeError) -> (Data, String?) {
        switch media {
        case .bytes(let data, let name):
            guard data.count <= Validation.maxMediaBytes else {
                throw CreativeError(.tooLarge, "The media is \(data.count) bytes; the limit is \(Validation.maxMediaBytes).", field: "data")
            }
            guard !data.isEmpty else { throw .invalid("data", "The media is empty.") }
            return (data, name)
        case .file(let path):
            let attributes = try? FileManager.default.attributesOfItem(atPath: path)
            guard let size = attributes?[.size] as? Int, attributes?[.type] as? FileAttributeType == .typeRegular else {
                throw .invalid("file", "\(path) is not a readable file.")
            }
            guard size <= Validation.maxMediaBytes else {
                throw CreativeError(.tooLarge, "\(path) is \(size) bytes; the limit is \(Validation.maxMediaBytes).", field: "file")
            }
            // Mapped, not read: a large upload costs page cache, not the heap.
            guard size > 0, let data = try? Data(contentsOf: URL(fileURLWithPath: path), options: .alwaysMapped) else {
                throw .invalid("file", "\(path) is empty or cannot be read.")
            }
            return (data, path)
        }
    }

    static func month(_ date: Date) -> String {
        let c = Calendar(identifier: .gregorian).dateComponents(in: TimeZone(identifier: "UTC") ?? .current, from: date)
        return String(format: "%04d-%02d", c.year ?? 1970, c.month ?? 1)
    }
}
