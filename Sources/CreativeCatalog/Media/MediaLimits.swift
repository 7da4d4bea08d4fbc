import Foundation

/// What an image may declare in its header: checked before a pixel is decoded, so a file of a
/// few hundred bytes that declares 65000 × 65000 pixels costs a header read, not seconds of
/// decoding and gigabytes of memory. Every door that stores media passes through it (see
/// `AssetCatalog.prepare`).
public struct MediaLimits: Sendable, Equatable {
    public static let defaultMaxPixels = 100_000_000
    public static let defaultMaxFrames = 1_000
    /// libvips' GIF loader stops counting frames past this many.
    static let countedFrames = 4_096

    /// Largest width × height accepted.
    public var maxPixels: Int
    /// Most frames (pages) of an animation or a multi-page file.
    public var maxFrames: Int

    public init(maxPixels: Int = defaultMaxPixels, maxFrames: Int = defaultMaxFrames) {
        // A setting below one would refuse every image; it is read as one.
        (self.maxPixels, self.maxFrames) = (max(1, maxPixels), max(1, maxFrames))
    }

    /// The limits `library.json` sets, with defaults for those it leaves out.
    public init(_ settings: LibrarySettings) {
        self.init(maxPixels: settings.maxImagePixels ?? Self.defaultMaxPixels, maxFrames: settings.maxImageFrames ?? Self.defaultMaxFrames)
    }

    /// Checks an image's header measurements; media that is not an image passes.
    /// - Throws: `unsupported_media` with a sentence naming what the header declares, the
    ///   limit, and the `library.json` setting that raises it.
    public func check(_ info: MediaInfo) throws(CreativeError) {
        guard info.type == .image else { return }
        let (width, height) = (info.width ?? 0, info.height ?? 0)
        let (pixels, overflow) = width.multipliedReportingOverflow(by: height)
        if overflow || pixels > maxPixels {
            throw CreativeError(
                .unsupportedMedia,
                "The image declares \(width) × \(height) pixels (\(Self.megapixels(overflow ? Int.max : pixels)) megapixels); this library takes at most "
                    + "\(Self.megapixels(maxPixels)) megapixels (maxImagePixels in library.json).",
                field: "data")
        }
        if let frames = info.frames, frames > maxFrames {
            let count = frames > Self.countedFrames ? "more than \(Self.countedFrames)" : "\(frames)"
            throw CreativeError(
                .unsupportedMedia,
                "The image has \(count) frames; this library takes at most \(maxFrames) (maxImageFrames in library.json).", field: "data")
        }
    }

    /// Megapixels for a sentence: whole from 10 up, else three significant digits.
    static func megapixels(_ pixels: Int) -> String {
        pixels >= 10_000_000 ? "\((pixels + 500_000) / 1_000_000)" : String(format: "%.3g", Double(pixels) / 1_000_000)
    }
}

extension LibraryStore {
    /// The media limits `library.json` sets now (read each time: a person may edit it while the
    /// engine runs).
    /// - Throws: `invalid_sidecar` when library.json cannot be parsed.
    public func mediaLimits() throws(CreativeError) -> MediaLimits {
        MediaLimits(try settings())
    }
}
