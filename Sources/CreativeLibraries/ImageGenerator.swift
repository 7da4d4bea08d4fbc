import CreativeCatalog
import CreativeGeneration
import Foundation

/// The seed's image-generator: generate, follow, regenerate and list images. Generation is a
/// job (asynchronous by default); `wait` runs it in this process and returns the asset.
public struct ImageGenerator: Sendable {
    /// Submits and waits for jobs; the REST API's speech route uses it directly.
    public let generation: Generation

    public init(generation: Generation) {
        self.generation = generation
    }

    /// Generates an image. `options` is a GenerationRequest of kind image (size, seed, steps,
    /// guidance, sampler, model, title, tags …); its prompt is `prompt`.
    /// - Returns: `{ success, jobId }`, and `assetId` (or `error`) when `wait` is true.
    /// - Throws: `invalid_input` for a bad prompt or option.
    public func generateImage(
        userId: String, prompt: String, options: GenerationRequest = GenerationRequest(), wait: Bool = false,
        progress: (@Sendable (Int, Int) -> Void)? = nil
    ) async throws(CreativeError) -> GenerateResult {
        var request = options
        request.kind = .image
        request.prompt = prompt
        return try await generation.generate(request, userId: userId, wait: wait, progress: progress)
    }

    /// The job with its progress (the seed's getImageStatus); nil for an unknown or foreign id.
    public func getImageStatus(_ jobId: String, userId: String) async throws(CreativeError) -> GenerationJob? {
        let index = generation.library.index
        // Polled often: the index's or memo's copy when one stat shows the file unchanged.
        return try await BlockingPool.db.run { () throws(CreativeError) -> GenerationJob? in
            guard let job = try index.current(GenerationJob.self, id: jobId), job.userId == userId else { return nil }
            return job
        }
    }

    /// Makes a new image from an existing one with changes (a new seed unless one is given). The
    /// original is kept; the new asset's `parameters.parentAssetId` names it.
    /// - Throws: `not_found` for an unknown or foreign asset, `invalid_input` for a non-image asset.
    public func regenerateImage(
        _ assetId: String, userId: String, modifications m: ImageModifications = ImageModifications(),
        wait: Bool = false
    ) async throws(CreativeError) -> GenerateResult {
        guard let original = try await AssetManager(library: generation.library).getAsset(assetId, userId: userId),
            original.userId == userId
        else {
            throw .notFound("asset", assetId)
        }
        guard original.type == .image else { throw .invalid("assetId", "Only image assets can be regenerated; \(assetId) is \(original.type.rawValue).") }
        guard let prompt = m.prompt ?? original.prompt else {
            throw .invalid("prompt", "The asset has no prompt to regenerate from; give one in the modifications.")
        }
        var request = GenerationRequest(kind: .image, prompt: prompt)
        request.negativePrompt = m.negativePrompt ?? original.negativePrompt
        request.model = m.model ?? original.model
        // The original's measured size may be outside what a request allows (a small import).
        let clamp = { (value: Int?) in value.map { min(max($0, 64), 2048) } }
        request.width = m.width ?? clamp(original.width)
        request.height = m.height ?? clamp(original.height)
        request.seed = m.seed
        request.steps = m.steps ?? original.steps
        request.guidance = m.guidance ?? original.guidance
        request.sampler = m.sampler ?? original.sampler
        request.title = m.title ?? original.title
        request.tags = original.tags.isEmpty ? nil : original.tags
        request.category = original.category
        return try await generation.generate(request, userId: userId, wait: wait, extra: ["parentAssetId": .string(original.id)])
    }

    /// The user's images (the seed's listUserImages): listAssets with type image.
    public func listUserImages(userId: String, filters: AssetFilters = AssetFilters()) async throws(CreativeError) -> Page<CreativeAsset> {
        var images = filters
        images.type = .image
        return try await AssetManager(library: generation.library).listAssets(userId: userId, filters: images)
    }
}
