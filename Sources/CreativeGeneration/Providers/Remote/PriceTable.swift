/// List prices in US dollars, as the providers published them (table taken 2026-11-25 from the
/// prices known to this project; the DALL·E rows were cross-checked against copies of OpenAI's
/// pricing page the same day — verify all of it against the providers' pages before relying on
/// it for billing). Unknown models cost 0 and say so by their absence.
public enum PriceTable {
    /// Per image.
    static func image(model: String, size: String, quality: String?) -> Double {
        let large = size != "1024x1024"
        switch model {
        case "dall-e-3": return quality == "hd" ? (large ? 0.12 : 0.08) : (large ? 0.08 : 0.04)
        case "dall-e-2": return ["256x256": 0.016, "512x512": 0.018][size] ?? 0.02
        case "gpt-image-1":
            switch quality {
            case "low": return large ? 0.016 : 0.011
            case "high": return large ? 0.25 : 0.167
            default: return large ? 0.063 : 0.042
            }
        default: return 0
        }
    }

    /// Stability AI stable-image generate, per image, by endpoint.
    static let stability: [String: Double] = ["ultra": 0.08, "core": 0.03, "sd3": 0.065]

    /// USD per million input and output tokens.
    static let chatPerMillion: [(prefix: String, input: Double, output: Double)] = [
        ("gpt-4o-mini", 0.15, 0.60), ("gpt-4o", 2.50, 10.00), ("gpt-4.1-mini", 0.40, 1.60), ("gpt-4.1", 2.00, 8.00),
        ("claude-3-5-haiku", 0.80, 4.00), ("claude-haiku", 1.00, 5.00), ("claude-sonnet", 3.00, 15.00),
        ("claude-3-5-sonnet", 3.00, 15.00), ("claude-opus", 15.00, 75.00),
    ]

    static func chat(model: String, input: Int, output: Int) -> Double {
        guard let price = chatPerMillion.first(where: { model.hasPrefix($0.prefix) }) else { return 0 }
        return (Double(input) * price.input + Double(output) * price.output) / 1_000_000
    }

    /// Speech, per million input characters: tts-1 and tts-1-hd as OpenAI lists them (not
    /// verified here, 2026-12-01); gpt-4o-mini-tts is billed by tokens, estimated from OpenAI's
    /// "about $0.015 a minute" at ~1,000 characters a minute (not verified).
    static let speechPerMillionCharacters: [String: Double] = ["tts-1": 15, "tts-1-hd": 30, "gpt-4o-mini-tts": 15]

    static func speech(model: String, characters: Int) -> Double {
        (speechPerMillionCharacters[model] ?? 0) * Double(characters) / 1_000_000
    }

    /// Video, per second of output: Runway's gen4_turbo at 5 credits a second and $0.01 a
    /// credit; Veo 3 on the Gemini API ($0.40 a second; veo-3.0-fast $0.15). Not verified here
    /// (2026-12-01); Runway bills 5 or 10 seconds whatever the request.
    static let videoPerSecond: [String: Double] = [
        "gen4_turbo": 0.05, "gen3a_turbo": 0.05, "veo-3.0-generate-001": 0.40, "veo-3.0-fast-generate-001": 0.15,
    ]

    static func video(model: String, seconds: Double) -> Double {
        (videoPerSecond[model] ?? 0) * (model.hasPrefix("gen") ? (seconds > 7 ? 10 : 5) : seconds)
    }
}
