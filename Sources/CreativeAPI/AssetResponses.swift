import CreativeCatalog
import Foundation
import Hummingbird

/// Asset responses (one asset, or a page of them) from recently encoded JSON: each asset's bytes
/// are reused while the asset is equal to the one they were encoded from. (Swift's `==` treats
/// canonically equivalent text as equal, so a change of Unicode normalization alone keeps the
/// old, equivalent bytes.) Encoding is the largest cost of a listing once decoding is memoized.
final class AssetResponses: Sendable {
    private struct Encoded: Sendable {
        var source: CreativeAsset
        var json: ByteBuffer
        var etag: String
    }

    private let entries = BoundedCache<String, Encoded>(capacity: 8192)

    /// `GET /asset/:id`: the asset with its media URLs, and its ETag.
    func one(_ asset: CreativeAsset) -> Response {
        let encoded = encoded(asset)
        return Response(status: .ok, headers: [.contentType: JSON.contentType, .eTag: encoded.etag], body: .init(byteBuffer: encoded.json))
    }

    /// A page of assets: `{"items":[…],"nextCursor":…}`, byte for byte what encoding a presented
    /// `Page` gives (a test checks).
    func page(_ page: Page<CreativeAsset>) -> Response {
        let items = page.items.map { encoded($0).json }
        var buffer = ByteBuffer()
        buffer.reserveCapacity(items.reduce(64) { $0 + $1.readableBytes + 1 })
        buffer.writeString("{\"items\":[")
        for (i, item) in items.enumerated() {
            if i > 0 { buffer.writeString(",") }
            buffer.writeImmutableBuffer(item)
        }
        buffer.writeString("]")
        if let cursor = page.nextCursor {
            buffer.writeString(",\"nextCursor\":")
            // Cursors are base64url: nothing in them needs escaping; anything else goes through the encoder.
            if cursor.utf8.allSatisfy({ $0 < 0x80 && ($0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "_") || isalnum(Int32($0)) != 0) }) {
                buffer.writeString("\"\(cursor)\"")
            } else {
                buffer.writeBytes((try? JSONCoding.encoder(pretty: false).encode(cursor)) ?? Data("null".utf8))
            }
        }
        buffer.writeString("}")
        return Response(status: .ok, headers: [.contentType: JSON.contentType], body: .init(byteBuffer: buffer))
    }

    private func encoded(_ asset: CreativeAsset) -> Encoded {
        if let hit = entries[asset.id], hit.source == asset { return hit }
        let json = (try? JSONCoding.encoder(pretty: false).encode(Presented.asset(asset))) ?? Data("{}".utf8)
        let encoded = Encoded(source: asset, json: ByteBuffer(bytes: json), etag: Version.etag(asset.updatedAt))
        entries.insert(encoded, for: asset.id)
        return encoded
    }
}
