import CExif
import CWebPMux
import Foundation

/// Writes an asset's provenance into its media the way A1111 does, so PNG Info, sd-parsers and
/// Infinite Image Browsing read it back: a PNG `parameters` text chunk, or an EXIF UserComment
/// (`UNICODE` + UTF-16BE) in JPEG and WebP; plus an XMP packet with title, description and tags.
/// The pixels are never decoded or re-encoded: chunks and segments are replaced in place.
public enum ProvenanceWriter {
    /// What is written: the seed's generation fields, and title, description and tags.
    public struct Provenance: Sendable {
        var prompt, negativePrompt, model, sampler, title, description, provider: String?
        var seed, steps, width, height: Int?
        var guidance: Double?
        var tags: [String] = []

        public init(_ a: CreativeAsset) {
            (prompt, negativePrompt, model, sampler, title, description, provider) = (
                a.prompt, a.negativePrompt, a.model, a.sampler, a.title, a.description, a.provider
            )
            (seed, steps, width, height, guidance, tags) = (a.seed, a.steps, a.width, a.height, a.guidance, a.tags)
        }

        public init(_ i: AssetInput, width: Int?, height: Int?) {
            (prompt, negativePrompt, model, sampler, title, description, provider) = (
                i.prompt, i.negativePrompt, i.model, i.sampler, i.title, i.description, i.provider
            )
            (seed, steps, guidance, tags) = (i.seed, i.steps, i.guidance, i.tags ?? [])
            (self.width, self.height) = (width, height)
        }

        /// A1111's parameters text; nil without a prompt.
        var parametersText: String? {
            guard let prompt else { return nil }
            let settings = A1111Parameters.settings(
                steps: steps, sampler: sampler, guidance: guidance, seed: seed, width: width, height: height, model: model)
            return A1111Parameters.format(prompt: prompt, negativePrompt: negativePrompt, settings: settings)
        }

        var xmp: String { XMPPacket.make(title: title, description: description, keywords: tags, provider: provider, model: model) }
    }

    /// The media with the asset's provenance in it; nil for formats other than PNG, JPEG and WebP.
    /// - Throws: `unsupported_media` when the file's structure is broken.
    public static func embed(_ asset: CreativeAsset, in media: Data) throws(CreativeError) -> Data? {
        try embed(Provenance(asset), format: asset.format, in: media)
    }

    public static func embed(_ p: Provenance, format: String?, in media: Data) throws(CreativeError) -> Data? {
        switch format {
        case "png": try png(media, parameters: p.parametersText, xmp: p.xmp)
        case "jpeg": try jpeg(media, userComment: p.parametersText, xmp: p.xmp)
        case "webp": try webp(media, userComment: p.parametersText, xmp: p.xmp)
        default: nil
        }
    }

    /// A provider's image with the provenance the built-in provider writes, so the file says how
    /// it was made wherever it is copied; as it came when it already carries generation
    /// parameters (an SD web UI's own) or has no place for them. Blocking (a header read).
    public static func stamped(_ input: AssetInput, media: Data) -> Data {
        var blocks = EmbeddedBlocks()
        let info = MediaProbe.inspect(media, fileName: nil) { image in blocks = EmbeddedBlocks.read(image) }
        guard blocks.text("parameters") == nil, blocks.userComment == nil,
            let stamped = try? embed(Provenance(input, width: info.width, height: info.height), format: info.format, in: media)
        else { return media }
        return stamped
    }

    static func png(_ media: Data, parameters: String?, xmp: String) throws(CreativeError) -> Data {
        guard var out = PNGText.removing(keywords: ["parameters", "XML:com.adobe.xmp"], from: media) else {
            throw CreativeError(.unsupportedMedia, "The PNG's chunk structure is broken.")
        }
        out = try PNGText.inserting(keyword: "XML:com.adobe.xmp", text: xmp, into: out, utf8: true)
        if let parameters { out = try PNGText.inserting(keyword: "parameters", text: parameters, into: out) }
        return out
    }

    static let exifHeader = Array("Exif\0\0".utf8)
    static let xmpHeader = Array("http://ns.adobe.com/xap/1.0/\0".utf8)

    /// Replaces the APP1 Exif and XMP segments (keeping the rest of an existing EXIF block).
    static func jpeg(_ media: Data, userComment: String?, xmp: String) throws(CreativeError) -> Data {
        let bytes = [UInt8](media)
        let broken = CreativeError(.unsupportedMedia, "The JPEG's segment structure is broken.")
        guard bytes.count > 4, bytes[0] == 0xFF, bytes[1] == 0xD8 else { throw broken }
        var kept: [ArraySlice<UInt8>] = []
        var exif: [UInt8]?
        var at = 2
        while true {
            guard at + 4 <= bytes.count, bytes[at] == 0xFF else { throw broken }
            let marker = bytes[at + 1]
            if marker == 0xDA { break }  // start of scan: the image data follows
            let length = Int(bytes[at + 2]) << 8 | Int(bytes[at + 3])
            guard length >= 2, at + 2 + length <= bytes.count else { throw broken }
            let segment = bytes[at..<(at + 2 + length)]
            let payload = segment.dropFirst(4)
            if marker == 0xE1, payload.starts(with: exifHeader) {
                exif = Array(payload)
            } else if !(marker == 0xE1 && payload.starts(with: xmpHeader)) {
                kept.append(segment)
            }
            at += 2 + length
        }
        var added: [[UInt8]] = []
        if let userComment { added.append(try segment(0xE1, exifWithUserComment(userComment, existing: exif))) }
        added.append(try segment(0xE1, xmpHeader + Array(xmp.utf8)))
        // JFIF wants its APP0 first.
        let jfifFirst = kept.first.map { $0[$0.startIndex + 1] == 0xE0 } ?? false
        var out = Data([0xFF, 0xD8])
        if jfifFirst { out.append(contentsOf: kept.removeFirst()) }
        for segment in added { out.append(contentsOf: segment) }
        for segment in kept { out.append(contentsOf: segment) }
        out.append(contentsOf: bytes[at...])
        return out
    }

