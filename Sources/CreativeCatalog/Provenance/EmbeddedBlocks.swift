import CExif
import CVips
import Foundation

/// The metadata blocks an image file carries, as found: PNG text chunks (tEXt, iTXt, zTXt), the
/// EXIF UserComment, the XMP packet and the IPTC block. Read through libvips from the header
/// only (the pixels are never decoded) and libexif; each block is capped at `maxBlock` bytes.
struct EmbeddedBlocks: Sendable {
    /// PNG text chunks by keyword, in file order.
    var texts: [(key: String, value: String)] = []
    var userComment: String?
    var xmp: String?
    var iptc: Data?
    /// Blocks found but not kept, as sentences.
    var problems: [String] = []

    static let maxBlock = 1 << 20

    func text(_ key: String) -> String? { texts.first { $0.key == key }?.value }

    /// The blocks of an image libvips loaded (its header is enough).
    static func read(_ image: UnsafeMutablePointer<VipsImage>) -> EmbeddedBlocks {
        var blocks = EmbeddedBlocks()
        guard let fields = vips_image_get_fields(image) else { return blocks }
        defer { g_strfreev(fields) }
        var at = 0
        while let field = fields[at] {
            at += 1
            blocks.take(String(cString: field), from: image)
        }
        return blocks
    }

    private mutating func take(_ name: String, from image: UnsafeMutablePointer<VipsImage>) {
        if name.hasPrefix("png-comment-") {
            // png-comment-<n>-<keyword>
            let keyword = name.dropFirst("png-comment-".count).drop { $0 != "-" }.dropFirst()
            guard let value = string(name, image) else { return }
            if keyword == "XML:com.adobe.xmp" { xmp = value } else { texts.append((String(keyword), value)) }
        } else if name == "exif-data", let exif = blob(name, image) {
            userComment = Self.userComment(exif)
        } else if name == "xmp-data", let packet = blob(name, image) {
            xmp = String(decoding: packet, as: UTF8.self)
        } else if name == "iptc-data" {
            iptc = blob(name, image)
        }
    }

    private mutating func string(_ name: String, _ image: UnsafeMutablePointer<VipsImage>) -> String? {
        var value: UnsafePointer<CChar>?
        guard vips_image_get_string(image, name, &value) == 0, let value else {
            vips_error_clear()
            return nil
        }
        guard strlen(value) <= Self.maxBlock else {
            problems.append("The \(name.dropFirst("png-comment-".count)) text chunk is larger than 1 MiB and was not read.")
            return nil
        }
        return String(cString: value)
    }

    private mutating func blob(_ name: String, _ image: UnsafeMutablePointer<VipsImage>) -> Data? {
        var pointer: UnsafeRawPointer?
        var length = 0
        guard vips_image_get_blob(image, name, &pointer, &length) == 0, let pointer else {
            vips_error_clear()
            return nil
        }
        guard length <= Self.maxBlock else {
            problems.append("The \(name.dropLast(5)) block is larger than 1 MiB and was not read.")
            return nil
        }
        return Data(bytes: pointer, count: length)
    }

    /// The EXIF UserComment as text. Its first 8 bytes name the encoding: `UNICODE\0` (UTF-16;
    /// A1111 writes big-endian, some tools the EXIF block's byte order), `ASCII\0\0\0`, or zeros.
    static func userComment(_ exif: Data) -> String? {
        var bytes = [UInt8](exif)
        // WebP's EXIF chunk is the bare TIFF structure; libexif wants the JPEG APP1 header.
        if bytes.starts(with: Array("II*\0".utf8)) || bytes.starts(with: Array("MM\0*".utf8)) {
            bytes = Array("Exif\0\0".utf8) + bytes
        }
        guard let parsed = exif_data_new_from_data(bytes, UInt32(bytes.count)) else { return nil }
        defer { exif_data_unref(parsed) }
        let ifd = parsed.pointee.ifd.2  // EXIF_IFD_EXIF (0: IFD0, 1: IFD1, 2: Exif)
        guard let ifd, let entry = exif_content_get_entry(ifd, EXIF_TAG_USER_COMMENT), entry.pointee.size > 8, let raw = entry.pointee.data
        else { return nil }
        let value = [UInt8](UnsafeBufferPointer(start: raw, count: Int(entry.pointee.size)))
        let prefix = value.prefix(8)
        let body = Array(value.dropFirst(8))
        let text: String?
        if prefix.elementsEqual(Array("UNICODE\0".utf8)) {
            // ASCII-range text in UTF-16 has its zero bytes first (big-endian) or second.
            let evenZeros = stride(from: 0, to: body.count, by: 2).filter { body[$0] == 0 }.count
            let oddZeros = stride(from: 1, to: body.count, by: 2).filter { body[$0] == 0 }.count
            text = String(data: Data(body), encoding: oddZeros > evenZeros ? .utf16LittleEndian : .utf16BigEndian)
        } else {
            text = String(data: Data(body), encoding: .utf8) ?? String(data: Data(body), encoding: .isoLatin1)
        }
        return text?.trimmingCharacters(in: CharacterSet(charactersIn: "\0")).nilIfEmpty
    }
}

extension String {
    var nilIfEmpty: String? { isEmpty ? nil : self }
}
