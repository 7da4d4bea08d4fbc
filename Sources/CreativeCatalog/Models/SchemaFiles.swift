import Foundation

/// The JSON Schema files (2020-12) that document every sidecar and request: the contract, shipped
/// inside the module so the API can serve exactly what the tests check. (`schemas/` at the
/// repository root links here.)
public enum SchemaFiles {
    /// The names, without `.schema.json`.
    public static var names: [String] {
        let folder = Bundle.module.resourceURL?.appendingPathComponent("Schemas")
        let files = folder.flatMap { try? FileManager.default.contentsOfDirectory(atPath: $0.path) } ?? []
        return files.filter { $0.hasSuffix(".schema.json") }.map { String($0.dropLast(".schema.json".count)) }.sorted()
    }

    /// A schema file's bytes; nil for an unknown name (names are checked, never joined blindly).
    public static func data(_ name: String) -> Data? {
        guard names.contains(name), let url = Bundle.module.resourceURL?.appendingPathComponent("Schemas/\(name).schema.json") else { return nil }
        return try? Data(contentsOf: url)
    }
}
