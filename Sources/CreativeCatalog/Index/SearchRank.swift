import GRDB
import GRDBSQLite

/// `creative_rank(item_fts, weight, …)`: FTS5's bm25 without its inverse document frequencies.
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

    /// Adds the function to a connection (every connection of the index's pool).
    static func register(_ db: Database) {
        let api = FTS5.api(db)
        _ = api.pointee.xCreateFunction(UnsafeMutablePointer(mutating: api), name, nil, rank, nil)
    }

    private static let rank: fts5_extension_function = { api, fts, context, count, values in
        guard let api = api?.pointee, let fts else { return }
        let (k1, b) = (1.2, 0.75)
        let phrases = Int(api.xPhraseCount(fts))
        var instances: Int32 = 0
        var (rows, total, length): (Int64, Int64, Int32) = (0, 0, 0)
        guard api.xInstCount(fts, &instances) == SQLITE_OK, api.xRowCount(fts, &rows) == SQLITE_OK,
            api.xColumnTotalSize(fts, -1, &total) == SQLITE_OK, api.xColumnSize(fts, -1, &length) == SQLITE_OK
        else {
            sqlite3_result_error(context, "creative_rank could not read the match", -1)
            return
        }
        let average = rows > 0 ? Double(total) / Double(rows) : 1
        let normalised = k1 * (1 - b + b * Double(length) / max(average, 1))
        let score = withUnsafeTemporaryAllocation(of: Double.self, capacity: max(phrases, 1)) { frequency -> Double in
            frequency.initialize(repeating: 0)
            for instance in 0..<instances {
                var (phrase, column, offset): (Int32, Int32, Int32) = (0, 0, 0)
                guard api.xInst(fts, instance, &phrase, &column, &offset) == SQLITE_OK, Int(phrase) < phrases else { continue }
                frequency[Int(phrase)] += column < count ? sqlite3_value_double(values?[Int(column)]) : 1
            }
            return frequency.reduce(0) { sum, f in f > 0 ? sum + f * (k1 + 1) / (f + normalised) : sum }
        }
        sqlite3_result_double(context, -score)
    }
}
