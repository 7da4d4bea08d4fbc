import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// `creative import` and media dropped into inbox/: files become assets with the metadata they
/// carry (see `ImportedMetadata`), bytes already in the library are not added twice.
extension AssetCatalog {
    /// Files committed together (one filesystem flush, `LibraryStore.createAll`) and held in
    /// memory together: at most this many, and at most `importBatchBytes` unless one file is larger.
    static let importBatch = 256
    static let importBatchBytes = 256 << 20

    /// Imports files and folders (recursively). Blocking: call it from a blocking pool or the CLI.
    /// Each batch is read and hashed on four threads, checked for duplicates in order (so the
    /// first of two equal files is the one imported), then prepared (metadata, thumbnail) and
    /// written on four threads, and committed at once.
    /// - Parameter progress: called after each batch with (files done, files found).
    /// - Throws: `invalid_input` for a bad user id or collection; a file that cannot be imported is
    ///   refused in the summary instead.
    public func importFiles(
        _ paths: [String], userId: String, options: ImportOptions = ImportOptions(), progress: (Int, Int) -> Void = { _, _ in }
    ) throws(CreativeError) -> ImportSummary {
        let userId = try Validation.userId(userId)
        let collection = try options.collection.map { (c) throws(CreativeError) in try Validation.collection(c) }
        let limits = try store.mediaLimits()
        let walk = ImportWalk(paths: paths, library: store.root)
        var summary = ImportSummary(dryRun: options.dryRun)
        walk.refused.forEach { summary.add($0) }
        // Content hash → the asset that has it in this run ("" in a dry run, which makes none).
        var inThisRun: [String: String] = [:]
        var done = 0
        for batch in Self.batches(walk.sources) {
            let loaded = batch.concurrentMap { source in loadImport(source.dir, name: source.name, path: source.path) }
            var items = batch.map { ImportItem(path: $0.path, status: .imported) }
            var pending: [(n: Int, data: Data, hash: String, id: String)] = []
            let hashes = loaded.compactMap { result -> String? in
                guard case .success(let (_, hash)) = result else { return nil }
                return hash
            }
            let existing = try self.index.assetIds(withHashes: hashes, userId: userId)
            for (n, result) in loaded.enumerated() {
                switch result {
                case .failure(let error):
                    (items[n].status, items[n].reason) = (.refused, error.message)
                case .success(let (data, hash)):
                    if let earlier = inThisRun[hash] {
                        (items[n].status, items[n].assetId) = (.duplicate, earlier.nilIfEmpty)
                    } else if let there = existing[hash] {
                        (items[n].status, items[n].assetId) = (.duplicate, there)
                    } else {
                        let id = ULID.make()
                        inThisRun[hash] = options.dryRun ? "" : id
                        pending.append((n, data, hash, id))
                    }
                }
            }
            let sync = LibraryStore.flushesEach(pending.count)
            let prepared = pending.concurrentMap { p -> (item: ImportItem, staged: LibraryStore.StagedEntity?) in
                let source = batch[p.n]
                var (item, result) = prepareImport(
                    p.data, hash: p.hash, dir: source.dir, name: source.name, path: source.path, folder: source.folder, userId: userId,
                    mode: options.mode, id: p.id, limits: limits)
                guard case .ready(let asset, let files) = result, !options.dryRun else { return (item, nil) }
                do throws(CreativeError) {
                    let folder = "assets/" + (collection ?? Self.month(asset.createdAt))
                    item.assetId = asset.id
                    return (item, try store.stage(asset, in: folder, files: files, sync: sync))
                } catch {
                    (item.status, item.reason, item.assetId) = (.refused, error.message, nil)
                    return (item, nil)
                }
            }
            for (p, outcome) in zip(pending, prepared) { items[p.n] = outcome.item }
            let staged = zip(pending, prepared).compactMap { p, outcome in outcome.staged.map { (p.n, $0) } }
            for ((n, _), result) in zip(staged, store.createAll(staged.map(\.1))) {
                switch result {
                case .success:
                    if options.mode == .move { unlinkat(batch[n].dir.fd, batch[n].name, 0) }
                case .failure(let error):
                    (items[n].status, items[n].assetId, items[n].reason) = (.refused, nil, error.message)
                }
            }
            items.forEach { summary.add($0) }
            done += batch.count
            progress(done, walk.sources.count)
        }
        return summary
    }

    /// Consecutive runs of sources within the batch limits.
    static func batches(_ sources: [ImportWalk.Source]) -> [[ImportWalk.Source]] {
        var batches: [[ImportWalk.Source]] = []
        var current: [ImportWalk.Source] = []
        var bytes = 0
        for source in sources {
            if !current.isEmpty, current.count == importBatch || bytes + source.size > importBatchBytes {
                batches.append(current)
                (current, bytes) = ([], 0)
            }
            current.append(source)
            bytes += source.size
        }
        if !current.isEmpty { batches.append(current) }
        return batches
    }

    /// The file's bytes and content hash.
    func loadImport(_ dir: Descriptor, name: String, path: String) -> Result<(Data, String), CreativeError> {
        do throws(CreativeError) {
            guard let data = try POSIX.readFile(dir, name, limit: Validation.maxMediaBytes) else {
                throw CreativeError(.notFound, "\(path) is gone.")
            }
            guard !data.isEmpty else { throw .invalid("file", "\(path) is empty.") }
            return .success((data, ContentHash.of(data)))
        } catch {
            return .failure(error)
        }
    }

    enum ImportResult: Sendable {
        case ready(CreativeAsset, [EntityFile])
        case refused
    }

    /// The asset a file becomes, with the metadata it carries; not yet written.
    /// - Parameter fileName: the name to read neighbours and the title by, when the file sits
    ///   under another (an inbox drop is read under its intake name).
    /// - Parameter neighbours: read `NAME.txt` and Eagle's metadata.json (not in inbox/, where a
    ///   `.txt` is a request of its own).
    /// - Parameter limits: the library's media limits (see `prepare`); a file over them is refused.
    func prepareImport(
        _ data: Data, hash: String, dir: Descriptor, name: String, path: String, folder: String, userId: String, mode: ImportMode,
        id: String, limits: MediaLimits, fileName: String? = nil, neighbours: Bool = true
    ) -> (item: ImportItem, result: ImportResult) {
        let fileName = fileName ?? name
        var item = ImportItem(path: path, status: .imported)
        var blocks = EmbeddedBlocks()
        let info = MediaProbe.inspect(data, fileName: fileName) { image in blocks = EmbeddedBlocks.read(image) }
        var metadata = ImportedMetadata.read(blocks)
        if neighbours { metadata.readNeighbours(dir: dir, name: fileName, folder: folder) }
        metadata.fitSchema()
        (item.generator, item.problems) = (metadata.generator, metadata.problems.isEmpty ? nil : metadata.problems)
        do throws(CreativeError) {
            let (asset, prepared) = try prepare(
                userId: userId, input: metadata.assetInput(data, fileName: fileName), data: data, fileName: fileName, id: id,
                lineage: AssetLineage(source: .imported), hash: hash, limits: limits, info: info)
            var files = prepared
            if mode == .link { files[0].hardLink = (dir, name) }
            return (item, .ready(asset, files))
        } catch {
            (item.status, item.reason) = (.refused, error.message)
            return (item, .refused)
        }
    }
}
