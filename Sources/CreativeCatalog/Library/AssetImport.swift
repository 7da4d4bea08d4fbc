import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// `creative import` and media dropped into inbox/: files become assets with the metadata they
/// carry (see `ImportedMetadata`), bytes already in the library are not added twice.
extension AssetCatalog {
    /// Files committed together: one filesystem flush per batch (`LibraryStore.createAll`).
    static let importBatch = 128

    /// Imports files and folders (recursively). Blocking: call it from a blocking pool or the CLI.
    /// - Parameter progress: called after each batch with (files done, files found).
    /// - Throws: `invalid_input` for a bad user id or collection; a file that cannot be imported is
    ///   refused in the summary instead.
    public func importFiles(
        _ paths: [String], userId: String, options: ImportOptions = ImportOptions(), progress: (Int, Int) -> Void = { _, _ in }
    ) throws(CreativeError) -> ImportSummary {
        let userId = try Validation.userId(userId)
        let collection = try options.collection.map { (c) throws(CreativeError) in try Validation.collection(c) }
        let walk = ImportWalk(paths: paths)
        var summary = ImportSummary(dryRun: options.dryRun)
        walk.refused.forEach { summary.add($0) }
        var inThisRun: [String: String] = [:]
        let sources = walk.sources
        for start in stride(from: 0, to: sources.count, by: Self.importBatch) {
            let batch = Array(sources[start..<min(sources.count, start + Self.importBatch)])
            let prepared = Self.parallelMap(batch) { source in
                prepareImport(source.dir, name: source.name, path: source.path, folder: source.folder, userId: userId, mode: options.mode)
            }
            var items: [ImportItem] = []
            var staged: [(item: Int, source: ImportWalk.Source, entity: LibraryStore.StagedEntity)] = []
            for (source, outcome) in zip(batch, prepared) {
                var item = outcome.item
                if case .ready(let asset, let files) = outcome.result {
                    if let earlier = inThisRun[asset.contentHash ?? ""] {
                        (item.status, item.assetId) = (.duplicate, earlier.isEmpty ? nil : earlier)
                    } else if options.dryRun {
                        inThisRun[asset.contentHash ?? ""] = ""
                    } else {
                        do throws(CreativeError) {
                            let folder = "assets/" + (collection ?? Self.month(asset.createdAt))
                            staged.append((items.count, source, try store.stage(asset, in: folder, files: files)))
                            inThisRun[asset.contentHash ?? ""] = asset.id
                            item.assetId = asset.id
                        } catch {
                            (item.status, item.reason) = (.refused, error.message)
                        }
                    }
                }
                items.append(item)
            }
            for (entry, result) in zip(staged, store.createAll(staged.map(\.entity))) {
                switch result {
                case .success:
                    if options.mode == .move { unlinkat(entry.source.dir.fd, entry.source.name, 0) }
                case .failure(let error):
                    (items[entry.item].status, items[entry.item].assetId, items[entry.item].reason) = (.refused, nil, error.message)
                }
            }
            items.forEach { summary.add($0) }
            progress(start + batch.count, sources.count)
        }
        return summary
    }

    enum ImportResult: Sendable {
        case ready(CreativeAsset, [EntityFile])
        case done
    }

    /// Reads, hashes and prepares one file; a duplicate or a refusal is settled here.
    /// - Parameter fileName: the name to read neighbours and the title by, when the file sits
    ///   under another (an inbox drop is read under its intake name).
    /// - Parameter neighbours: read `NAME.txt` and Eagle's metadata.json (not in inbox/, where a
    ///   `.txt` is a request of its own).
    func prepareImport(
        _ dir: Descriptor, name: String, path: String, folder: String, userId: String, mode: ImportMode, id: String? = nil,
        fileName: String? = nil, neighbours: Bool = true
    ) -> (item: ImportItem, result: ImportResult) {
        let fileName = fileName ?? name
        var item = ImportItem(path: path, status: .imported)
        do throws(CreativeError) {
            guard let data = try POSIX.readFile(dir, name, limit: Validation.maxMediaBytes) else {
                throw CreativeError(.notFound, "\(path) is gone.")
            }
            guard !data.isEmpty else { throw .invalid("file", "\(path) is empty.") }
            let hash = ContentHash.of(data)
            if let existing = try index.assetId(withHash: hash, userId: userId) {
                (item.status, item.assetId) = (.duplicate, existing)
                return (item, .done)
            }
            var metadata = ImportedMetadata.read(EmbeddedBlocks.read(data))
            if neighbours { metadata.readNeighbours(dir: dir, name: fileName, folder: folder) }
            metadata.fitSchema()
            (item.generator, item.problems) = (metadata.generator, metadata.problems.isEmpty ? nil : metadata.problems)
            let (asset, prepared) = try prepare(
                userId: userId, input: metadata.assetInput(data, fileName: fileName), data: data, fileName: fileName, id: id,
                lineage: AssetLineage(source: .imported), hash: hash)
            var files = prepared
            if mode == .link { files[0].hardLink = (dir, name) }
            return (item, .ready(asset, files))
        } catch {
            (item.status, item.reason) = (.refused, error.message)
            return (item, .done)
        }
    }

    /// `transform` over `items` on up to four threads (libvips decodes for thumbnails), in order.
    static func parallelMap<T: Sendable, R: Sendable>(_ items: [T], _ transform: @Sendable (T) -> R) -> [R] {
        let results = Mutex<[R?]>(Array(repeating: nil, count: items.count))
        let next = Atomic<Int>(0)
        withoutActuallyEscaping(transform) { transform in
            DispatchQueue.concurrentPerform(iterations: min(4, items.count)) { _ in
                while true {
                    let n = next.wrappingAdd(1, ordering: .relaxed).oldValue
                    guard n < items.count else { return }
                    let result = transform(items[n])
                    results.withLock { $0[n] = result }
                }
            }
        }
        return results.withLock { $0.map { $0! } }
    }
}
