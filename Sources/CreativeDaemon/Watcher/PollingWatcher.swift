import Foundation
import Synchronization

/// Polls the trees every `interval` seconds and reports files whose size or mtime changed since
/// the last look (and that did not change between two looks, so half-written files wait). For
/// network filesystems, where inotify does not see other machines' writes.
public final class PollingWatcher: FolderWatcher {
    public let events: AsyncStream<WatchEvent>
    private let stopping = StopFlag()

    public init(roots: [String], interval: Double = 1.0) {
        let (stream, continuation) = AsyncStream.makeStream(of: WatchEvent.self, bufferingPolicy: .unbounded)
        events = stream
        let thread = Thread { [stopping] in
            var seen: [String: (Int, Double)] = [:]
            while !stopping.isSet {
                var now: [String: (Int, Double)] = [:]
                for root in roots { Self.list(root, into: &now) }
                for (path, stat) in now where seen[path].map({ $0 != stat }) ?? true {
                    continuation.yield(.fileReady(path))
                }
                for path in seen.keys where now[path] == nil { continuation.yield(.removed(path)) }
                seen = now
                Thread.sleep(forTimeInterval: interval)
            }
            continuation.finish()
        }
        thread.name = "creative-poll"
        thread.start()
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
        stopping.set()
    }
}
