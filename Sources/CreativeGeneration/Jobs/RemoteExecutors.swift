import CreativeCatalog
import Foundation

/// Chooses the provider for a job: the request's `provider` if given, else by model —
/// dall-e-*/gpt-image-* → OpenAI, claude-* → Anthropic, gpt-*/o1/o3/o4 → OpenAI chat,
/// provider ollama → a local OpenAI-compatible server, local → built-in. Without the key a paid
/// provider needs, the built-in provider answers and the asset says so.
enum Router {
    struct Choice {
        var executor: any JobExecutor
        /// Why the built-in provider answered instead of the one asked for.
        var note: String?
    }

    static func choose(_ job: GenerationJob, _ request: GenerationRequest, _ env: ProviderEnvironment, _ policy: RetryPolicy) throws(CreativeError) -> Choice {
        let model = (job.model ?? "local").lowercased()
        let provider = request.provider?.lowercased()
        if model.hasPrefix("midjourney") || provider == "midjourney" {
            throw CreativeError(
                .providerUnavailable,
                "Midjourney has no public API, so the engine cannot call it; use dall-e-3, gpt-image-1, a Stable Diffusion web UI (SDWEBUI_URL) or local.",
                field: "model")
        }
        if model.hasPrefix("sora") {
            throw CreativeError(
                .providerUnavailable,
                "OpenAI shut its Videos (Sora) API down in September 2026, so \(model) cannot be called; use veo-3.0-generate-001 (GEMINI_API_KEY), gen4_turbo (RUNWAYML_API_SECRET) or local.",
                field: "model")
        }
        if job.type == .video {
            if provider == "google" || model.hasPrefix("veo") {
                guard env.geminiKey != nil else {
                    return Choice(executor: LocalVideoExecutor(), note: "GEMINI_API_KEY is not set, so the local video provider answered.")
                }
                return Choice(executor: VeoVideoExecutor(veo: VeoVideo(environment: env, policy: policy)), note: nil)
            }
            if provider == "runway" || model.hasPrefix("gen3") || model.hasPrefix("gen4") {
                guard env.runwayKey != nil else {
                    return Choice(executor: LocalVideoExecutor(), note: "RUNWAYML_API_SECRET is not set, so the local video provider answered.")
                }
                return Choice(executor: RunwayVideoExecutor(runway: RunwayVideo(environment: env, policy: policy)), note: nil)
            }
            let note =
                model == "local" && (provider == nil || provider == "local")
                ? nil : "No video provider for \(model) is configured, so the local provider answered."
            return Choice(executor: LocalVideoExecutor(), note: note)
        }
        if job.type == .audio {
            if provider == "openai" || model.hasPrefix("tts-") || model.hasPrefix("gpt-4o-mini-tts") {
                guard env.openAIKey != nil else {
                    return Choice(executor: LocalSpeechExecutor(), note: "OPENAI_API_KEY is not set, so the local speech provider answered.")
                }
                return Choice(executor: OpenAISpeechExecutor(speech: OpenAISpeech(environment: env, policy: policy)), note: nil)
            }
            if provider == "elevenlabs" || model.hasPrefix("eleven_") {
                guard env.elevenLabsKey != nil else {
                    return Choice(executor: LocalSpeechExecutor(), note: "ELEVENLABS_API_KEY is not set, so the local speech provider answered.")
                }
                return Choice(executor: ElevenLabsSpeechExecutor(speech: ElevenLabsSpeech(environment: env, policy: policy)), note: nil)
            }
            let note =
                model == "local" && (provider == nil || provider == "local")
                ? nil : "No speech provider for \(model) is configured, so the local provider answered."
            return Choice(executor: LocalSpeechExecutor(), note: note)
        }
        if job.type == .image {
            if provider == "openai" || model.hasPrefix("dall-e") || model.hasPrefix("gpt-image") {
                guard env.openAIKey != nil else {
                    return Choice(executor: LocalImageExecutor(), note: "OPENAI_API_KEY is not set, so the local provider answered.")
                }
                return Choice(executor: OpenAIImageExecutor(images: OpenAIImages(environment: env, policy: policy)), note: nil)
            }
            let stableDiffusion = ["sd", "stable-", "sdxl"].contains(where: model.hasPrefix)
            if provider == "sdwebui" || (stableDiffusion && env.sdWebUIURL != nil && provider != "stability") {
                guard let url = env.sdWebUIURL else {
                    return Choice(executor: LocalImageExecutor(), note: "SDWEBUI_URL is not set, so the local provider answered.")
                }
                return Choice(executor: SDWebUIExecutor(webUI: SDWebUI(baseURL: url, policy: policy)), note: nil)
            }
            if provider == "stability" || stableDiffusion {
                guard env.stabilityKey != nil else {
                    return Choice(executor: LocalImageExecutor(), note: "Neither SDWEBUI_URL nor STABILITY_API_KEY is set, so the local provider answered.")
                }
                return Choice(
                    executor: StabilityExecutor(stability: StabilityImages(key: env.stabilityKey, baseURL: env.stabilityBaseURL, policy: policy)), note: nil)
            }
            if model != "local" {
                return Choice(executor: LocalImageExecutor(), note: "No provider for \(model) is configured, so the local provider answered.")
            }
            return Choice(executor: LocalImageExecutor(), note: nil)
        }
        if provider == "ollama" {
            return Choice(executor: ChatTextExecutor(chat: OpenAIChat(ollama: env, policy: policy), providerName: "ollama"), note: nil)
        }
        if provider == "anthropic" || model.hasPrefix("claude") {
            guard env.anthropicKey != nil else {
                return Choice(executor: LocalTextExecutor(), note: "ANTHROPIC_API_KEY is not set, so the local provider answered.")
            }
            return Choice(executor: ChatTextExecutor(chat: AnthropicMessages(environment: env, policy: policy), providerName: "anthropic"), note: nil)
        }
        if provider == "openai" || ["gpt-", "o1", "o3", "o4", "chatgpt"].contains(where: model.hasPrefix) {
            guard env.openAIKey != nil else { return Choice(executor: LocalTextExecutor(), note: "OPENAI_API_KEY is not set, so the local provider answered.") }
            return Choice(executor: ChatTextExecutor(chat: OpenAIChat(environment: env, policy: policy), providerName: "openai"), note: nil)
        }
        if model != "local" {
            return Choice(executor: LocalTextExecutor(), note: "No provider for \(model) is configured, so the local provider answered.")
        }
        return Choice(executor: LocalTextExecutor(), note: nil)
    }
}