    private static func segment(_ marker: UInt8, _ payload: [UInt8]) throws(CreativeError) -> [UInt8] {
        guard payload.count + 2 <= 0xFFFF else {
            throw CreativeError(.tooLarge, "The provenance is too long for one JPEG segment (64 KiB).")
        }
        let length = payload.count + 2
        return [0xFF, marker, UInt8(length >> 8), UInt8(length & 0xFF)] + payload
    }

    /// Sets the EXIF and XMP chunks through libwebpmux (which also writes the VP8X header they need).
    static func webp(_ media: Data, userComment: String?, xmp: String) throws(CreativeError) -> Data {
        let result = media.withUnsafeBytes { raw -> Result<Data, CreativeError> in
            do throws(CreativeError) { return .success(try webp(raw, userComment: userComment, xmp: xmp)) } catch { return .failure(error) }
        }
        return try result.get()
    }

    private static func webp(_ raw: UnsafeRawBufferPointer, userComment: String?, xmp: String) throws(CreativeError) -> Data {
        var input = WebPData(bytes: raw.bindMemory(to: UInt8.self).baseAddress, size: raw.count)
        guard let mux = WebPMuxCreate(&input, 1) else { throw CreativeError(.unsupportedMedia, "The WebP file's structure is broken.") }
        defer { WebPMuxDelete(mux) }
        var existing = WebPData()
        let old: [UInt8]? =
            WebPMuxGetChunk(mux, "EXIF", &existing) == WEBP_MUX_OK ? Array(UnsafeBufferPointer(start: existing.bytes, count: existing.size)) : nil
        func set(_ fourcc: String, _ bytes: [UInt8]) -> Bool {
            bytes.withUnsafeBufferPointer { buffer in
                var chunk = WebPData(bytes: buffer.baseAddress, size: buffer.count)
                return WebPMuxSetChunk(mux, fourcc, &chunk, 1) == WEBP_MUX_OK
            }
        }
        if let userComment {
            // A WebP EXIF chunk is the bare TIFF structure, without JPEG's "Exif\0\0".
            let tiff = Array(try exifWithUserComment(userComment, existing: old.map { $0.starts(with: exifHeader) ? $0 : exifHeader + $0 }).dropFirst(6))
            guard set("EXIF", tiff) else { throw CreativeError(.unsupportedMedia, "libwebpmux could not add the EXIF chunk.") }
        }
        guard set("XMP ", Array(xmp.utf8)) else { throw CreativeError(.unsupportedMedia, "libwebpmux could not add the XMP chunk.") }
        var output = WebPData()
        guard WebPMuxAssemble(mux, &output) == WEBP_MUX_OK, let bytes = output.bytes else {
            throw CreativeError(.unsupportedMedia, "libwebpmux could not write the WebP file.")
        }
        defer { WebPDataClear(&output) }
        return Data(bytes: bytes, count: output.size)
    }

    /// An EXIF block ("Exif\0\0" + TIFF) whose UserComment is `text`, keeping an existing
    /// block's other entries. A1111 (piexif) writes `UNICODE\0` then UTF-16 big-endian.
    static func exifWithUserComment(_ text: String, existing: [UInt8]?) throws(CreativeError) -> [UInt8] {
        let data = existing.flatMap { bytes in exif_data_new_from_data(bytes, UInt32(bytes.count)) } ?? exif_data_new()
        guard let data else { throw CreativeError(.unsupportedMedia, "libexif could not make an EXIF block.") }
        defer { exif_data_unref(data) }
        if existing == nil { exif_data_set_byte_order(data, EXIF_BYTE_ORDER_INTEL) }
        guard let ifd = data.pointee.ifd.2 else { throw CreativeError(.unsupportedMedia, "libexif has no Exif IFD.") }  // EXIF_IFD_EXIF
        if let old = exif_content_get_entry(ifd, EXIF_TAG_USER_COMMENT) { exif_content_remove_entry(ifd, old) }
        var value = Array("UNICODE\0".utf8)
        for unit in text.utf16 { value += [UInt8(unit >> 8), UInt8(unit & 0xFF)] }
        guard let entry = exif_entry_new() else { throw CreativeError(.unsupportedMedia, "libexif could not make an entry.") }
        defer { exif_entry_unref(entry) }
        // libexif frees an entry's data with free(): allocate it with malloc.
        guard let storage = malloc(value.count)?.assumingMemoryBound(to: UInt8.self) else { throw CreativeError(.storage, "Out of memory.") }
        storage.update(from: value, count: value.count)
        entry.pointee.tag = EXIF_TAG_USER_COMMENT
        entry.pointee.format = EXIF_FORMAT_UNDEFINED
        entry.pointee.components = UInt(value.count)
        entry.pointee.size = UInt32(value.count)
        entry.pointee.data = storage
        exif_content_add_entry(ifd, entry)
        var out: UnsafeMutablePointer<UInt8>?
        var size: UInt32 = 0
        exif_data_save_data(data, &out, &size)
        guard let out, size > 6 else { throw CreativeError(.unsupportedMedia, "libexif could not write the EXIF block.") }
        defer { free(out) }
        return Array(UnsafeBufferPointer(start: out, count: Int(size)))
    }
}
