import CreativeCatalog

extension CreativeLibrary {
    /// Opens an existing library on the io pool: opening reads its index, and rebuilds it from
    /// the sidecars when it is missing or broken, which can take seconds at scale.
    /// - Throws: `library_not_found` when `path` is not a library.
    public static func load(_ path: String) async throws(CreativeError) -> CreativeLibrary {
        try await BlockingPool.io.run { () throws(CreativeError) in try CreativeLibrary.open(path) }
    }
}
