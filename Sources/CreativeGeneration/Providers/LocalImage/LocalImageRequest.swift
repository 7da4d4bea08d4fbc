import CreativeCatalog
import Foundation

/// What the built-in offline image provider is asked to draw. The fields mirror a Stable
/// Diffusion txt2img request so jobs can switch between this provider and real ones unchanged.
public struct LocalImageRequest: Sendable, Equatable {
    /// The words that choose the palette and seed the composition.
    public var prompt: String
    /// Words to avoid: palette themes named here are never used.
    public var negativePrompt: String?
    /// Pixels, 64...2048.
    public var width: Int
    /// Pixels, 64...2048.
    public var height: Int
    /// Any value >= 0; the same request with the same seed renders identical bytes.
    public var seed: Int
    /// 1...150. Each step adds one layer of finer detail.
    public var steps: Int
    /// CFG scale, 0...30. Higher values give more contrast and saturation.
    public var guidance: Double
    /// The sampler name, e.g. "Euler a"; it shifts the noise texture.
    public var sampler: String
    /// The model name written into the PNG parameters ("local").
    public var model: String

    public init(
        prompt: String, negativePrompt: String? = nil, width: Int = 512, height: Int = 512, seed: Int,
        steps: Int = 20, guidance: Double = 7, sampler: String = "Euler a", model: String = "local"
    ) {
        self.prompt = prompt
        self.negativePrompt = negativePrompt
        self.width = width
        self.height = height
        self.seed = seed
        self.steps = steps
        self.guidance = guidance
        self.sampler = sampler
        self.model = model
    }

    /// Throws `invalid_input` naming the first field out of range.
    func validate() throws {
        guard (64...2048).contains(width) else { throw CreativeError.invalid("width", "width must be 64...2048.") }
        guard (64...2048).contains(height) else { throw CreativeError.invalid("height", "height must be 64...2048.") }
        guard seed >= 0 else { throw CreativeError.invalid("seed", "seed must be 0 or more.") }
        guard (1...150).contains(steps) else { throw CreativeError.invalid("steps", "steps must be 1...150.") }
        guard guidance.isFinite, (0...30).contains(guidance) else {
            throw CreativeError.invalid("guidance", "guidance must be a number in 0...30.")
        }
    }
}

extension LocalImage {
    /// The text written into the PNG tEXt chunk named "parameters", in the exact format
    /// AUTOMATIC1111 Stable Diffusion web UI writes (so its "PNG Info" tab reads ours):
    /// `"<prompt>\nNegative prompt: <neg>\nSteps: 20, Sampler: Euler a, CFG scale: 7, Seed: 42, Size: 512x512, Model: local"`.
    /// The "Negative prompt:" line is left out when there is none (or it is empty), as A1111 does.
    public static func parametersText(_ request: LocalImageRequest) -> String {
        A1111Parameters.format(
            prompt: request.prompt, negativePrompt: request.negativePrompt,
            settings: A1111Parameters.settings(
                steps: request.steps, sampler: request.sampler, guidance: request.guidance, seed: request.seed,
                width: request.width, height: request.height, model: request.model))
    }
}
