import CreativeCatalog
import Foundation
import Hummingbird
import ServiceLifecycle

/// `GET /events`: Server-Sent Events of the acting user's changes, as the index sees them —
/// this server's writes, the watcher's intake and whatever a file manager or rsync did.
///
/// - `event: asset` / `event: template`, data `{"id": …, "change": "stored" | "removed"}`
/// - `event: job`, data: the job as `GET /image/{id}/status` answers it (status, progress, resultAssetId)
///
/// A comment line every 15 seconds keeps proxies from closing the stream and shows a hang-up.
struct EventsController {
    let library: CreativeLibrary
    static let heartbeat: Duration = .seconds(15)
    /// Messages a slow client may have waiting before the oldest are dropped.
    static let buffer = 1024

    enum Item: Sendable {
        case change(LibraryEvent)
        case ping
    }

    func add(to group: RouterGroup<APIContext>) {
        group.get("events") { _, context in
            let (library, user) = (library, context.userId)
            let (items, feed) = AsyncStream.makeStream(of: Item.self, bufferingPolicy: .bufferingNewest(Self.buffer))
            let changes = library.index.events.subscribe()
            let forward = Task {
                for await event in changes where event.userId == user { feed.yield(.change(event)) }
                feed.finish()
            }
            let beat = Task {
                while !Task.isCancelled {
                    try? await Task.sleep(for: Self.heartbeat)
                    feed.yield(.ping)
                }
            }
            let body = ResponseBody { writer in
                defer {
                    forward.cancel()
                    beat.cancel()
                }
                try await writer.write(ByteBuffer(string: "retry: 2000\n: connected\n\n"))
                // The stream never ends by itself: a server shutting down ends it.
                try await withGracefulShutdownHandler {
                    for await item in items {
                        switch item {
                        case .ping:
                            try await writer.write(ByteBuffer(string: ": ping\n\n"))
                        case .change(let event):
                            guard let text = try await Self.message(event, library: library) else { continue }
                            try await writer.write(ByteBuffer(string: text))
                        }
                    }
                } onGracefulShutdown: {
                    feed.finish()
                }
                try await writer.finish(nil)
            }
            return Response(
                status: .ok, headers: [.contentType: "text/event-stream", .cacheControl: "no-cache"],
                body: body)
        }
    }

    /// The SSE message for a change; nil for kinds a client is not told about.
    static func message(_ event: LibraryEvent, library: CreativeLibrary) async throws -> String? {
        let data: Data
        switch event.kind {
        case .job:
            guard !event.removed else { return nil }
            let index = library.index
            guard let job = try await BlockingPool.db.run({ () throws(CreativeError) in try index.current(GenerationJob.self, id: event.id) }) else {
                return nil
            }
            data = try JSONCoding.encoder(pretty: false).encode(Presented.job(job))
        case .asset, .template:
            data = try JSONCoding.encoder(pretty: false).encode(["id": event.id, "change": event.removed ? "removed" : "stored"])
        }
        return "event: \(event.kind.rawValue)\ndata: \(String(decoding: data, as: UTF8.self))\n\n"
    }
}
