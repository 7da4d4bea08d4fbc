import CreativeCatalog
import CreativeGeneration
import Foundation
import Logging
import Synchronization

/// Turns inbox files into jobs. A file is taken with one rename (so two engines never take the
/// same one); a valid request becomes a job whose folder keeps a copy of the file; an invalid one
/// moves to inbox/failed/ with its error file. Nothing is ever lost.
public final class Intake: Sendable {
    let library: CreativeLibrary
    let logger: Logger
    let defaultUser: String
    /// Files reported closed-after-write or moved in: complete, no need to wait for them to settle.
    private let closed = Mutex<Set<String>>([])
    /// Files written in place are taken only after they stop changing for this long (seconds).
    static let settleTime = 0.5

    public init(library: CreativeLibrary, defaultUser: String = "local", logger: Logger = Logger(label: "creative.inbox")) {
        self.library = library
        self.defaultUser = defaultUser
        self.logger = logger
    }

    /// Notes a file the watcher saw closed or moved in (library-relative path).
    func markClosed(_ path: String) {
        _ = closed.withLock { $0.insert(path) }
    }

    /// Takes every waiting file that is complete. - Returns: the ids of the jobs made, and
    /// whether some file is still settling (look again shortly).
    @discardableResult
    public func run() -> (jobs: [String], waiting: Bool) {
        var ready: [InboxFile] = []
        var waiting = false
        let now = Int64(Date().timeIntervalSince1970 * 1e9)
        for file in library.store.inboxFiles(ignoring: IgnoreRules.ignores) {
            let wasClosed = closed.withLock { $0.remove(file.path) != nil }
            if file.special == nil && !wasClosed && Double(now - file.mtime) / 1e9 < Self.settleTime {
                waiting = true
                continue
            }
            ready.append(file)
        }
        // Files are taken in batches: each is parsed and its job folder written on one of four
        // threads, then the batch is made durable at once (group commit, `createAll`; a small
        // batch flushes each folder as it is written instead) and only then do the requests
        // leave the inbox. Each job gets its id (time) when it is taken.
        var made: [String] = []
        let folders = library.store.inboxFolders()
        for start in stride(from: 0, to: ready.count, by: Self.batch) {
            let files = Array(ready[start..<min(ready.count, start + Self.batch)])
            let sync = LibraryStore.flushesEach(files.count)
            let batch = files.concurrentMap { take($0, sync: sync, folders: folders) }.compactMap { $0 }
            var results = library.store.createAll(batch.flatMap(\.1))[...]
            for (claimed, entities) in batch {
                // A media drop stages its asset and its job: it is taken only when both are in place.
                let outcome = results.prefix(entities.count)
                results = results.dropFirst(entities.count)
                let failure = outcome.lazy.compactMap { result -> CreativeError? in
                    guard case .failure(let error) = result else { return nil }
                    return error
                }.first
                if let failure {
                    reject(claimed, failure)
                    continue
                }
                library.disk.succeeded()
                library.store.finishIntake(claimed)
                logger.info("\(claimed.file.path) → job \(claimed.jobId)")
                made.append(claimed.jobId)
            }
        }
        return (made, waiting)
    }

    /// Files taken and committed together (one flush for all of them).
    static let batch = 256

    /// Takes a file and writes its job's folder under a temp name (a media file: its asset's too);
    /// a request that cannot become a job goes to inbox/failed at once.
    /// - Returns: what `createAll` then puts in place.
    private func take(_ file: InboxFile, sync: Bool, folders: InboxFolders) -> (ClaimedInboxFile, [LibraryStore.StagedEntity])? {
        let jobId = ULID.make()
        let claimed: ClaimedInboxFile
        do throws(CreativeError) {
            guard let c = try library.store.claimInboxFile(file, jobId: jobId, folders: folders) else { return nil }
            claimed = c
        } catch {
            logger.warning("could not take \(file.path): \(error.message)")
            return nil
        }
        let user = file.userFolder ?? defaultUser
        do throws(CreativeError) {
            if let special = file.special {
                throw CreativeError(
                    .unsupportedMedia,
                    special == .symbolicLink
                        ? "\(file.name) is a symbolic link; links are never followed inside a library, so copy the file itself into inbox/."
                        : "\(file.name) is \(special.rawValue), not a file; only regular files are read from inbox/, so save the request as a plain file.")
            }
            if let problem = file.nameProblem {
                throw CreativeError(
                    .invalidInput, "\(problem); it was moved here as \(file.name), so give it a short UTF-8 name and drop it into inbox/ again.")
            }
            if AssetCatalog.isInboxMedia(file.name) {
                return (claimed, try library.assets.stageInboxImport(claimed, userId: user, sync: sync))
            }
            let request = try InboxParser.parse(name: file.name, data: claimed.data)
            let job = try JobFactory.make(request, userId: user, id: jobId, source: file.path, library: library)
            let ext = (file.name as NSString).pathExtension.lowercased()
            let staged = try library.store.stage(job, in: "jobs", files: [library.store.requestCopy(claimed, name: "request.\(ext)")], sync: sync)
            return (claimed, [staged])
        } catch {
            reject(claimed, error)
            return nil
        }
    }

    private func reject(_ claimed: ClaimedInboxFile, _ error: CreativeError) {
        if error.code == .diskFull {
            // Not the request's fault: it goes back to the inbox and is taken again once space returns.
            library.disk.failed(error)
            if !library.store.returnIntake(claimed) { logger.error("could not put \(claimed.file.path) back into the inbox; it waits under its intake name") }
            return
        }
        do throws(CreativeError) {
            let moved = try library.store.failIntake(claimed, reason: error.message)
            logger.notice("\(claimed.file.path) rejected → \(moved): \(error.message)")
        } catch let failure {
            logger.error("could not move \(claimed.file.path) to inbox/failed: \(failure.message)")
        }
    }
}
