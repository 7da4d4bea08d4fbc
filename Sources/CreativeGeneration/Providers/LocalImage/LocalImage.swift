import CVips
import CreativeCatalog
import Foundation

/// The built-in offline image provider: a procedural abstract picture from the prompt's colour
/// words, the seed and the sampling parameters, saved as a PNG that carries its parameters the
/// way AUTOMATIC1111's web UI does. It needs no network and no model, so jobs, tests and demos
/// work anywhere.
public enum LocalImage {
    // vips_init is idempotent, but doing it once through a lazy static keeps it off the hot path.
    private static let vipsReady: Bool = vips_init("creative") == 0

    /// Renders a PNG deterministically: same request → identical bytes. Calls
    /// `progress(step, totalSteps)` once per step (1...steps), in order, on the calling thread.
    /// Throws `invalid_input` for out-of-range fields and `unsupported_media` if libvips fails.
    public static func generate(_ request: LocalImageRequest, progress: (Int, Int) -> Void = { _, _ in }) throws -> Data {
        try request.validate()
        var renderer = Renderer(request)
        for step in 1...request.steps {
            renderer.layer(step)
            progress(step, request.steps)
        }
        let rgb = renderer.finish(guidance: request.guidance, sampler: request.sampler)
        return try encodePNG(rgb, width: request.width, height: request.height, parameters: parametersText(request))
    }

    /// The PNG keyword A1111 reads its "PNG Info" from.
    static let parametersKeyword = "parameters"

    /// Encodes 8-bit RGB with libvips, then adds the parameters chunk ourselves: libvips 8.14
    /// writes "png-comment-*" metadata as a compressed zTXt chunk, and A1111 (through Pillow)
    /// writes a plain tEXt chunk — or an iTXt chunk when the text is not Latin-1 (emoji, CJK).
    static func encodePNG(_ rgb: [UInt8], width: Int, height: Int, parameters: String) throws -> Data {
        guard vipsReady else { throw vipsFailure("libvips could not be initialised") }
        let made = rgb.withUnsafeBytes { raw in
            vips_image_new_from_memory_copy(raw.baseAddress, raw.count, Int32(width), Int32(height), 3, VIPS_FORMAT_UCHAR)
        }
        guard let image = made else { throw vipsFailure("libvips could not wrap the pixels") }
        defer { cv_unref(image) }
        var buffer: UnsafeMutableRawPointer?
        var length = 0
        guard cv_pngsave_buffer(image, &buffer, &length, 6) == 0, let buffer else {
            throw vipsFailure("libvips could not encode the PNG")
        }
        defer { cv_free(buffer) }
        let png = Data(bytes: buffer, count: length)
        return try PNGChunks.insertingText(keyword: parametersKeyword, text: parameters, into: png)
    }

    private static func vipsFailure(_ what: String) -> CreativeError {
        let detail = vips_error_buffer().map { String(cString: $0).trimmingCharacters(in: .whitespacesAndNewlines) } ?? ""
        vips_error_clear()
        return CreativeError(.unsupportedMedia, detail.isEmpty ? "\(what)." : "\(what): \(detail)")
    }
}

extension LocalImage {
    /// The few PNG chunk operations libvips does not do for us.
    enum PNGChunks {
        /// Inserts an uncompressed text chunk right after IHDR (8-byte signature + 25-byte IHDR),
        /// where readers look for metadata before the image data: tEXt (keyword NUL Latin-1 text)
        /// when every character is Latin-1, else iTXt with UTF-8 text. NULs are dropped because
        /// both chunk types use NUL as their separator.
        static func insertingText(keyword: String, text: String, into png: Data) throws -> Data {
            let ihdrEnd = 8 + 25
            guard png.count > ihdrEnd, png.dropFirst(12).prefix(4).elementsEqual(Array("IHDR".utf8)) else {
                throw CreativeError(.unsupportedMedia, "libvips did not produce a PNG.")
            }
            let scalars = text.unicodeScalars.filter { $0 != "\0" }
            let type: String
            var body = Array(keyword.utf8) + [0]
            if scalars.allSatisfy({ $0.value <= 0xFF }) {
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
}
