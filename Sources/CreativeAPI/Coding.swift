import CreativeCatalog
import CreativeGeneration
import CreativeLibraries
import Foundation
import Hummingbird

/// Every route's body decoder: a body decodes into the shared request types exactly as an inbox
/// file or CLI flags do (JSON only, unknown fields refused, the field named in the error), and
/// is refused over the context's `maxUploadSize`.
public struct RequestBodyDecoder: RequestDecoder {
    public init() {}

    public func decode<T: Decodable>(_ type: T.Type, from request: Request, context: some RequestContext) async throws -> T {
        guard (request.headers[.contentType] ?? "").lowercased().hasPrefix("application/json") else {
            throw HTTPError(.unsupportedMediaType, message: "Send the body as application/json.")
        }
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: context.maxUploadSize)
        } catch {
            throw HTTPError(.contentTooLarge, message: "The body is larger than \(context.maxUploadSize) bytes.")
        }
        let data = Data(buffer.readableBytesView)
        guard let strict = T.self as? any CreativeCatalog.Request.Type else { return try JSONCoding.decoder().decode(T.self, from: data) }
        guard let value = try strict.decode(json: data) as? T else { throw HTTPError(.internalServerError) }
        return value
    }
}

/// An error that knows its status answers in the one JSON error shape.
extension CreativeError: HTTPResponseError {
    public var status: HTTPResponse.Status { APIError.status(for: code) }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        APIError.response(self)
    }
}

// The seed's result shapes are response bodies as they are, encoded by the context's encoder.
extension SaveAssetResult: ResponseEncodable {}
extension CreateTemplateResult: ResponseEncodable {}
extension SuccessResult: ResponseEncodable {}
extension FavoriteResult: ResponseEncodable {}
extension TagsResult: ResponseEncodable {}
extension UseTemplateResult: ResponseEncodable {}
extension GenerateResult: ResponseEncodable {}
extension ContentCreator.Improvement: ResponseEncodable {}
extension ContentCreator.Ideas: ResponseEncodable {}
extension CreativeTemplate: ResponseEncodable {}
extension GenerationJob: ResponseEncodable {}
extension Page: ResponseEncodable {}
