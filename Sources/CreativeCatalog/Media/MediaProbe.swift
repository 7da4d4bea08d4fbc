import CVips
import Foundation

/// What the bytes of a media file say about it. Never trusted from a request.
public struct MediaInfo: Sendable, Equatable {
    public var type: MediaType?
    /// png, jpeg, webp, gif, svg, tiff, heif … for images; the extension for other media.
    public var format: String?
    public var width: Int?
    public var height: Int?
    /// Frames (pages) of an image, from its header: 1 for a still image.
    public var frames: Int?
    public var fileSize: Int
    /// The file extension to store the media under.
    public var fileExtension: String
}

/// Image probing and thumbnails through libvips.
public enum MediaProbe {
    /// libvips started, once per process for every caller: vips_init must not run on two threads
    /// at once (libvips' documentation), which two separate lazy starts allowed.
    package static let initialized: Bool = {
        guard vips_init("creative") == 0 else { return false }
        // libvips warns on stderr once per bad scanline (60,000 lines for one hostile PNG); a
        // refused file's sentence already says what is wrong.
        cv_quiet_warnings()
        // Every buffer we hand libvips is new: its operation cache only costs hashing (and memory).
        vips_cache_set_max(0)
        return true
    }()

    /// Inspects media bytes. Images are recognised by libvips from their content; other media
    /// by the extension of `fileName`.
    /// - Parameter header: sees the image as libvips loaded its header (import reads metadata
    ///   from it), when the bytes are an image.
    public static func inspect(
        _ data: Data, fileName: String?, header: (UnsafeMutablePointer<VipsImage>) -> Void = { _ in }
    ) -> MediaInfo {
        let ext = fileName.map { URL(fileURLWithPath: $0).pathExtension.lowercased() } ?? ""
        if let image = imageInfo(data, header: header) {
            return MediaInfo(
                type: .image, format: image.format, width: image.width, height: image.height, frames: image.frames,
                fileSize: data.count, fileExtension: image.format == "jpeg" ? "jpg" : image.format)
        }
        let safeExt = ext.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) }) && (1...8).contains(ext.count) ? ext : "bin"
        return MediaInfo(
            type: mediaType(forExtension: safeExt), format: safeExt == "bin" ? nil : safeExt,
            width: nil, height: nil, frames: nil, fileSize: data.count, fileExtension: safeExt)
    }

    static func mediaType(forExtension ext: String) -> MediaType? {
        switch ext {
        case "mp4", "webm", "mov", "mkv", "avi", "m4v": .video
        case "mp3", "wav", "ogg", "oga", "flac", "m4a", "aac", "opus": .audio
        case "txt", "md", "markdown", "html", "json": .text
        default: nil
        }
    }

    /// The image's header as libvips loads it (lazily: no pixel is decoded here).
    private static func imageInfo(
        _ data: Data, header: (UnsafeMutablePointer<VipsImage>) -> Void
    ) -> (format: String, width: Int, height: Int, frames: Int)? {
        guard initialized, !data.isEmpty else { return nil }
        return data.withUnsafeBytes { raw -> (String, Int, Int, Int)? in
            guard let base = raw.baseAddress, let loader = vips_foreign_find_load_buffer(base, raw.count) else {
                vips_error_clear()
                return nil
            }
            let name = String(cString: loader).lowercased()
            guard let image = cv_image_new_from_buffer(base, raw.count) else {
                vips_error_clear()
                return nil
            }
            defer { cv_unref(image) }
            header(image)
            let formats = ["png", "jpeg", "webp", "gif", "svg", "tiff", "heif", "jp2k", "jxl", "pdf"]
            let format = formats.first { name.contains($0) } ?? "image"
            return (format, Int(vips_image_get_width(image)), Int(vips_image_get_height(image)), Int(vips_image_get_n_pages(image)))
        }
    }

    /// Whether a loaded image can be its own thumbnail (see `thumbnail`); unrefs it when not.
    private static func fitsAsIs(_ image: UnsafeMutablePointer<VipsImage>, size: Int) -> Bool {
        let loader = vips_image_get_string_safe(image, "vips-loader").map { String(cString: $0) } ?? ""
        let interpretation = vips_image_get_interpretation(image)
        let fits =
            loader.hasPrefix("png") && vips_image_get_format(image) == VIPS_FORMAT_UCHAR
            && (interpretation == VIPS_INTERPRETATION_sRGB || interpretation == VIPS_INTERPRETATION_B_W)
            && vips_image_get_width(image) <= size && vips_image_get_height(image) <= size
        if !fits { cv_unref(image) }
        return fits
    }

    /// A WebP thumbnail of 8-bit RGB pixels that fits inside `size` × `size` (never enlarged): a
    /// generator that has its pixels makes it beside its own encode instead of decoding that after.
    public static func thumbnail(rgb: [UInt8], width: Int, height: Int, size: Int = 512) -> Data? {
        guard initialized, rgb.count == width * height * 3, width > 0, height > 0 else { return nil }
        // vips evaluates lazily: shrink and encode while the pixels are still borrowed.
        return rgb.withUnsafeBytes { raw -> Data? in
            guard let image = vips_image_new_from_memory(raw.baseAddress, raw.count, Int32(width), Int32(height), 3, VIPS_FORMAT_UCHAR) else {
                vips_error_clear()
                return nil
            }
            defer { cv_unref(image) }
            guard width > size || height > size else { return webp(image) }
            var thumb: UnsafeMutablePointer<VipsImage>?
            guard cv_thumbnail_image(image, &thumb, Int32(size), Int32(size)) == 0, let thumb else {
                vips_error_clear()
                return nil
            }
            defer { cv_unref(thumb) }
            return webp(thumb)
        }
    }

    private static func webp(_ image: UnsafeMutablePointer<VipsImage>) -> Data? {
        try? encodeWebP(image).get()
    }

    /// The WebP bytes, or libvips' reason (a lazy image decodes here, so a load error shows here).
    private static func encodeWebP(_ image: UnsafeMutablePointer<VipsImage>) -> Result<Data, CreativeError> {
        var out: UnsafeMutableRawPointer?
        var length = 0
        // Effort 2 of 6: at 512 × 512, 14 ms against 33 ms at libvips's default 4, for a file
        // 5–11% larger. A generated picture's thumbnail is made beside its PNG, so this is on
        // the way from a prompt to its asset.
        guard cv_webpsave_buffer(image, &out, &length, 80, 2) == 0, let out else {
            return .failure(undecodable(takeError()))
        }
        defer { cv_free(out) }
        return .success(Data(bytes: out, count: length))
    }

    /// A WebP thumbnail that fits inside `size` × `size` (never enlarged); nil when the bytes are
    /// not an image libvips can decode completely.
    public static func thumbnail(_ data: Data, size: Int = 512) -> Data? {
        try? decodedThumbnail(data, size: size)
    }

    /// A WebP thumbnail that fits inside `size` × `size` (never enlarged). Making it decodes the
    /// image, with libvips failing on truncated or corrupt data: the one decode an import pays
    /// for is also its check that the file is whole. Check the header (`MediaLimits`) first.
    /// - Throws: `unsupported_media` with libvips' reason when the image cannot be decoded.
    public static func decodedThumbnail(_ data: Data, size: Int = 512) throws(CreativeError) -> Data {
        guard initialized, !data.isEmpty else { throw undecodable(nil) }
        var copy = data
        // vips evaluates lazily: thumbnail and encode while the input bytes are still borrowed.
        let made = copy.withUnsafeMutableBytes { raw -> Result<Data, CreativeError> in
            guard let base = raw.baseAddress else { return .failure(undecodable(nil)) }
            var thumb: UnsafeMutablePointer<VipsImage>?
            // An 8-bit sRGB or grey PNG that already fits needs no shrinking, colour conversion or
            // rotation (PNG has no EXIF orientation): it is encoded as it is, without the thumbnail
            // operation's pipeline — for small images that pipeline was most of an import.
            if let image = cv_image_new_from_buffer_strict(base, raw.count), Self.fitsAsIs(image, size: size) {
                thumb = image
            } else {
                vips_error_clear()
                guard cv_thumbnail_buffer(base, raw.count, &thumb, Int32(size), Int32(size)) == 0 else {
                    return .failure(undecodable(takeError()))
                }
            }
            guard let thumb else { return .failure(undecodable(nil)) }
            defer { cv_unref(thumb) }
            return encodeWebP(thumb)
        }
        return try made.get()
    }

    /// libvips' error text, first line, cleared from its buffer.
    private static func takeError() -> String? {
        let text = vips_error_buffer().map { String(cString: $0) } ?? ""
        vips_error_clear()
        let line = text.split(separator: "\n").first.map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
        return line.isEmpty ? nil : line
    }

    private static func undecodable(_ reason: String?) -> CreativeError {
        let why = reason.map { " (\($0))" } ?? ""
        return CreativeError(
            .unsupportedMedia, "The image is truncated or corrupt and cannot be decoded\(why); save or export it again from its source.", field: "data")
    }
}