struct OpenAIImageExecutor: JobExecutor {
    let provider = "openai"
    let images: OpenAIImages

    func run(
        _ job: GenerationJob, _ request: GenerationRequest, progress: @escaping @Sendable (Int, Int) -> Void
    ) async throws(CreativeError) -> GenerationOutput {
        let output = try await images.generate(
            prompt: job.prompt, model: job.model ?? "dall-e-3", width: request.width ?? 1024,
            height: request.height ?? 1024, quality: request.quality, style: request.style)
        progress(1, 1)
        var parameters: [String: JSONValue] = ["requestedSize": .string(output.size)]
        if let revised = output.revisedPrompt { parameters["revisedPrompt"] = .string(revised) }
        return GenerationOutput(data: output.image, fileName: "image.png", cost: output.cost, parameters: parameters)
    }
}

struct SDWebUIExecutor: JobExecutor {
    let provider = "sdwebui"
    let webUI: SDWebUI

    func run(
        _ job: GenerationJob, _ request: GenerationRequest, progress: @escaping @Sendable (Int, Int) -> Void
    ) async throws(CreativeError) -> GenerationOutput {
        let output = try await webUI.generate(
            prompt: job.prompt, negativePrompt: job.negativePrompt, width: request.width ?? 512, height: request.height ?? 512,
            seed: request.seed, steps: request.steps ?? 20, guidance: request.guidance ?? 7,
            sampler: request.sampler ?? "Euler a", progress: progress)
        return GenerationOutput(data: output.image, fileName: "image.png", cost: 0, parameters: output.seed.map { ["providerSeed": .int($0)] } ?? [:])
    }
}

struct StabilityExecutor: JobExecutor {
    let provider = "stability"
    let stability: StabilityImages

    func run(
        _ job: GenerationJob, _ request: GenerationRequest, progress: @escaping @Sendable (Int, Int) -> Void
    ) async throws(CreativeError) -> GenerationOutput {
        let output = try await stability.generate(
            prompt: job.prompt, negativePrompt: job.negativePrompt, model: job.model ?? "stable-image-core",
            width: request.width ?? 1024, height: request.height ?? 1024, seed: request.seed)
        progress(1, 1)
        var parameters: [String: JSONValue] = ["finishReason": .string(output.info["finishReason"] ?? "SUCCESS")]
        if let seed = output.seed { parameters["providerSeed"] = .int(seed) }
        return GenerationOutput(data: output.image, fileName: "image.png", cost: output.cost, parameters: parameters)
    }
}

/// Copy, edits and ideas from a chat model, with robust parsing of what it answers.
struct ChatTextExecutor: JobExecutor {
    let chat: any ChatProvider
    let providerName: String
    var provider: String { providerName }

