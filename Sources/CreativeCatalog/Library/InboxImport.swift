import Foundation

extension AssetCatalog {
    /// Media dropped into inbox/ (same extensions a folder import takes).
    public static func isInboxMedia(_ name: String) -> Bool {
        ImportWalk.mediaExtensions.contains((name as NSString).pathExtension.lowercased())
    }

    /// An inbox drop of media, imported as `creative import` would: the asset (with the job's id)
    /// and a finished job naming it, staged for the intake's group commit. Bytes already in the
    /// library stage only the job, which names the existing asset; the drop is consumed either way.
    /// - Throws: what makes the file unimportable (the intake then moves it to inbox/failed/).
    /// - Parameter sync: flush the staged folders one by one (see `LibraryStore.flushesEach`).
    public func stageInboxImport(_ claimed: ClaimedInboxFile, userId: String, sync: Bool = false) throws(CreativeError) -> [LibraryStore.StagedEntity] {
        guard let dir = try claimed.folderDescriptor(store.rootDir) else { throw POSIX.failure("open", claimed.folder) }
        let (data, hash) = try loadImport(dir, name: claimed.intakeName, path: claimed.file.path).get()
        let now = Timestamp.now()
        var staged: [LibraryStore.StagedEntity] = []
        var job: GenerationJob
        var item = ImportItem(path: claimed.file.path, status: .duplicate, assetId: try index.assetId(withHash: hash, userId: userId))
        let result: ImportResult
        if item.assetId == nil {
            (item, result) = prepareImport(
                data, hash: hash, dir: dir, name: claimed.intakeName, path: claimed.file.path, folder: "inbox", userId: userId, mode: .copy,
                id: claimed.jobId, limits: try store.mediaLimits(), fileName: claimed.file.name, neighbours: false)
        } else {
            result = .refused
        }
        switch result {
        case .ready(let asset, let files):
            let folder = "assets/\(Self.month(asset.createdAt))"
            staged.append(try store.stage(asset, in: folder, files: files, sync: sync))
            job = GenerationJob(id: claimed.jobId, userId: userId, type: asset.type, prompt: asset.prompt ?? claimed.file.name, createdAt: now)
            let path = "\(folder)/\(FolderName.make(title: asset.folderTitle, id: asset.id))"
            (job.resultAssetId, job.resultUrl, job.thumbnailUrl) = (asset.id, "\(path)/\(asset.url)", asset.thumbnailUrl.map { "\(path)/\($0)" })
            (job.negativePrompt, job.model, job.provider) = (asset.negativePrompt, asset.model, asset.provider)
        case .refused where item.status == .duplicate:
            guard let existing = item.assetId, let (asset, location) = try find(existing, userId: userId) else { throw .notFound("asset", item.assetId ?? "") }
            job = GenerationJob(id: claimed.jobId, userId: userId, type: asset.type, prompt: asset.prompt ?? claimed.file.name, createdAt: now)
            (job.resultAssetId, job.resultUrl) = (asset.id, "\(location.path)/\(asset.url)")
            job.thumbnailUrl = asset.thumbnailUrl.map { "\(location.path)/\($0)" }
        case .refused:
            throw CreativeError(.unsupportedMedia, item.reason ?? "\(claimed.file.name) could not be imported.")
        }
        job.prompt = String(job.prompt.prefix(Validation.maxPrompt))
        (job.status, job.progress, job.startedAt, job.completedAt, job.actualTime) = (.succeeded, 100, now, now, 0)
        var parameters: [String: JSONValue] = ["kind": .string("import"), "source": .string(claimed.file.path)]
        if item.status == .duplicate { parameters["duplicate"] = .bool(true) }
        if let generator = item.generator { parameters["generator"] = .string(generator) }
        if let problems = item.problems { parameters["metadataProblems"] = .array(problems.map(JSONValue.string)) }
        job.parameters = parameters
        staged.append(try store.stage(job, in: "jobs", sync: sync))
        return staged
    }
}
