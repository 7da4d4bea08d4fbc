/// Names that are not ours to act on: other programs' temporaries and half-written files.
public enum IgnoreRules {
    /// True for dotfiles (rsync's `.NAME.XXXXXX`, Syncthing's `.syncthing.NAME.tmp`, editor swap
    /// files, our own temp files), `*.tmp`, `*.part`, `*.crdownload`, `*~`, `~syncthing~*`,
    /// `*.swp` and `*.swx`.
    public static func ignores(_ name: String) -> Bool {
        if name.isEmpty || name.hasPrefix(".") || name.hasPrefix("~syncthing~") || name.hasSuffix("~") { return true }
        let lower = name.lowercased()
        return [".tmp", ".part", ".crdownload", ".swp", ".swx", ".intake"].contains { lower.hasSuffix($0) }
    }
}
