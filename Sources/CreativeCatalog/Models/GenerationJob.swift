import Foundation

/// One generation request and its progress: `jobs/<id>/job.json`. Written in full (seed included)
/// before generation starts, so a crash loses nothing. The runner arrives with the inbox issue.
public struct GenerationJob: Sidecar {
    public var id: String
    public var userId: String
    public var type: MediaType
    public var status: JobStatus
    /// Higher runs first; ties run oldest first.
    public var priority: Int
    public var prompt: String
    public var negativePrompt: String?
    public var model: String?
    public var parameters: [String: JSONValue]?
    public var templateId: String?
    /// Percent, 0–100.
    public var progress: Int
    public var currentStep: Int?
    public var totalSteps: Int?
    /// The result media, relative to the library root (`assets/2026-11/fox--01J…/image.png`).
    public var resultUrl: String?
    public var thumbnailUrl: String?
    public var errorMessage: String?
    public var provider: String?
    /// USD.
    public var cost: Double?
    /// Seconds.
    public var estimatedTime: Double?
    /// Seconds.
    public var actualTime: Double?
    public var createdAt: Date
    public var updatedAt: Date
    public var startedAt: Date?
    public var completedAt: Date?
    /// Our addition: the asset the job produced.
    public var resultAssetId: String?
    /// Our addition: the library copy the job was queued in (`.library-id`).
    public var libraryId: String?

    public enum CodingKeys: String, CodingKey, CaseIterable {
        case id, userId, type, status, priority, prompt, negativePrompt, model, parameters, templateId
        case progress, currentStep, totalSteps, resultUrl, thumbnailUrl, errorMessage
        case provider, cost, estimatedTime, actualTime, createdAt, updatedAt, startedAt, completedAt
        case resultAssetId, libraryId
    }

    public static let kind = EntityKind.job
    public static let fieldNames = CodingKeys.allCases.map(\.rawValue)
    public var folderTitle: String { id }

    public init(id: String, userId: String, type: MediaType, prompt: String, createdAt: Date) {
        self.id = id
        self.userId = userId
        self.type = type
        self.status = .queued
        self.priority = 0
        self.prompt = prompt
        self.progress = 0
        self.createdAt = createdAt
        self.updatedAt = createdAt
    }
}
