import CreativeLibraries
import CreativeModels
import CreativeStore
import Foundation
import Hummingbird

/// Media: GET /asset/:id/file and /asset/:id/thumbnail, with the right Content-Type, a strong
/// ETag (media never changes once saved) and single byte ranges. Files are read through the
/// store, so nothing outside the library (and no symlink) is ever served.
struct MediaController {
    let library: CreativeLibrary

    static let contentTypes = [
        "png": "image/png", "jpeg": "image/jpeg", "jpg": "image/jpeg", "webp": "image/webp", "gif": "image/gif",
        "svg": "image/svg+xml", "tiff": "image/tiff", "heif": "image/heif", "md": "text/markdown; charset=utf-8",
        "txt": "text/plain; charset=utf-8", "json": "application/json", "html": "text/html; charset=utf-8",
        "mp4": "video/mp4", "webm": "video/webm", "mov": "video/quicktime", "mp3": "audio/mpeg", "wav": "audio/wav",
        "ogg": "audio/ogg", "flac": "audio/flac", "m4a": "audio/mp4",
    ]

    func add(to group: RouterGroup<APIContext>) {
        group.get("asset/:id/file") { request, context in
            try serve(request, context, thumbnail: false)
        }
        group.get("asset/:id/thumbnail") { request, context in
            try serve(request, context, thumbnail: true)
        }
    }

    private func serve(_ request: Request, _ context: APIContext, thumbnail: Bool) throws -> Response {
        let id = try context.parameters.require("id")
        guard let (asset, location) = try library.assets.find(id, userId: context.userId) else { throw CreativeError.notFound("asset", id) }
        let name = thumbnail ? asset.thumbnailUrl : asset.url
        let missing = CreativeError(.notFound, thumbnail ? "Asset \(id) has no thumbnail." : "The media of asset \(id) is missing.")
        // A media file replaced by a symlink (a synced library can carry one) is not served.
        guard let name, !name.contains("/"), let data = try? library.store.readFile(at: location, name: name, limit: Validation.maxMediaBytes) else {
            throw missing
        }
        let ext = (name as NSString).pathExtension.lowercased()
        let etag = "\"\(id)-\(thumbnail ? "t" : "f")-\(data.count)\""
        var headers: HTTPFields = [.contentType: Self.contentTypes[ext] ?? "application/octet-stream", .eTag: etag, .acceptRanges: "bytes"]
        if request.headers[.ifNoneMatch] == etag {
            return Response(status: .notModified, headers: headers)
        }
        guard let range = request.headers[.range] else {
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
        }
        guard let (start, end) = Self.parse(range, size: data.count) else {
            headers[.contentRange] = "bytes */\(data.count)"
            return Response(status: .rangeNotSatisfiable, headers: headers)
        }
        headers[.contentRange] = "bytes \(start)-\(end)/\(data.count)"
        return Response(status: .partialContent, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data[start...end])))
    }

    /// One `bytes=a-b`, `bytes=a-` or `bytes=-n` range within `size`; nil when unsatisfiable.
    static func parse(_ header: String, size: Int) -> (Int, Int)? {
        guard header.hasPrefix("bytes="), size > 0 else { return nil }
        let spec = header.dropFirst(6)
        guard !spec.contains(","), let dash = spec.firstIndex(of: "-") else { return nil }
        let first = Int(spec[..<dash]), last = Int(spec[spec.index(after: dash)...])
        switch (first, last) {
        case (let a?, let b?) where a <= b && a < size: return (a, min(b, size - 1))
        case (let a?, nil) where a < size: return (a, size - 1)
        case (nil, let n?) where n > 0: return (max(0, size - n), size - 1)
        default: return nil
        }
    }
}

/// What a client sees: media addresses it can fetch, never a path inside the library.
enum Presented {
    static func asset(_ a: CreativeAsset) -> CreativeAsset {
        var copy = a
        copy.url = "/api/creative/asset/\(a.id)/file"
        copy.thumbnailUrl = a.thumbnailUrl.map { _ in "/api/creative/asset/\(a.id)/thumbnail" }
        return copy
    }

    static func job(_ j: GenerationJob) -> GenerationJob {
        var copy = j
        copy.resultUrl = j.resultAssetId.map { "/api/creative/asset/\($0)/file" }
        copy.thumbnailUrl = j.resultAssetId.flatMap { id in j.thumbnailUrl.map { _ in "/api/creative/asset/\(id)/thumbnail" } }
        return copy
    }
}
