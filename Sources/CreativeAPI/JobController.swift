import CreativeCatalog
import CreativeGeneration
import Foundation
import Hummingbird

/// Jobs: GET /jobs (newest first, `?status=&limit=&cursor=`), POST /job/:id/cancel.
struct JobController {
    let generation: Generation

    func add(to group: RouterGroup<APIContext>) {
        group.get("jobs") { request, context in
            let query = request.uri.queryParameters
            let status = try query["status"].map { (text) throws(CreativeError) -> JobStatus in
                guard let status = JobStatus(rawValue: String(text)) else {
                    throw .invalid("status", "status must be queued, running, succeeded, failed or cancelled.")
                }
                return status
            }
            let limit = try query["limit"].map { (text) throws(CreativeError) -> Int in
                guard let limit = Int(String(text)), (1...500).contains(limit) else { throw .invalid("limit", "limit must be between 1 and 500.") }
                return limit
            }
            let (index, user, cursor) = (generation.library.index, context.userId, query["cursor"].map(String.init))
            let page = try await BlockingPool.db.run { () throws(CreativeError) in
                try index.listJobs(userId: user, status: status, limit: limit, cursor: cursor)
            }
            return Page(items: page.items.map(Presented.job), nextCursor: page.nextCursor)
        }
        group.post("job/:id/cancel") { _, context in
            Presented.job(try await generation.cancel(try context.parameters.require("id"), userId: context.userId))
        }
    }
}
