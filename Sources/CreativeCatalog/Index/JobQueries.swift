import Foundation
import GRDB

/// A job the runner may claim.
public struct RunnableJob: Sendable, Equatable {
    public var id: String
    public var status: JobStatus
}

extension LibraryIndex {
    /// Queued jobs by priority (highest first) then age (oldest first), then running jobs (whose
    /// worker may have died). The claim and the sidecar decide; this only orders the attempts.
    public func runnableJobs(limit: Int) throws(CreativeError) -> [RunnableJob] {
        try read { db in
            let queued = try Row.fetchAll(
                db,
                sql: """
                    SELECT id, status FROM item WHERE kind = 'job' AND status = 'queued'
                    ORDER BY priority DESC, createdAt ASC, id ASC LIMIT ?
                    """, arguments: [limit])
            let running = try Row.fetchAll(
                db,
                sql: """
                    SELECT id, status FROM item WHERE kind = 'job' AND status = 'running' ORDER BY createdAt ASC LIMIT ?
                    """, arguments: [limit])
            return (queued + running).compactMap { row in
                JobStatus(rawValue: row["status"]).map { RunnableJob(id: row["id"], status: $0) }
            }
        }
    }

    /// A user's jobs, newest first, optionally of one status.
    public func listJobs(userId: String, status: JobStatus?, limit: Int?, cursor: String?) throws(CreativeError) -> Page<GenerationJob> {
        var q = Query(kind: .job)
        q.where("i.userId = ?", userId)
        if let status { q.where("i.status = ?", status.rawValue) }
        return try pageOf(q, sort: .createdAt, order: .desc, limit: limit, cursor: cursor, as: GenerationJob.self)
    }

    /// What a user's assets cost since `date` (USD), for the monthly budget.
    public func spent(userId: String, since date: Date) throws(CreativeError) -> Double {
        try read { db in
            try Double.fetchOne(
                db, sql: "SELECT total(cost) FROM item WHERE kind = 'asset' AND userId = ? AND createdAt >= ?",
                arguments: [userId, Self.milliseconds(date)]) ?? 0
        }
    }

    /// Failed jobs by provider, for metrics.
    public func failedJobsByProvider() throws(CreativeError) -> [(String, Int)] {
        try read { db in
            try Row.fetchAll(
                db, sql: "SELECT coalesce(provider, 'unknown') AS p, count(*) AS n FROM item WHERE kind = 'job' AND status = 'failed' GROUP BY p ORDER BY p"
            )
            .map { ($0["p"], $0["n"]) }
        }
    }

    /// The cost of every asset (USD).
    public func totalCost() throws(CreativeError) -> Double {
        try read { db in try Double.fetchOne(db, sql: "SELECT total(cost) FROM item WHERE kind = 'asset'") ?? 0 }
    }

    /// Counts of jobs by status (all users), for progress reports and metrics.
    public func jobCounts() throws(CreativeError) -> [JobStatus: Int] {
        try read { db in
            var counts: [JobStatus: Int] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT status, count(*) AS n FROM item WHERE kind = 'job' GROUP BY status") {
                if let status = JobStatus(rawValue: row["status"]) { counts[status] = row["n"] }
            }
            return counts
        }
    }
}
