#if canImport(Glibc)
import Glibc
#endif
import CreativeModels
import Foundation

extension LibraryStore {
    /// Removes temp files and half-made folders the store left behind when a process died:
    /// names of the form `.NAME.HOST.PID.RANDOM.tmp` whose process is gone (same host) or that
    /// are older than `maxAge` seconds (another host). Run at start-up.
    /// - Returns: the library-relative paths removed.
    @discardableResult
    public func removeStrayTempFiles(maxAge: Double = 3600) -> [String] {
        var removed: [String] = []
        let now = Date().timeIntervalSince1970
        func walk(_ dir: Descriptor, _ path: String) {
            for entry in POSIX.entries(dir) {
                let child = path.isEmpty ? entry.name : "\(path)/\(entry.name)"
                // stat(2) only names that look like temp files: this walk visits every folder.
                if Self.looksLikeTemp(entry.name), Self.isStray(entry.name, age: now - (POSIX.info(dir, entry.name)?.mtime ?? now), maxAge: maxAge) {
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

    static func looksLikeTemp(_ name: String) -> Bool {
        name.hasPrefix(".") && name.hasSuffix(".tmp")
    }

    static func isStray(_ name: String, age: Double, maxAge: Double) -> Bool {
        guard looksLikeTemp(name) else { return false }
        let parts = name.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count >= 5, let pid = Int32(parts[parts.count - 3]), UInt32(parts[parts.count - 2]) != nil else {
            return false
        }
        if parts[parts.count - 4] == POSIX.hostName, pid != getpid(), kill(pid, 0) != 0, errno == ESRCH {
            return true
        }
        return age > maxAge
    }
}
