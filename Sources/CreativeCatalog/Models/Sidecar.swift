import Foundation

/// The three kinds of entity a library holds; each is a folder with one JSON sidecar.
public enum EntityKind: String, Sendable, CaseIterable {
    case asset, template, job

    /// The top-level folder of the library that holds this kind.
    public var folder: String {
        switch self {
        case .asset: "assets"
        case .template: "templates"
        case .job: "jobs"
        }
    }

    /// The sidecar's file name inside an entity folder.
    public var sidecarName: String { "\(rawValue).json" }
}

/// A model stored as a JSON sidecar. `fieldNames` lists every key the model owns; keys outside it
/// found in a sidecar on disk are preserved when the store rewrites the file.
public protocol Sidecar: Codable, Sendable, Equatable {
    static var kind: EntityKind { get }
    static var fieldNames: [String] { get }
    var id: String { get }
    var userId: String { get }
    /// The human part of the entity's folder name (`<slug>--<id>`).
    var folderTitle: String { get }
    /// The model read from sidecar bytes without JSONDecoder (see `JSONReader`); nil when it
    /// declines, and JSONDecoder decides (see `JSONCoding.sidecar`).
    init?(json: Data, parameters: Bool)
}

extension Sidecar {
    public init?(json: Data, parameters: Bool) { return nil }
}

/// The value types shared by the models. Raw values are the on-disk spelling.
public enum MediaType: String, Codable, Sendable, CaseIterable {
    case image, video, audio, text
}

public enum AssetStatus: String, Codable, Sendable, CaseIterable {
    /// Media is being produced (a job is writing into the folder).
    case processing
    /// Complete and usable.
    case ready
    /// Generation or import failed; the sidecar keeps what is known.
    case failed
    /// Kept but hidden from default listings by clients that choose to.
    case archived
}

public enum JobStatus: String, Codable, Sendable, CaseIterable {
    case queued, running, succeeded, failed, cancelled
}
