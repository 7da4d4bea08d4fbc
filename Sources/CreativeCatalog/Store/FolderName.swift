import Foundation

/// Folder names are for people: `<slug>--<id>`. The id inside the sidecar is the identity.
enum FolderName {
    /// Bytes kept for the slug, well under the 255-byte name limit of common filesystems.
    static let maxSlugBytes = 80

    static func make(title: String, id: String) -> String {
        "\(slug(title))--\(id)"
    }

    /// Lower-case words joined by `-`; letters of any script are kept, everything else becomes a
    /// separator; truncated on a UTF-8 character boundary.
    static func slug(_ title: String) -> String {
        var out = ""
        var pendingDash = false
        for ch in title.lowercased() {
            if ch.isLetter || ch.isNumber {
                if pendingDash && !out.isEmpty { out.append("-") }
                pendingDash = false
                if out.utf8.count + ch.utf8.count > maxSlugBytes { break }
                out.append(ch)
            } else {
                pendingDash = true
            }
        }
        while out.hasSuffix("-") { out.removeLast() }
        return out.isEmpty ? "untitled" : out
    }

    /// Whether a name (its bytes) is an entity's: an id (26 Crockford base-32 characters) after
    /// `--`, or the id alone. Counted in bytes: walks ask this of every folder in a library.
    static func isEntityName(_ name: some BidirectionalCollection<UInt8>) -> Bool {
        guard name.count >= 26 else { return false }
        let start = name.index(name.endIndex, offsetBy: -26)
        let slug = name[..<start]
        return name[start...].allSatisfy(Validation.isIdByte) && (slug.isEmpty || slug.reversed().starts(with: "--".utf8))
    }

    /// The id a folder name ends with, if it has the `--<id>` form (or is just the id).
    /// Counted in bytes: the watcher and the janitor ask this of every folder in a library.
    static func id(in name: String) -> String? {
        let bytes = name.utf8
        guard bytes.count >= 26 else { return nil }
        let start = bytes.index(bytes.endIndex, offsetBy: -26)
        let prefix = bytes[..<start]
        guard bytes[start...].allSatisfy({ $0 < 0x80 }), prefix.isEmpty || prefix.reversed().starts(with: "--".utf8) else { return nil }
        return String(name[start...])
    }
}

extension LibraryStore {
    /// Of two folders holding the same id (one copied by hand), whether the library keeps `a`
    /// over `b`: the folder whose name carries the id (the one `locate` finds by name), then the
    /// path that sorts first component by component, so that `2025-01/fox--X` keeps over the
    /// copies `2025-01 copy/fox--X` and `2025-01 (copy)/fox--X` (a whole-string comparison would
    /// put " " and "(" before "/") — the same answer on every pass and on every machine.
    public static func keeps(_ a: String, over b: String, id: String) -> Bool {
        let named = { (path: String) in FolderName.id(in: String(path.split(separator: "/").last ?? "")) == id }
        if named(a) != named(b) { return named(a) }
        return a.split(separator: "/").lexicographicallyPrecedes(b.split(separator: "/"))
    }
}

extension LibraryStore {
    /// Whether a folder name is an entity's (`<slug>--<id>`): such folders gain no new entities,
    /// so the watcher leaves them to the sweep (see `SidecarSweep`).
    public static func isEntityFolderName(_ name: String) -> Bool { FolderName.isEntityName(name.utf8) }
}
