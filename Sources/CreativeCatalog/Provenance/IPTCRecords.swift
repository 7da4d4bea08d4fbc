import Foundation

/// IPTC-IIM (the "IPTC" panel of photo tools): 2:05 object name, 2:120 caption, 2:25 keywords.
/// libvips hands over JPEG's APP13 block: "Photoshop 3.0\0", then 8BIM resources, the IPTC data
/// in resource 0x0404; each dataset is 0x1C, record, dataset, a 2-byte length, the value.
enum IPTCRecords {
    static func parse(_ block: Data) -> XMPPacket.Found? {
        let bytes = [UInt8](block)
        guard let iim = bytes.first == 0x1C ? bytes[...] : resource(0x0404, in: bytes) else { return nil }
        var found = XMPPacket.Found()
        var at = iim.startIndex
        // 1:90 says the text is UTF-8 (ESC % G); without it, Latin-1 is the convention.
        var utf8 = false
        while at + 5 <= iim.endIndex, iim[at] == 0x1C {
            let (record, dataset) = (iim[at + 1], iim[at + 2])
            let length = Int(iim[at + 3]) << 8 | Int(iim[at + 4])
            // Lengths with the top bit set are the rare "extended" form; values that long are not text we want.
            guard length & 0x8000 == 0, at + 5 + length <= iim.endIndex else { break }
            let value = Array(iim[(at + 5)..<(at + 5 + length)])
            at += 5 + length
            if record == 1, dataset == 90 { utf8 = value == [0x1B, 0x25, 0x47] }
            guard record == 2 else { continue }
            let text =
                (utf8 ? String(bytes: value, encoding: .utf8) : nil) ?? String(bytes: value, encoding: .utf8) ?? String(bytes: value, encoding: .isoLatin1)
            guard let text = text?.trimmingCharacters(in: .whitespacesAndNewlines), !text.isEmpty else { continue }
            switch dataset {
            case 5: found.title = text
            case 120: found.description = text
            case 25: found.keywords.append(text)
            default: break
            }
        }
        return found
    }

    /// The data of a Photoshop image resource: "8BIM", id (2), Pascal name padded to even, size (4), data padded to even.
    private static func resource(_ id: UInt16, in bytes: [UInt8]) -> ArraySlice<UInt8>? {
        var at = 0
        let header = Array("Photoshop 3.0\0".utf8)
        if bytes.starts(with: header) { at = header.count }
        while at + 12 <= bytes.count, bytes[at..<at + 4].elementsEqual(Array("8BIM".utf8)) {
            let found = UInt16(bytes[at + 4]) << 8 | UInt16(bytes[at + 5])
            var name = Int(bytes[at + 6]) + 1
            if name % 2 == 1 { name += 1 }
            let sizeAt = at + 6 + name
            guard sizeAt + 4 <= bytes.count else { return nil }
            let size = Int(bytes[sizeAt]) << 24 | Int(bytes[sizeAt + 1]) << 16 | Int(bytes[sizeAt + 2]) << 8 | Int(bytes[sizeAt + 3])
            let start = sizeAt + 4
            guard size >= 0, start + size <= bytes.count else { return nil }
            if found == id { return bytes[start..<start + size] }
            at = start + size + (size % 2)
        }
        return nil
    }
}
