import CreativeCatalog
import Foundation

/// Media a provider answered with: in memory, or written to a file as it arrived (a video of
/// hundreds of MiB never sits in memory, nor in base64 on its way to the asset).
public struct DownloadedMedia: Sendable, Equatable {
    /// The bytes, when they were kept in memory; empty when they are in ``file``.
    public var data: Data
    /// A temp file in the library's folder (`.download.HOST.PID.N.tmp`) holding the bytes; whoever
    /// takes the media removes it.
    public var file: String?

    public init(data: Data, file: String? = nil) {
        (self.data, self.file) = (data, file)
    }

    /// A new temp name for a download in `folder`, or nil to keep it in memory.
    static func stagedPath(in folder: String?) -> String? {
        folder.map { $0 + "/" + LibraryStore.tempName(for: "download") }
    }

    /// Removes the staged file, if any (on the io pool: unlink waits on the disk).
    func discard() async {
        guard let file else { return }
        _ = try? await BlockingPool.io.runToCompletion { unlink(file) }
    }
}
