import Foundation

/// `creative export`: media files out of the library with their provenance embedded.
public struct ExportSummary: Codable, Sendable, Equatable {
    public var success = true
    public var items: [Item] = []

    public struct Item: Codable, Sendable, Equatable {
        public var assetId: String
        /// Where the file was written; absent when it was not.
        public var path: String?
        /// Whether provenance was embedded (PNG, JPEG and WebP only).
        public var embedded: Bool
        public var reason: String?
    }
}

extension AssetCatalog {
    /// Writes each asset's media to `directory` as `<slug>--<id>.<ext>`, with its prompt and
    /// settings embedded where the format has a place for them. Blocking.
    /// - Throws: `invalid_input` when the folder cannot be made; per-asset failures are items.
    public func exportAssets(_ ids: [String], userId: String, to directory: String) throws(CreativeError) -> ExportSummary {
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw .invalid("to", "The folder \(directory) cannot be made: \(error.localizedDescription)")
        }
        var summary = ExportSummary()
        for id in ids {
            var item = ExportSummary.Item(assetId: id, embedded: false)
            do throws(CreativeError) {
                _ = try Validation.id(id)
                guard let (asset, location) = try find(id, userId: userId) else { throw .notFound("asset", id) }
                guard let media = try store.readFile(at: location, name: asset.url, limit: Validation.maxMediaBytes) else {
                    throw CreativeError(.notFound, "The media file of asset \(id) is missing.")
                }
                let embedded = try ProvenanceWriter.embed(asset, in: media)
                let ext = (asset.url as NSString).pathExtension
                let path = "\(directory)/\(FolderName.make(title: asset.title, id: asset.id))\(ext.isEmpty ? "" : "." + ext)"
                do {
                    try (embedded ?? media).write(to: URL(fileURLWithPath: path), options: .atomic)
                } catch {
                    throw CreativeError(.storage, "Could not write \(path): \(error.localizedDescription)")
                }
                (item.path, item.embedded) = (path, embedded != nil)
                if embedded == nil {
                    item.reason = "Provenance is embedded in PNG, JPEG and WebP files only; the \(asset.format ?? "media") file was copied as it is."
                }
            } catch {
                (item.reason, summary.success) = (error.message, false)
            }
            summary.items.append(item)
        }
        return summary
    }
}
