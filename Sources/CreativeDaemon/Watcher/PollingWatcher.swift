import CreativeCatalog
import Foundation
import Synchronization

/// Polls the trees every `interval` seconds and reports files whose size or mtime changed since
/// the last look (and that did not change between two looks, so half-written files wait). For
/// network filesystems, where inotify does not see other machines' writes.
public final class PollingWatcher: FolderWatcher {
    public let events: AsyncStream<WatchEvent>
    private let looking: Task<Void, Never>

    public init(roots: [String], interval: Double = 1.0) {
        let (stream, continuation) = AsyncStream.makeStream(of: WatchEvent.self, bufferingPolicy: .unbounded)
        events = stream
        // A task that sleeps between looks; each look walks the trees on the io pool.
        looking = Task {
            var seen: [String: (Int, Double)] = [:]
            while !Task.isCancelled {
                guard
                    let now = try? await BlockingPool.io.run({ () -> [String: (Int, Double)] in
                        var now: [String: (Int, Double)] = [:]
                        for root in roots { Self.list(root, into: &now) }
                        return now
                    })
                else { break }
                for (path, stat) in now where seen[path].map({ $0 != stat }) ?? true {
                    continuation.yield(.fileReady(path))
                }
                for path in seen.keys where now[path] == nil { continuation.yield(.removed(path)) }
                seen = now
                try? await Task.sleep(for: .seconds(interval))
            }
            continuation.finish()
        }
    }

    private static func list(_ root: String, into result: inout [String: (Int, Double)]) {
        guard let walker = FileManager.default.enumerator(atPath: root) else { return }
        while let relative = walker.nextObject() as? String {
            let name = (relative as NSString).lastPathComponent
            if IgnoreRules.ignores(name) {
                if walker.fileAttributes?[.type] as? FileAttributeType == .typeDirectory { walker.skipDescendants() }
                continue
            }
            guard let attributes = walker.fileAttributes, attributes[.type] as? FileAttributeType == .typeRegular else { continue }
            let size = attributes[.size] as? Int ?? 0
            let mtime = (attributes[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0
            result["\(root)/\(relative)"] = (size, mtime)
        }
    }

    public func stop() {
        looking.cancel()
    }
}
