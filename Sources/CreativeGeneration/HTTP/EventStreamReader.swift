import Foundation
import Synchronization

/// Reads a streamed answer (server-sent events) as its bytes arrive: each complete event is
/// folded into `State` on the transfer thread, so the answer is assembled while it streams and
/// progress is reported per event, not after the body ends.
final class EventStreamReader<State: Sendable>: Sendable {
    private let state: Mutex<(parser: ServerSentEvents, value: State, events: Int)>
    private let fold: @Sendable (inout State, ServerSentEvent) -> Void
    private let progress: (@Sendable (Int) -> Void)?

    /// - Parameters:
    ///   - initial: the state before any event.
    ///   - progress: called with the number of events read so far.
    ///   - fold: folds one event into the state.
    init(_ initial: State, progress: (@Sendable (Int) -> Void)? = nil, fold: @escaping @Sendable (inout State, ServerSentEvent) -> Void) {
        state = Mutex((ServerSentEvents(), initial, 0))
        (self.fold, self.progress) = (fold, progress)
    }

    /// The body callback for `HTTPRequest.onChunk`.
    var onChunk: @Sendable (Data) -> Void {
        { [self] chunk in
            let count = state.withLock { state in
                let events = state.parser.feed(chunk)
                for event in events { fold(&state.value, event) }
                state.events += events.count
                return events.isEmpty ? nil : state.events
            }
            if let count { progress?(count) }
        }
    }

    /// The state after the events read so far.
    var value: State { state.withLock { $0.value } }
}
