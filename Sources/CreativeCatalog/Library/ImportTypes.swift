import Foundation

/// How `creative import` brings a file into the library.
public enum ImportMode: String, Codable, Sendable, CaseIterable {
    /// The file is copied; the original stays.
    case copy
    /// The file is copied, then the original is removed once the asset is on disk.
    case move
    /// The asset's media is a hard link to the original (same filesystem only): no second copy.
    case link
}

public struct ImportOptions: Sendable {
    /// How deep a folder walk goes below a folder named on the command line.
    public static let maxFolderDepth = 32

    public var mode: ImportMode = .copy
    /// A folder under assets/ to put the assets in (default: the month folder).
    public var collection: String?
    /// Read and report everything, write nothing.
    public var dryRun = false

    public init(mode: ImportMode = .copy, collection: String? = nil, dryRun: Bool = false) {
        (self.mode, self.collection, self.dryRun) = (mode, collection, dryRun)
    }
}

/// What happened to one file.
public struct ImportItem: Codable, Sendable, Equatable {
    public enum Status: String, Codable, Sendable {
        /// A new asset (with `dryRun`: would be one).
        case imported
        /// The same bytes are already one of the user's assets (`assetId` names it).
        case duplicate
        /// Not imported; `reason` says why.
        case refused
    }

    public var path: String
    public var status: Status
    public var assetId: String?
    /// Whose metadata format was read (a1111, comfyui …).
    public var generator: String?
    public var reason: String?
    /// What in the file's metadata could not be read; the file is imported all the same.
    public var problems: [String]?
}

/// `creative import`'s answer: counts, then one item per file in the order they were found.
public struct ImportSummary: Codable, Sendable, Equatable {
    public var success = true
    public var dryRun: Bool
    public var imported = 0
    public var duplicates = 0
    public var refused = 0
    public var items: [ImportItem] = []

    mutating func add(_ item: ImportItem) {
        switch item.status {
        case .imported: imported += 1
        case .duplicate: duplicates += 1
        case .refused: refused += 1
        }
        items.append(item)
    }
}
