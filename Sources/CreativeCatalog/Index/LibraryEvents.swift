import Foundation
import Synchronization

/// A change to the library as the index saw it: through the store (this process's writes) or
/// through a reconcile (another process, a file manager, rsync).
public struct LibraryEvent: Sendable, Equatable {
    public var kind: EntityKind
    public var id: String
    /// The owner, so a listener shows a user only their own changes (and public ones).
    public var userId: String
    /// The entity left the library (deleted, moved to the trash, or its folder taken away).
    public var removed: Bool

    public init(kind: EntityKind, id: String, userId: String, removed: Bool) {
        (self.kind, self.id, self.userId, self.removed) = (kind, id, userId, removed)
    }
}

/// Hands every index change to whoever listens (the gallery's event stream). Publishing never
/// blocks: a listener that falls behind loses its oldest events, not the writer's time.
public final class LibraryEvents: Sendable {
    private let listeners = Mutex<[UUID: AsyncStream<LibraryEvent>.Continuation]>([:])
    /// Events a slow listener may have waiting.
    static let buffer = 1024

    public init() {}

    /// A stream of the changes from now on; it ends when the listener stops iterating.
    public func subscribe() -> AsyncStream<LibraryEvent> {
        let (stream, continuation) = AsyncStream.makeStream(of: LibraryEvent.self, bufferingPolicy: .bufferingNewest(Self.buffer))
        let id = UUID()
        listeners.withLock { $0[id] = continuation }
        continuation.onTermination = { [weak self] _ in _ = self?.listeners.withLock { $0.removeValue(forKey: id) } }
        return stream
    }

    public var listenerCount: Int { listeners.withLock { $0.count } }

    func publish(_ events: [LibraryEvent]) {
        guard !events.isEmpty else { return }
        let current = listeners.withLock { Array($0.values) }
        for continuation in current {
            for event in events { continuation.yield(event) }
        }
    }
}
