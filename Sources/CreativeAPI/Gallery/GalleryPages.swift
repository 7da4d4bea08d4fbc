import CreativeCatalog
import Foundation
import Hummingbird
import Mustache

/// The gallery's Mustache pages and its static files (script, style, icon), read once from the
/// module's resources. Mustache escapes every `{{value}}`; no template uses triple braces.
struct GalleryPages: Sendable {
    let library: MustacheLibrary
    /// name → (bytes, content type, ETag)
    let files: [String: (body: ByteBuffer, type: String, etag: String)]

    static let types = ["js": "text/javascript; charset=utf-8", "css": "text/css; charset=utf-8", "svg": "image/svg+xml"]

    /// - Throws: `storage` when the resources are missing or a page does not parse.
    static func load() throws(CreativeError) -> GalleryPages {
        guard let folder = Bundle.module.url(forResource: "Resources", withExtension: nil) else {
            throw CreativeError(.storage, "The gallery's pages are missing from this build (CreativeEngine_CreativeAPI.resources).")
        }
        var library = MustacheLibrary()
        var files: [String: (ByteBuffer, String, String)] = [:]
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        for name in names {
            guard let data = FileManager.default.contents(atPath: folder.appendingPathComponent(name).path) else { continue }
            let ext = (name as NSString).pathExtension
            if ext == "mustache" {
                do {
                    try library.register(String(decoding: data, as: UTF8.self), named: String(name.dropLast(".mustache".count)))
                } catch {
                    throw CreativeError(.storage, "The gallery page \(name) does not parse: \(error).")
                }
            } else if let type = types[ext] {
                files[name] = (ByteBuffer(bytes: data), type, "\"\(ContentHash.of(data).dropFirst(7).prefix(16))\"")
            }
        }
        return GalleryPages(library: library, files: files.mapValues { (body: $0.0, type: $0.1, etag: $0.2) })
    }

    /// The page as an HTML response.
    func html(_ template: String, _ view: Any, status: HTTPResponse.Status = .ok) -> Response {
        let text = library.render(view, withTemplate: template) ?? "<!doctype html><title>Error</title><p>The page \(template) is missing."
        return Response(
            status: status, headers: [.contentType: "text/html; charset=utf-8", .cacheControl: "no-store"], body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    /// A static file, with ETag and If-None-Match.
    func file(_ name: String, request: Request) -> Response? {
        guard let file = files[name] else { return nil }
        if request.headers[.ifNoneMatch] == file.etag {
            return Response(status: .notModified, headers: [.eTag: file.etag])
        }
        return Response(
            status: .ok, headers: [.contentType: file.type, .eTag: file.etag, .cacheControl: "no-cache"], body: .init(byteBuffer: file.body))
    }
}