    func run(
        _ job: GenerationJob, _ request: GenerationRequest, progress: @escaping @Sendable (Int, Int) -> Void
    ) async throws(CreativeError) -> GenerationOutput {
        let kind = job.parameters?["kind"]?.stringValue.flatMap(RequestKind.init(rawValue:)) ?? .content
        let model = job.model ?? "local"
        var parameters: [String: JSONValue] = [:]
        let text: String
        var usage = (0, 0, 0.0)
        switch kind {
        case .ideas:
            let count = request.count ?? 10
            let topic = request.topic ?? job.prompt
            let answer = try await chat.complete(
                system: "You brainstorm. Answer with a JSON array of exactly \(count) distinct, specific ideas (short strings) and nothing else.",
                prompt: "Topic: \(topic)", model: model, maxTokens: 60 * count + 200)
            usage = (answer.inputTokens, answer.outputTokens, answer.cost)
            let ideas = Self.exactly(count, Self.parseList(answer.text), topic: topic)
            parameters["ideas"] = .array(ideas.map { .string($0) })
            text = "# Ideas: \(topic)\n\n" + ideas.enumerated().map { "\($0.offset + 1). \($0.element)" }.joined(separator: "\n") + "\n"
        case .improve:
            let original = request.original ?? job.prompt
            let answer = try await chat.complete(
                system: "You are an editor. Improve the copy toward the goal. Answer with JSON only: {\"improved\": string, \"suggestions\": [string]}.",
                prompt: "Goal: \(request.goal ?? "clearer")\n\nCopy:\n\(original)", model: model, maxTokens: 2000)
            usage = (answer.inputTokens, answer.outputTokens, answer.cost)
            let object = Self.jsonObject(Edit.self, in: answer.text)
            let improved = object?.improved ?? answer.text
            let suggestions = object?.suggestions ?? []
            parameters["improved"] = .string(improved)
            parameters["suggestions"] = .array(suggestions.map { .string($0) })
            text = "# Improved copy\n\n\(improved)\n\n## Suggestions\n\n" + suggestions.map { "- \($0)" }.joined(separator: "\n") + "\n"
        default:
            var brief = ["Write \(request.contentType ?? "blog-post") copy in Markdown. Return only the copy."]
            if let tone = request.tone { brief.append("Tone: \(tone).") }
            if let length = request.length { brief.append("Length: \(length).") }
            if let audience = request.audience { brief.append("Audience: \(audience).") }
            if let language = request.language { brief.append("Language: \(language).") }
            // Copy is long: stream it, so the job shows progress while it is written.
            let answer = try await chat.complete(
                system: "You are a senior copywriter. " + brief.joined(separator: " "), prompt: job.prompt, model: model,
                maxTokens: 2000, progress: progress)
            usage = (answer.inputTokens, answer.outputTokens, answer.cost)
            text = answer.text
        }
        progress(1, 1)
        parameters["inputTokens"] = .int(usage.0)
        parameters["outputTokens"] = .int(usage.1)
        return GenerationOutput(data: Data(text.utf8), fileName: "content.md", cost: usage.2, parameters: parameters)
    }

    /// Items from a JSON array (strings, or objects with a `title`), or from numbered / bulleted
    /// lines when the model ignored the format.
    static func parseList(_ text: String) -> [String] {
        if let start = text.firstIndex(of: "["), let end = text.lastIndex(of: "]"), start < end,
            let items = try? JSONDecoder().decode([ListItem].self, from: Data(text[start...end].utf8))
        {
            return items.compactMap(\.text)
        }
        return text.split(separator: "\n").map { line in
            line.trimmingCharacters(in: .whitespaces)
                .replacingOccurrences(of: #"^(\d+[\.\)]|[-*•])\s*"#, with: "", options: .regularExpression)
                .trimmingCharacters(in: CharacterSet(charactersIn: "\"' "))
        }.filter { !$0.isEmpty && !$0.hasPrefix("```") }
    }

    /// One idea of a model's JSON list: a string or `{"title": …}`; anything else is skipped.
    struct ListItem: Decodable {
        var text: String?

        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let text = try? container.decode(String.self) {
                self.text = text
            } else {
                self.text = (try? container.decode(Titled.self))?.title
            }
        }

        struct Titled: Decodable { var title: String? }
    }

    /// What an edit answer holds when the model follows the format.
    struct Edit: Decodable {
        var improved: String?
        var suggestions: [String]?
    }

    /// Exactly `count` distinct ideas: duplicates dropped, extras cut, gaps filled by the local provider.
    static func exactly(_ count: Int, _ items: [String], topic: String) -> [String] {
        var seen = Set<String>()
        var result = items.filter { seen.insert($0.lowercased()).inserted }
        for idea in LocalText.ideas(topic: topic, count: count) where result.count < count && seen.insert(idea.lowercased()).inserted {
            result.append(idea)
        }
        return Array(result.prefix(count))
    }

    /// The first `{…}` of a model's answer, decoded; nil when there is none or it does not fit.
    static func jsonObject<T: Decodable>(_ type: T.Type, in text: String) -> T? {
        guard let start = text.firstIndex(of: "{"), let end = text.lastIndex(of: "}"), start < end else { return nil }
        return try? JSONDecoder().decode(T.self, from: Data(text[start...end].utf8))
    }
}
