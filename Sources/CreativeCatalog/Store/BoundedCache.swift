import Synchronization

/// A thread-safe dictionary that keeps at most `capacity` entries, dropping the oldest insert
/// first. Callers validate what they get back (a stat, an equal source value): this only bounds
/// memory, it never decides what is current. Inlinable so that callers in other modules get it
/// specialized: unspecialized, the generic metadata lookups cost more than the dictionary.
public final class BoundedCache<Key: Hashable & Sendable, Value: Sendable>: Sendable {
    @usableFromInline struct State {
        @usableFromInline var entries: [Key: Value] = [:]
        /// Keys in insertion order, as a ring: `next` is the oldest once the ring is full.
        @usableFromInline var order: [Key] = []
        @usableFromInline var next = 0

        @usableFromInline init() {}
    }

    @usableFromInline let state = Mutex(State())
    @usableFromInline let capacity: Int

    public init(capacity: Int) {
        precondition(capacity > 0)
        self.capacity = capacity
    }

    @inlinable public subscript(key: Key) -> Value? {
        state.withLock { $0.entries[key] }
    }

    @inlinable public func insert(_ value: Value, for key: Key) {
        state.withLock { state in
            guard state.entries.updateValue(value, forKey: key) == nil else { return }
            if state.order.count < capacity {
                state.order.append(key)
            } else {
                state.entries[state.order[state.next]] = nil
                state.order[state.next] = key
                state.next = (state.next + 1) % capacity
            }
        }
    }

    /// Changes the value for `key` in place, if there is one (its place in the ring stays).
    @inlinable public func update(_ key: Key, _ body: (inout Value) -> Void) {
        state.withLock { state in
            if var value = state.entries[key] {
                body(&value)
                state.entries[key] = value
            }
        }
    }

    /// Forgets `key`. Its slot in the ring stays until its turn comes (evicting it then may drop
    /// the key if it was inserted again meanwhile: an early miss, never more than `capacity`).
    @inlinable public func remove(_ key: Key) {
        _ = state.withLock { $0.entries.removeValue(forKey: key) }
    }

    @inlinable public func removeAll() {
        state.withLock { $0 = State() }
    }

    @inlinable public var count: Int { state.withLock { $0.entries.count } }
}
