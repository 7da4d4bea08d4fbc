import CreativeCatalog
import Foundation

/// ElevenLabs: `POST {ELEVENLABS_BASE_URL}/v1/text-to-speech/{voice_id}?output_format=…` with
/// `xi-api-key`; a voice given by name is looked up in `GET /v1/voices`. MP3 and PCM come from
/// ElevenLabs as asked; other formats are asked for as PCM and encoded by ffmpeg.
public struct ElevenLabsSpeech: Sendable {
    public var environment: ProviderEnvironment
    public var policy: RetryPolicy
    public var timeout = 180.0
    static let pcmRate = 24_000

    public init(environment: ProviderEnvironment, policy: RetryPolicy = RetryPolicy()) {
        (self.environment, self.policy) = (environment, policy)
    }

    /// - Parameter voice: a voice id, a voice's name, or nil for the account's first voice.
    public func speak(
        _ text: String, model: String, voice: String?, format: LocalSpeech.Format, speed: Double
    ) async throws(CreativeError) -> (
        audio: Data, voiceId: String
    ) {
        guard let key = environment.elevenLabsKey else {
            throw CreativeError(.providerAuth, "ELEVENLABS_API_KEY is not set; set it to use \(model), or use model local.")
        }
        let voiceId = try await resolve(voice, key: key)
        let outputFormat = format == .mp3 ? "mp3_44100_128" : "pcm_\(Self.pcmRate)"
        let body = Wire.Request(text: text, modelId: model, voiceSettings: .init(stability: 0.5, similarityBoost: 0.75, speed: speed))
        var request = HTTPRequest(
            url: "\(environment.elevenLabsBaseURL)/v1/text-to-speech/\(voiceId)?output_format=\(outputFormat)",
            headers: [("xi-api-key", key), ("Content-Type", "application/json"), ("Accept", "audio/*")],
            body: try ProviderJSON.encode(body))
        (request.timeout, request.secrets) = (timeout, [key])
        let response = try await ProviderHTTP.send(request, provider: "ElevenLabs", keyVariable: "ELEVENLABS_API_KEY", policy: policy)
        guard !response.body.isEmpty, !(response.headers["content-type"] ?? "").hasPrefix("application/json") else {
            throw CreativeError(.providerError, "ElevenLabs answered without audio.")
        }
        guard format != .mp3, format != .pcm else { return (response.body, voiceId) }
        let pcm = response.body
        let encoded = try await BlockingPool.media.run { () throws(CreativeError) in try LocalSpeech.encode(pcm, rate: Self.pcmRate, as: format) }
        return (encoded, voiceId)
    }

    /// A voice id as given (20 letters and digits), else the id of the voice with that name.
    func resolve(_ voice: String?, key: String) async throws(CreativeError) -> String {
        if let voice, voice.count == 20, voice.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) }) { return voice }
        var request = HTTPRequest(method: "GET", url: "\(environment.elevenLabsBaseURL)/v1/voices", headers: [("xi-api-key", key)])
        (request.timeout, request.secrets) = (30, [key])
        let response = try await ProviderHTTP.send(request, provider: "ElevenLabs", keyVariable: "ELEVENLABS_API_KEY", policy: policy)
        guard let list = try? JSONDecoder().decode(Wire.Voices.self, from: response.body), let first = list.voices.first else {
            throw CreativeError(.providerError, "ElevenLabs listed no voices for this key.")
        }
        guard let voice else { return first.voiceId }
        guard let match = list.voices.first(where: { $0.name.caseInsensitiveCompare(voice) == .orderedSame }) else {
            throw .invalid("voice", "ElevenLabs has no voice named \(voice); it has \(list.voices.prefix(10).map(\.name).joined(separator: ", ")).")
        }
        return match.voiceId
    }

    enum Wire {
        struct Request: Encodable {
            struct Settings: Encodable {
                var stability: Double
                var similarityBoost: Double
                var speed: Double
                enum CodingKeys: String, CodingKey {
                    case stability, speed
                    case similarityBoost = "similarity_boost"
                }
            }
            var text: String
            var modelId: String
            var voiceSettings: Settings
            enum CodingKeys: String, CodingKey {
                case text
                case modelId = "model_id"
                case voiceSettings = "voice_settings"
            }
        }

        struct Voices: Decodable {
            struct Voice: Decodable {
                var voiceId: String
                var name: String
                enum CodingKeys: String, CodingKey {
                    case name
                    case voiceId = "voice_id"
                }
            }
            var voices: [Voice]
        }
    }
}

struct ElevenLabsSpeechExecutor: JobExecutor {
    let provider = "elevenlabs"
    let speech: ElevenLabsSpeech

    func run(
        _ job: GenerationJob, _ request: GenerationRequest, progress: @escaping @Sendable (Int, Int) -> Void
    ) async throws(CreativeError) -> GenerationOutput {
        let format = request.format.flatMap(LocalSpeech.Format.init(rawValue:)) ?? .mp3
        // ElevenLabs takes 0.7–1.2.
        let speed = min(1.2, max(0.7, request.speed ?? 1))
        let model = job.model.flatMap { $0.hasPrefix("eleven_") ? $0 : nil } ?? "eleven_multilingual_v2"
        let (audio, voiceId) = try await speech.speak(
            job.prompt, model: model, voice: request.voice.flatMap { $0 == "en" ? nil : $0 }, format: format, speed: speed)
        progress(1, 1)
        return GenerationOutput(
            data: audio, fileName: "speech.\(format.fileExtension)", cost: 0,
            parameters: ["voiceId": .string(voiceId), "speed": .double(speed), "format": .string(format.rawValue)])
    }
}
