import Foundation
import Synchronization

/// Time-sortable ids (ULID: 48-bit milliseconds + 80 random bits, Crockford base 32). Ids made in
/// the same millisecond by one process increase, so creation order survives a sort by id.
public enum ULID {
    private static let alphabet = Array("0123456789ABCDEFGHJKMNPQRSTVWXYZ".utf8)
    private static let last = Mutex<(ms: UInt64, random: (UInt16, UInt64))>((0, (0, 0)))

    public static func make(at date: Date = Date()) -> String {
        let ms = UInt64(max(0, date.timeIntervalSince1970 * 1000))
        let (time, random) = last.withLock { state -> (UInt64, (UInt16, UInt64)) in
            let fresh = (UInt16.random(in: 0...UInt16.max), UInt64.random(in: 0...UInt64.max))
            if ms == state.ms {
                // Same millisecond: increment the 80-bit random part so ids keep their order.
                var (high, low) = state.random
                low &+= 1
                if low == 0 { high = high &+ 1 }
                state.random = (high, low)
                return (ms, state.random)
            }
            if ms > state.ms { state = (ms, fresh) }
            return (ms, fresh)
        }
        var chars = [UInt8](repeating: 0, count: 26)
        var t = time
        for i in stride(from: 9, through: 0, by: -1) {
            chars[i] = alphabet[Int(t & 31)]
            t >>= 5
        }
        // 80 random bits → 16 characters, low bits last.
        var low = random.1
        var high = UInt64(random.0)
        for i in stride(from: 25, through: 10, by: -1) {
            chars[i] = alphabet[Int(low & 31)]
            low = (low >> 5) | ((high & 31) << 59)
            high >>= 5
        }
        return String(decoding: chars, as: UTF8.self)
    }

    /// The creation time encoded in a ULID, or nil when `id` is not one.
    public static func date(of id: String) -> Date? {
        var ms: UInt64 = 0
        for byte in id.utf8.prefix(10) {
            guard let v = alphabet.firstIndex(of: byte) else { return nil }
            ms = ms << 5 | UInt64(v)
        }
        return Date(timeIntervalSince1970: Double(ms) / 1000)
    }
}
