/// One library folder, its index, and the seed libraries that work on them.
public struct CreativeLibrary: Sendable {
    public let store: LibraryStore
    public let index: LibraryIndex
    public let assets: AssetCatalog
    public let templates: TemplateCatalog
    /// Whether the disk is full: intake and jobs wait on it, /healthz reports it.
    public let disk: DiskPressure

    public init(store: LibraryStore, index: LibraryIndex) {
        self.store = store
        self.index = index
        disk = DiskPressure(root: store.root)
        assets = AssetCatalog(store: store, index: index)
        templates = TemplateCatalog(store: store, index: index)
    }

    /// Opens an existing library and its index (rebuilding a missing or broken index, which
    /// `indexProgress` follows).
    /// - Throws: `library_not_found` when `path` is not a library.
    public static func open(_ path: String, indexProgress: IndexProgress? = nil) throws(CreativeError) -> CreativeLibrary {
        let store = try LibraryStore.open(path)
        return CreativeLibrary(store: store, index: try LibraryIndex.open(store: store, progress: indexProgress))
    }

    /// Opens the library with a freshly built index: a library without a usable index is built
    /// once, while opening (each sidecar read once), not built at open and again after.
    public static func openRebuilt(_ path: String, progress: IndexProgress? = nil) throws(CreativeError) -> (CreativeLibrary, IndexReport) {
        let library = try open(path, indexProgress: progress)
        if let report = library.index.builtAtOpen.withLock({ $0 }) { return (library, report) }
        return (library, try library.index.rebuild(progress: progress))
    }

    /// What `initialize` did.
    public struct InitReport: Codable, Sendable {
        public var success = true
        public var library: String
        /// Names of default templates written (those already present, or in the trash, are kept as they are).
        public var templatesAdded: [String]
        /// Stray temp files removed.
        public var strayFilesRemoved: [String]
    }

    /// Creates the layout if needed, adds missing default templates (never overwriting one a
    /// person edited, never reviving one they deleted) and cleans stray temp files (a walk of
    /// every folder; the engine passes `removingStrayFiles: false` and runs it once it is ready).
    public static func initialize(_ path: String, removingStrayFiles: Bool = true) throws(CreativeError) -> (CreativeLibrary, InitReport) {
        let store = try LibraryStore.create(path)
        let removed = removingStrayFiles ? store.removeStrayTempFiles() : []
        let index = try LibraryIndex.open(store: store)
        var added: [String] = []
        for template in DefaultTemplates.all {
            guard try store.locate(.template, id: template.id) == nil,
                try store.readFromTrash(CreativeTemplate.self, id: template.id) == nil
            else { continue }
            try store.create(template, in: "templates")
            added.append(template.name)
        }
        let report = InitReport(library: store.root, templatesAdded: added, strayFilesRemoved: removed)
        return (CreativeLibrary(store: store, index: index), report)
    }
}
