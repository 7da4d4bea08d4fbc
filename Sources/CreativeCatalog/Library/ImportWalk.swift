import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Finds the files an import takes from the paths a person gave: files as named, folders walked
/// (no symlinks followed inside them, hidden entries and non-media skipped, depth capped).
struct ImportWalk {
    struct Source: Sendable {
        var dir: Descriptor
        var name: String
        /// As the person would write it (for the summary).
        var path: String
        /// The containing folder's name (Eagle keeps items in `<ID>.info`).
        var folder: String
        /// Bytes, from the walk's stat (batches are capped by it).
        var size: Int
    }

    static let maxDepth = ImportOptions.maxFolderDepth
    /// Extensions a folder walk takes; a file named on the command line is taken whatever it is.
    static let mediaExtensions: Set<String> = [
        "png", "jpg", "jpeg", "webp", "gif", "tif", "tiff", "heic", "heif", "avif", "jxl",
        "mp4", "webm", "mov", "mkv", "m4v", "mp3", "wav", "ogg", "oga", "flac", "m4a", "aac", "opus",
    ]

    var sources: [Source] = []
    var refused: [ImportItem] = []
    /// The library's own folder (device, inode): a walk never imports the library into itself.
    private let library: (UInt64, UInt64)?

    init(paths: [String], library root: String) {
        var st = stat()
        library = stat(root, &st) == 0 ? (UInt64(st.st_dev), UInt64(st.st_ino)) : nil
        for path in paths { add(path) }
    }

    private func isLibrary(_ dir: Descriptor) -> Bool {
        var st = stat()
        guard let library, fstat(dir.fd, &st) == 0 else { return false }
        return (UInt64(st.st_dev), UInt64(st.st_ino)) == library
    }

    private mutating func add(_ path: String) {
        let absolute = path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
        var st = stat()
        // The paths given are followed (a person named them); links inside folders are not.
        guard stat(absolute, &st) == 0 else {
            refuse(path, "\(path) does not exist or cannot be read (\(String(cString: strerror(errno)))).")
            return
        }
        if st.st_mode & S_IFMT == S_IFDIR {
            let fd = open(absolute, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
            guard fd >= 0 else { return refuse(path, "The folder \(path) cannot be opened (\(String(cString: strerror(errno)))).") }
            walk(Descriptor(fd), path: path.hasSuffix("/") ? String(path.dropLast()) : path, depth: 0)
            return
        }
        let url = URL(fileURLWithPath: absolute)
        let fd = open(url.deletingLastPathComponent().path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { return refuse(path, "The folder holding \(path) cannot be opened.") }
        sources.append(
            Source(
                dir: Descriptor(fd), name: url.lastPathComponent, path: path, folder: url.deletingLastPathComponent().lastPathComponent, size: Int(st.st_size)))
    }

    private mutating func walk(_ dir: Descriptor, path: String, depth: Int) {
        guard !isLibrary(dir) else {
            return refuse(path, "\(path) is the library itself; its assets are there already.")
        }
        let folder = (path as NSString).lastPathComponent
        for entry in POSIX.entries(dir).sorted(by: { $0.name < $1.name }) where !entry.name.hasPrefix(".") {
            let child = "\(path)/\(entry.name)"
            if let special = entry.special {
                refuse(child, "\(child) is \(special.rawValue); links and special files are not followed inside a folder.")
            } else if entry.isDirectory {
                guard depth < Self.maxDepth else {
                    refuse(child, "\(child) is more than \(Self.maxDepth) folders deep; import it by naming it.")
                    continue
                }
                guard let sub = try? POSIX.openDirectory(dir, entry.name) else {
                    refuse(child, "The folder \(child) cannot be opened.")
                    continue
                }
                walk(sub, path: child, depth: depth + 1)
            } else if entry.raw != nil {
                refuse(child, "\(child) has a name that is not UTF-8; rename it to import it.")
            } else if Self.mediaExtensions.contains((entry.name as NSString).pathExtension.lowercased()),
                !ImportedMetadata.isEagleThumbnail(entry.name, folder: folder)
            {
                sources.append(Source(dir: dir, name: entry.name, path: child, folder: folder, size: POSIX.info(dir, entry.name)?.size ?? 0))
            }
        }
    }

    private mutating func refuse(_ path: String, _ reason: String) {
        refused.append(ImportItem(path: path, status: .refused, reason: reason))
    }
}
