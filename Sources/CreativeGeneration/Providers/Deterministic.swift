// Shared by the built-in providers: the same request must make the same output on every run.

/// FNV-1a over UTF-8. Swift's `hashValue` is seeded per process, which would make output
/// change between runs; this one is stable across runs, platforms and Swift versions.
enum StableHash {
    static func fnv1a(_ text: String, basis: UInt64 = 0xcbf2_9ce4_8422_2325) -> UInt64 {
        var hash = basis
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        return hash
    }
}

/// SplitMix64. The standard library's shuffling algorithms are not guaranteed to stay the
/// same across releases, so choices and shuffles are implemented here on top of it.
struct SeededGenerator: Sendable {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9e37_79b9_7f4a_7c15
        var z = state
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }

    /// A value in `0..<upperBound`; 0 when the bound is not positive.
    mutating func int(below upperBound: Int) -> Int {
        guard upperBound > 0 else { return 0 }
        return Int(next() % UInt64(upperBound))
    }

    mutating func pick<T>(_ items: [T], default fallback: T) -> T {
        items.isEmpty ? fallback : items[int(below: items.count)]
    }

    /// Fisher–Yates with this generator, so the order is reproducible everywhere.
    mutating func shuffled<T>(_ items: [T]) -> [T] {
        var result = items
        var index = result.count - 1
        while index > 0 {
            result.swapAt(index, int(below: index + 1))
            index -= 1
        }
        return result
    }

    /// Uniform in 0..<1 from the top 24 bits (a Float's mantissa).
    mutating func unit() -> Float { Float(next() >> 40) / Float(1 << 24) }

    mutating func range(_ low: Float, _ high: Float) -> Float { low + (high - low) * unit() }

    mutating func pick<T>(_ items: [T]) -> T { items[Int(next() % UInt64(items.count))] }
}
