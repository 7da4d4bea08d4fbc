import Foundation

#if canImport(Glibc)
import Glibc
#endif

extension LibraryStore {
    /// Removes temp files and half-made folders the store left behind when a process died:
    /// names of the form `.NAME.HOST.PID.RANDOM.tmp` whose process is gone (same host) or that
    /// are older than `maxAge` seconds (another host). Runs at start-up and every hour in a
    /// running engine.
    /// - Returns: the library-relative paths removed.
    @discardableResult
    public func removeStrayTempFiles(maxAge: Double = 3600) -> [String] {
        var removed: [String] = []
        let now = Date().timeIntervalSince1970
        func walk(_ dir: Descriptor, _ path: String) {
            // Temp files are dot files: of the rest only folders are wanted (no String for a file).
            let wanted = { (name: UnsafeBufferPointer<UInt8>, type: Int32) in
                name.first == UInt8(ascii: ".") || type == Int32(DT_DIR) || type == Int32(DT_UNKNOWN)
            }
            for entry in POSIX.entries(dir, keeping: wanted) {
                let child = path.isEmpty ? entry.name : "\(path)/\(entry.name)"
                if Self.isStray(entry.name, age: now - (POSIX.info(dir, entry.name)?.mtime ?? now), maxAge: maxAge) {
                    POSIX.removeTree(dir, entry.name)
                    removed.append(child)
                } else if entry.isDirectory, entry.name != ".index", let sub = try? POSIX.openDirectory(dir, entry.name) {
                    walk(sub, child)
                }
            }
        }
        walk(rootDir, "")
        return removed
    }

    /// `age` is evaluated (a stat(2)) only for a temp-file name whose writer is not known dead:
    /// the walk visits every folder of the library.
    static func isStray(_ name: String, age: @autoclosure () -> Double, maxAge: Double) -> Bool {
        guard name.hasPrefix("."), name.hasSuffix(".tmp") else { return false }
        let parts = name.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count >= 5, let pid = Int32(parts[parts.count - 3]), UInt32(parts[parts.count - 2]) != nil else {
            return false
        }
        return POSIX.isGone(pid: pid, host: String(parts[parts.count - 4])) || age() > maxAge
    }
}
