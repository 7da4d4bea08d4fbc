import Foundation

/// Metadata other tools keep beside an image instead of inside it: `NAME.txt` holding the prompt
/// (or A1111's whole parameters text), and Eagle's `metadata.json` in its `ID.info` folder.
extension ImportedMetadata {
    static let neighbourLimit = 1 << 20

    mutating func readNeighbours(dir: Descriptor, name: String, folder: String) {
        let stem = (name as NSString).deletingPathExtension
        if !stem.isEmpty, stem + ".txt" != name {
            readSidecarText(dir: dir, name: stem + ".txt")
        }
        if folder.hasSuffix(".info") { readEagle(dir: dir) }
    }

    private mutating func readSidecarText(dir: Descriptor, name: String) {
        let data: Data?
        do throws(CreativeError) {
            data = try POSIX.readFile(dir, name, limit: Self.neighbourLimit)
        } catch {
            problems.append("\(name) beside the image was not read: \(error.message)")
            return
        }
        guard let data else { return }
        guard let text = String(data: data, encoding: .utf8)?.trimmingCharacters(in: .whitespacesAndNewlines), !text.isEmpty else {
            problems.append("\(name) beside the image is not UTF-8 text.")
            return
        }
        embedded["sidecarText"] = .string(text)
        guard generator == nil || prompt == nil else { return }
        if generator == nil, !A1111Parameters.parse(text).settings.isEmpty {
            readA1111(text)
        } else if prompt == nil {
            prompt = text
            if generator == nil { generator = "sidecar-text" }
        }
    }

    /// Eagle keeps each item in `images/<ID>.info/` with `metadata.json`: name, annotation, tags.
    private mutating func readEagle(dir: Descriptor) {
        let data: Data?
        do throws(CreativeError) {
            data = try POSIX.readFile(dir, "metadata.json", limit: Self.neighbourLimit)
        } catch {
            problems.append("Eagle's metadata.json was not read: \(error.message)")
            return
        }
        guard let data else { return }
        guard case .object(let m)? = Self.json(String(decoding: data, as: UTF8.self)) else {
            problems.append("Eagle's metadata.json is not valid JSON.")
            return
        }
        title = m["name"]?.stringValue?.nilIfEmpty ?? title
        description = m["annotation"]?.stringValue?.nilIfEmpty ?? description
        let eagleTags = (m["tags"]?.arrayValue ?? []).compactMap(\.stringValue)
        if !eagleTags.isEmpty { tags = eagleTags }
        if let url = m["url"]?.stringValue?.nilIfEmpty { embedded["eagleUrl"] = .string(url) }
        if generator == nil || ["xmp", "iptc", "sidecar-text"].contains(generator) { generator = "eagle" }
    }

    /// An Eagle folder's thumbnail (`NAME_thumbnail.png` beside `NAME.ext`): not an asset of its own.
    static func isEagleThumbnail(_ name: String, folder: String) -> Bool {
        folder.hasSuffix(".info") && (name as NSString).deletingPathExtension.hasSuffix("_thumbnail")
    }
}
