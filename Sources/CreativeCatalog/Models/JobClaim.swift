import Foundation

/// `jobs/<id>/claim`: which worker runs a job, and enough to judge, from anywhere, whether that
/// worker can still be at work (see docs/SCHEMA.md, JobClaim).
public struct JobClaim: Codable, Sendable, Equatable {
    /// `host.pid`, for people reading the file.
    public var owner: String
    public var host: String
    public var pid: Int32
    public var bootId: String
    /// The `.library-id` of the library copy the worker opened.
    public var library: String
    /// Random per claim: only its maker renews, finishes and releases it.
    public var token: String
    public var claimedAt: Date
    public var leaseSeconds: Double
    /// The last renewal: the claim file's mtime (not stored in the JSON).
    public var renewedAt = Date.distantPast

    public enum CodingKeys: String, CodingKey, CaseIterable {
        case owner, host, pid, bootId, library, token, claimedAt, leaseSeconds
    }

    public static let fieldNames = CodingKeys.allCases.map(\.rawValue)

    public init(host: String, pid: Int32, bootId: String, library: String, token: String, claimedAt: Date, leaseSeconds: Double) {
        (self.owner, self.host, self.pid, self.bootId) = ("\(host).\(pid)", host, pid, bootId)
        (self.library, self.token, self.claimedAt, self.leaseSeconds) = (library, token, claimedAt, leaseSeconds)
    }

    public var expiresAt: Date { renewedAt.addingTimeInterval(leaseSeconds) }
}

/// What a worker makes of a claim it finds on a job it could run.
public enum ClaimVerdict: Sendable, Equatable {
    /// Its worker is, or may be, at work (a paused process keeps its job): leave it.
    case live
    /// Its worker cannot be at work: break the claim and run the job. Says why.
    case dead(String)
    /// Another host or another copy of the library holds it: run only on purpose
    /// (`creative job retry`). Says who.
    case heldElsewhere(String)
}

/// The answer of a renewal.
public enum ClaimRenewal: Sendable, Equatable {
    case renewed
    /// The claim is gone or another worker's: give the job up.
    case lost
    /// The claim could not be read or touched (a storage hiccup): try again.
    case unknown
}
