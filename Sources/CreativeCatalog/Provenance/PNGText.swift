import Foundation

/// The PNG text-chunk edits libvips does not do for us: libvips 8.14 writes "png-comment-*"
/// metadata as compressed zTXt and re-encodes the pixels, while A1111 (through Pillow) writes a
/// plain tEXt chunk — or iTXt when the text is not Latin-1 — and export must keep the pixels.
public enum PNGText {
    static let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]

    /// Inserts an uncompressed text chunk right after IHDR, where readers look for metadata
    /// before the image data: tEXt (keyword NUL Latin-1 text) when every character is Latin-1,
    /// else iTXt with UTF-8 text. NULs are dropped: both chunk types use NUL as a separator.
    /// - Parameter utf8: always iTXt (XMP packets must be, by the XMP specification).
    public static func inserting(keyword: String, text: String, into png: Data, utf8: Bool = false) throws(CreativeError) -> Data {
        let ihdrEnd = 8 + 25
        guard png.count > ihdrEnd, png.prefix(8).elementsEqual(signature), png.dropFirst(12).prefix(4).elementsEqual(Array("IHDR".utf8)) else {
            throw CreativeError(.unsupportedMedia, "The file is not a PNG.")
        }
        let scalars = text.unicodeScalars.filter { $0 != "\0" }
        let type: String
        var body = Array(keyword.utf8) + [0]
        if !utf8, scalars.allSatisfy({ $0.value <= 0xFF }) {
            type = "tEXt"
            body += scalars.map { UInt8($0.value) }
        } else {
            // compression flag 0, method 0, empty language tag NUL, empty translated keyword NUL.
            type = "iTXt"
            body += [0, 0, 0, 0]
            body += Array(String(String.UnicodeScalarView(scalars)).utf8)
        }
        var result = Data(png.prefix(ihdrEnd))
        result.append(chunk(type: type, body: body))
        result.append(png.dropFirst(ihdrEnd))
        return result
    }

    /// The PNG without its text chunks whose keyword is one of `keywords`; nil when the chunk
    /// structure is broken.
    public static func removing(keywords: Set<String>, from png: Data) -> Data? {
        let bytes = [UInt8](png)
        guard bytes.count >= 8, Array(bytes[0..<8]) == signature else { return nil }
        var out = Data(signature)
        var at = 8
        while at < bytes.count {
            guard at + 12 <= bytes.count else { return nil }
            let length = Int(bytes[at]) << 24 | Int(bytes[at + 1]) << 16 | Int(bytes[at + 2]) << 8 | Int(bytes[at + 3])
            let end = at + 12 + length
            guard end <= bytes.count else { return nil }
            let type = String(decoding: bytes[(at + 4)..<(at + 8)], as: UTF8.self)
            let keyword = String(decoding: bytes[(at + 8)..<end - 4].prefix { $0 != 0 }, as: UTF8.self)
            if !(["tEXt", "iTXt", "zTXt"].contains(type) && keywords.contains(keyword)) {
                out.append(contentsOf: bytes[at..<end])
            }
            at = end
        }
        return out
    }

    /// length (big-endian), type, data, CRC-32 of type + data.
    static func chunk(type: String, body: [UInt8]) -> Data {
        let typed = Array(type.utf8) + body
        var out = Data()
        out.append(contentsOf: bigEndian(UInt32(body.count)))
        out.append(contentsOf: typed)
        out.append(contentsOf: bigEndian(crc32(typed)))
        return out
    }

    private static func bigEndian(_ value: UInt32) -> [UInt8] {
        [UInt8(value >> 24), UInt8((value >> 16) & 0xFF), UInt8((value >> 8) & 0xFF), UInt8(value & 0xFF)]
    }

    /// The PNG/zlib CRC-32 (reflected polynomial 0xEDB88320), table-driven.
    static func crc32(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc = crcTable[Int((crc ^ UInt32(byte)) & 0xFF)] ^ (crc >> 8)
        }
        return crc ^ 0xFFFF_FFFF
    }

    private static let crcTable: [UInt32] = (0..<256).map { n -> UInt32 in
        var c = UInt32(n)
        for _ in 0..<8 { c = c & 1 == 1 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
        return c
    }
}
