import CreativeCatalog
import Foundation

/// OpenAI speech: `POST {OPENAI_BASE_URL}/audio/speech` (tts-1, tts-1-hd, gpt-4o-mini-tts), a
/// binary answer. Input over 4,096 characters is split at sentence ends; the parts are asked for
/// as raw PCM (24 kHz 16-bit mono), joined and encoded once by ffmpeg.
public struct OpenAISpeech: Sendable {
    public var environment: ProviderEnvironment
    public var policy: RetryPolicy
    public var timeout = 180.0
    static let maxInput = 4096
    static let pcmRate = 24_000

    public init(environment: ProviderEnvironment, policy: RetryPolicy = RetryPolicy()) {
        (self.environment, self.policy) = (environment, policy)
    }

    /// - Throws: `provider_auth` without OPENAI_API_KEY or with a bad one; the provider's refusal
    ///   or failure as for images; `invalid_input` for a speed outside 0.25–4.
    /// - Parameter instructions: how to speak (gpt-4o-mini-tts; tts-1 and tts-1-hd refuse them).
    public func speak(
        _ text: String, model: String, voice: String, format: LocalSpeech.Format, speed: Double, instructions: String? = nil
    ) async throws(CreativeError) -> (
        audio: Data, cost: Double
    ) {
        guard let key = environment.openAIKey else {
            throw CreativeError(.providerAuth, "OPENAI_API_KEY is not set; set it to use \(model), or use model local.")
        }
        guard speed.isFinite, (0.25...4).contains(speed) else { throw .invalid("speed", "speed must be between 0.25 and 4.") }
        if instructions != nil && model.hasPrefix("tts-1") {
            throw .invalid("instructions", "\(model) does not take instructions; use gpt-4o-mini-tts for them.")
        }
        let parts = Self.split(text)
        let cost = PriceTable.speech(model: model, characters: text.count)
        if parts.count == 1 {
            return (try await call(parts[0], model: model, voice: voice, format: format.rawValue, speed: speed, instructions: instructions, key: key), cost)
        }
        var pcm = Data()
        for part in parts { pcm.append(try await call(part, model: model, voice: voice, format: "pcm", speed: speed, instructions: instructions, key: key)) }
        guard format != .pcm else { return (pcm, cost) }
        let joined = pcm
        let encoded = try await BlockingPool.media.run { () throws(CreativeError) in try LocalSpeech.encode(joined, rate: Self.pcmRate, as: format) }
        return (encoded, cost)
    }

    private func call(
        _ input: String, model: String, voice: String, format: String, speed: Double, instructions: String?, key: String
    ) async throws(CreativeError) -> Data {
        let body = Wire.Request(model: model, input: input, voice: voice, responseFormat: format, speed: speed, instructions: instructions)
        var request = HTTPRequest(
            url: "\(environment.openAIBaseURL)/audio/speech",
            headers: [("Authorization", "Bearer \(key)"), ("Content-Type", "application/json")],
            body: try ProviderJSON.encode(body))
        (request.timeout, request.secrets) = (timeout, [key])
        let response = try await ProviderHTTP.send(request, provider: "OpenAI", keyVariable: "OPENAI_API_KEY", policy: policy)
        guard !response.body.isEmpty, !(response.headers["content-type"] ?? "").hasPrefix("application/json") else {
            throw CreativeError(.providerError, "OpenAI answered without audio.")
        }
        return response.body
    }

    /// Pieces of at most 4,096 characters, cut after a sentence end (else a space) where possible.
    static func split(_ text: String) -> [String] {
        var parts: [String] = []
        var rest = Substring(text)
        while rest.count > maxInput {
            let window = rest.prefix(maxInput)
            let cut =
                window.lastIndex { ".!?\n".contains($0) }.map { window.index(after: $0) }
                ?? window.lastIndex(of: " ").map { window.index(after: $0) } ?? window.endIndex
            parts.append(String(rest[..<cut]).trimmingCharacters(in: .whitespaces))
            rest = rest[cut...]
        }
        if !rest.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty || parts.isEmpty { parts.append(String(rest).trimmingCharacters(in: .whitespaces)) }
        return parts
    }

    enum Wire {
        struct Request: Encodable {
            var model: String
            var input: String
            var voice: String
            var responseFormat: String
            var speed: Double
            var instructions: String?
            enum CodingKeys: String, CodingKey {
                case model, input, voice, speed, instructions
                case responseFormat = "response_format"
            }
        }
    }
}

struct OpenAISpeechExecutor: JobExecutor {
    let provider = "openai"
    let speech: OpenAISpeech

    func run(
        _ job: GenerationJob, _ request: GenerationRequest, progress: @escaping @Sendable (Int, Int) -> Void
    ) async throws(CreativeError) -> GenerationOutput {
        let format = request.format.flatMap(LocalSpeech.Format.init(rawValue:)) ?? .mp3
        // OpenAI's voices; the local default "en" is an eSpeak NG language, not one of them.
        let voice = request.voice.flatMap { $0 == "en" ? nil : $0 } ?? "alloy"
        let (audio, cost) = try await speech.speak(
            job.prompt, model: job.model ?? "tts-1", voice: voice, format: format, speed: request.speed ?? 1, instructions: request.instructions)
        progress(1, 1)
        return GenerationOutput(
            data: audio, fileName: "speech.\(format.fileExtension)", cost: cost,
            parameters: ["voice": .string(voice), "speed": .double(request.speed ?? 1), "format": .string(format.rawValue)])
    }
}
