import CreativeCatalog
import Foundation
import Hummingbird

/// The HTTP status the REST API answers with for an error code (docs/SCHEMA.md, "Errors").
public func httpStatus(of code: CreativeError.Code) -> Int {
    APIError.status(for: code).code
}

/// One JSON error shape for every failure: `{ success: false, error: { code, message, details } }`.
/// No stack traces, paths or keys reach a client.
enum APIError {
    struct Body: Encodable {
        struct Detail: Encodable {
            var code: String
            var message: String
            var details: [String: String]?
        }
        var success = false
        var error: Detail
    }

    static func status(for code: CreativeError.Code) -> HTTPResponse.Status {
        switch code {
        case .invalidInput, .invalidTemplate, .unsupportedMedia: .badRequest
        case .notFound: .notFound
        case .conflict, .protected, .cancelled: .conflict
        case .tooLarge: .contentTooLarge
        case .budgetExceeded, .rateLimited: .tooManyRequests
        case .providerRefused: .unprocessableContent
        case .providerAuth, .providerError: .badGateway
        case .providerUnavailable, .busy: .serviceUnavailable
        case .timeout: .gatewayTimeout
        case .invalidSidecar, .storage, .libraryNotFound: .internalServerError
        case .diskFull: HTTPResponse.Status(code: 507, reasonPhrase: "Insufficient Storage")
        }
    }

    static func response(_ error: CreativeError, status: HTTPResponse.Status? = nil) -> Response {
        // Messages about the library's own files name paths; a client gets a plain sentence.
        let internalFailure = [.invalidSidecar, .storage, .libraryNotFound].contains(error.code)
        let message = internalFailure ? "The engine could not read or write its library; the server log has the details." : error.message
        let body = Body(error: .init(code: error.code.rawValue, message: message, details: error.field.map { ["field": $0] }))
        return JSON.response(body, status: status ?? Self.status(for: error.code))
    }
}

/// Versions for optimistic concurrency: an item's ETag is its updatedAt; a PATCH with If-Match
/// that no longer matches answers 409.
enum Version {
    static func etag(_ updatedAt: Date) -> String { "\"\(Timestamp.format(updatedAt))\"" }

    /// The updatedAt an If-Match names, nil when there is none.
    /// - Throws: `invalid_input` for an If-Match this API did not hand out.
    static func expected(_ request: Hummingbird.Request) throws(CreativeError) -> Date? {
        guard let header = request.headers[.ifMatch] else { return nil }
        guard let date = Timestamp.parse(header.trimmingCharacters(in: CharacterSet(charactersIn: "\"W/ "))) else {
            throw .invalid("If-Match", "If-Match must be the ETag of a previous GET of this item.")
        }
        return date
    }
}

/// JSON in and out, with the engine's encoding (sorted keys, ISO-8601 milliseconds).
enum JSON {
    static let contentType = "application/json; charset=utf-8"

    static func response<T: Encodable>(_ value: T, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) -> Response {
        let data = (try? JSONCoding.encoder(pretty: false).encode(value)) ?? Data("{}".utf8)
        var fields = headers
        fields[.contentType] = contentType
        return Response(status: status, headers: fields, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}
