import CreativeCatalog
import CreativeLibraries
import Foundation
import Hummingbird
import NIOCore
import NIOPosix

/// Media: GET /asset/:id/file and /asset/:id/thumbnail, with the right Content-Type, a strong
/// ETag (media never changes once saved) and single byte ranges, streamed in chunks. Files are
/// opened through the store, so nothing outside the library, no symlink and nothing but a
/// regular file (never a FIFO, which would block) is ever served.
struct MediaController {
    let library: CreativeLibrary

    static let contentTypes = [
        "png": "image/png", "jpeg": "image/jpeg", "jpg": "image/jpeg", "webp": "image/webp", "gif": "image/gif",
        "svg": "image/svg+xml", "tiff": "image/tiff", "heif": "image/heif", "md": "text/markdown; charset=utf-8",
        "txt": "text/plain; charset=utf-8", "json": "application/json", "html": "text/html; charset=utf-8",
        "mp4": "video/mp4", "webm": "video/webm", "mov": "video/quicktime", "mp3": "audio/mpeg", "wav": "audio/wav",
        "ogg": "audio/ogg", "opus": "audio/ogg", "oga": "audio/ogg", "flac": "audio/flac", "m4a": "audio/mp4", "aac": "audio/aac", "mkv": "video/x-matroska",
        "m4v": "video/mp4",
    ]

    /// Formats a browser may run script in when opened as a document.
    static let scriptable: Set<String> = ["svg", "svgz", "xml", "html", "htm", "xhtml"]

    func add(to group: RouterGroup<APIContext>) {
        group.get("asset/:id/file") { request, context in
            try await serve(request, context, thumbnail: false)
        }
        group.get("asset/:id/thumbnail") { request, context in
            try await serve(request, context, thumbnail: true)
        }
    }

    /// Bytes read from disk per write to the client: memory per download stays at about this.
    static let chunkSize = 64 * 1024

    private func serve(_ request: Request, _ context: APIContext, thumbnail: Bool) async throws -> Response {
        let (id, user) = (try context.parameters.require("id"), context.userId)
        let (assets, store, logger) = (library.assets, library.store, context.logger)
        let missing = CreativeError(.notFound, thumbnail ? "Asset \(id) has no thumbnail." : "The media of asset \(id) is missing.")
        // The response holds the open file until it is sent (closed with it, even unwritten).
        let (file, size, name) = try await BlockingPool.io.run { () throws(CreativeError) -> (Descriptor, Int, String) in
            guard let (asset, location) = try assets.find(id, userId: user) else { throw .notFound("asset", id) }
            guard let name = thumbnail ? asset.thumbnailUrl : asset.url, !name.contains("/") else { throw missing }
            do throws(CreativeError) {
                guard let (file, size) = try store.openFile(at: location, name: name) else { throw missing }
                return (file, size, name)
            } catch  where error.code == .storage {
                // A symlink, FIFO or device where media belongs (a synced library can carry one).
                logger.warning("not serving \(location.path)/\(name): \(error.message)")
                throw missing
            }
        }
        let ext = (name as NSString).pathExtension.lowercased()
        let etag = "\"\(id)-\(thumbnail ? "t" : "f")-\(size)\""
        var headers: HTTPFields = [
            .contentType: Self.contentTypes[ext] ?? "application/octet-stream", .eTag: etag, .acceptRanges: "bytes",
            // The browser takes the type we send, never one it guesses from the bytes.
            .xContentTypeOptions: "nosniff",
        ]
        // SVG can carry script: opened directly it runs sandboxed, as an origin of its own.
        if Self.scriptable.contains(ext) { headers[.contentSecurityPolicy] = "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data:" }
        if request.headers[.ifNoneMatch] == etag {
            return Response(status: .notModified, headers: headers)
        }
        guard let range = request.headers[.range] else {
            return Response(status: .ok, headers: headers, body: Self.stream(file, from: 0, count: size))
        }
        guard let (start, end) = Self.parse(range, size: size) else {
            headers[.contentRange] = "bytes */\(size)"
            return Response(status: .rangeNotSatisfiable, headers: headers)
        }
        headers[.contentRange] = "bytes \(start)-\(end)/\(size)"
        return Response(status: .partialContent, headers: headers, body: Self.stream(file, from: start, count: end - start + 1))
    }

    /// `count` bytes of an open file from `offset`, read in chunks on the io pool through NIO's
    /// NonBlockingFileIO; each chunk is written (and the client has taken it) before the next is read.
    static func stream(_ file: Descriptor, from offset: Int, count: Int) -> ResponseBody {
        ResponseBody(contentLength: count) { writer in
            let handle = NIOFileHandle(_deprecatedTakingOwnershipOfDescriptor: try file.duplicate())
            defer { try? handle.close() }
            let io = NonBlockingFileIO(threadPool: BlockingPool.io.threadPool)
            var (position, left) = (offset, count)
            while left > 0 {
                let chunk = try await io.read(
                    fileHandle: handle, fromOffset: Int64(position), byteCount: min(left, MediaController.chunkSize), allocator: ByteBufferAllocator())
                guard chunk.readableBytes > 0 else { break }  // the file shrank: end early rather than pad
                (position, left) = (position + chunk.readableBytes, left - chunk.readableBytes)
                try await writer.write(chunk)
            }
            try await writer.finish(nil)
        }
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
