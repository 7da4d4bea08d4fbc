import GRDB
import GRDBSQLite

/// `creative_rank(item_fts, sizes, weight, …)`: FTS5's bm25 without its inverse document
/// frequencies.
///
/// bm25 weighs each phrase of a query by how rare it is in the whole index, which it learns by
/// walking every phrase's full list of matching rows on each query — the owner's (every asset of
/// the user: 50,000 at 1,000,000) and each word's across all users. That walk was most of a
/// search. Here each phrase weighs the same; the column weights, term frequencies and the length
/// normalisation are bm25's (k1 = 1.2, b = 0.75). Every result contains every plain word of the
/// query, so only queries of several words rank differently (a rare word no longer outweighs a
/// common one). Lower is better, as with bm25.
enum SearchRank {
    static let name = "creative_rank"

    /// The rank of an `item_fts` match, weights in column order (title, description, prompt,
    /// negativePrompt, tags). Needs ``join`` in the query's FROM.
    static let expression = "\(name)(item_fts, item_size.sz, 10.0, 2.0, 1.0, 0.5, 5.0)"

    /// Each match's column sizes, read by the query itself: FTS5's xColumnSize looks them up with
    /// a statement of its own per match, which was most of ranking a search (0.3 of 0.5 ms for 150
    /// matches at 100,000 assets; as a join, 0.1). `sz` is FTS5's record of a row's token count
    /// per column (its docsize shadow table), as varints; when it is missing or does not read,
    /// the function asks FTS5.
    static let join = "LEFT JOIN item_fts_docsize item_size ON item_size.id = item_fts.rowid"

    /// Adds the function to a connection (every connection of the index's pool).
    static func register(_ db: Database) {
        let api = FTS5.api(db)
        _ = api.pointee.xCreateFunction(UnsafeMutablePointer(mutating: api), name, nil, rank, nil)
    }

    private static let rank: fts5_extension_function = { api, fts, context, count, values in
        guard let api = api?.pointee, let fts, let values, count >= 1 else { return }
        let (k1, b) = (1.2, 0.75)
        let phrases = Int(api.xPhraseCount(fts))
        var instances: Int32 = 0
        guard api.xInstCount(fts, &instances) == SQLITE_OK, let length = length(api, fts, sizes: values[0]),
            let average = averageLength(api, fts)
        else {
            sqlite3_result_error(context, "creative_rank could not read the match", -1)
            return
        }
        let normalised = k1 * (1 - b + b * Double(length) / max(average, 1))
        let score = withUnsafeTemporaryAllocation(of: Double.self, capacity: max(phrases, 1)) { frequency -> Double in
            frequency.initialize(repeating: 0)
            for instance in 0..<instances {
                var (phrase, column, offset): (Int32, Int32, Int32) = (0, 0, 0)
                guard api.xInst(fts, instance, &phrase, &column, &offset) == SQLITE_OK, Int(phrase) < phrases else { continue }
                let weight = column + 1 < count ? sqlite3_value_double(values[Int(column) + 1]) : 1
                frequency[Int(phrase)] += weight
            }
            return frequency.reduce(0) { sum, f in f > 0 ? sum + f * (k1 + 1) / (f + normalised) : sum }
        }
        sqlite3_result_double(context, -score)
    }

    /// The match's length in tokens, all columns: the sum of the varints of its `sz` record, or
    /// FTS5's answer when there is no record or it does not read.
    private static func length(_ api: Fts5ExtensionApi, _ fts: OpaquePointer, sizes: OpaquePointer?) -> Int? {
        if sqlite3_value_type(sizes) == SQLITE_BLOB, let blob = sqlite3_value_blob(sizes) {
            let bytes = UnsafeRawBufferPointer(start: blob, count: Int(sqlite3_value_bytes(sizes)))
            var (total, value, open) = (0, 0, false)
            // SQLite varints: big-endian groups of seven bits, the high bit set on all but the last.
            for byte in bytes {
                value = value << 7 | Int(byte & 0x7F)
                open = byte & 0x80 != 0
                if !open { (total, value) = (total + value, 0) }
                if value > Int(Int32.max) { break }
            }
            if !open && value == 0 { return total }
        }
        var length: Int32 = 0
        return api.xColumnSize(fts, -1, &length) == SQLITE_OK ? Int(length) : nil
    }

    /// The average document length, read once per query and kept as the function's auxiliary
    /// data: xRowCount and xColumnTotalSize read the index's totals record again on each call.
    private static func averageLength(_ api: Fts5ExtensionApi, _ fts: OpaquePointer) -> Double? {
        if let kept = api.xGetAuxdata(fts, 0) { return kept.load(as: Double.self) }
        var (rows, total): (Int64, Int64) = (0, 0)
        guard api.xRowCount(fts, &rows) == SQLITE_OK, api.xColumnTotalSize(fts, -1, &total) == SQLITE_OK else { return nil }
        let average = rows > 0 ? Double(total) / Double(rows) : 1
        if let slot = sqlite3_malloc(Int32(MemoryLayout<Double>.size)) {
            slot.storeBytes(of: average, as: Double.self)
            // On failure SQLite frees the slot itself; the next call then reads the totals again.
            _ = api.xSetAuxdata(fts, slot) { sqlite3_free($0) }
        }
        return average
    }
}
