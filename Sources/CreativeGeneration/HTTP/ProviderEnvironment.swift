import Foundation

/// Provider settings read from the environment exactly as the official SDKs read them, so a
/// user's existing settings just work. Keys never come from the library folder.
public struct ProviderEnvironment: Sendable {
    public var openAIKey: String?
    /// Ends in /v1, as the OpenAI SDKs expect (`https://api.openai.com/v1`).
    public var openAIBaseURL: String
    public var anthropicKey: String?
    /// The host root, as the Anthropic SDKs expect (`https://api.anthropic.com`).
    public var anthropicBaseURL: String
    /// Ollama's host (`http://127.0.0.1:11434`); its OpenAI-compatible API is at /v1.
    public var ollamaHost: String
    public var stabilityKey: String?
    /// STABILITY_BASE_URL (default https://api.stability.ai).
    public var stabilityBaseURL: String
    /// Stable Diffusion web UI (AUTOMATIC1111 / Forge), SDWEBUI_URL such as http://127.0.0.1:7860.
    public var sdWebUIURL: String?
    public var elevenLabsKey: String?
    /// ELEVENLABS_BASE_URL, the host root (default https://api.elevenlabs.io).
    public var elevenLabsBaseURL: String
    /// GEMINI_API_KEY, else GOOGLE_API_KEY, as the google-genai SDKs read them.
    public var geminiKey: String?
    /// GOOGLE_GEMINI_BASE_URL, the host root (default https://generativelanguage.googleapis.com).
    public var geminiBaseURL: String
    public var runwayKey: String?
    /// RUNWAYML_BASE_URL, the host root (default https://api.dev.runwayml.com), as Runway's SDKs read it.
    public var runwayBaseURL: String
    /// A folder on the library's disk where media downloads (videos) are written as they arrive,
    /// under temp names the janitor knows; nil keeps them in memory. The job runner sets it.
    public var downloadFolder: String?

    public init(_ env: [String: String] = ProcessInfo.processInfo.environment) {
        func value(_ name: String) -> String? { env[name].flatMap { $0.isEmpty ? nil : $0 } }
        openAIKey = value("OPENAI_API_KEY")
        openAIBaseURL = Self.trim(value("OPENAI_BASE_URL") ?? "https://api.openai.com/v1")
        anthropicKey = value("ANTHROPIC_API_KEY")
        anthropicBaseURL = Self.trim(value("ANTHROPIC_BASE_URL") ?? "https://api.anthropic.com")
        var ollama = value("OLLAMA_HOST") ?? "http://127.0.0.1:11434"
        if !ollama.contains("://") { ollama = "http://" + ollama }
        ollamaHost = Self.trim(ollama)
        stabilityKey = value("STABILITY_API_KEY")
        stabilityBaseURL = Self.trim(value("STABILITY_BASE_URL") ?? "https://api.stability.ai")
        sdWebUIURL = value("SDWEBUI_URL").map(Self.trim)
        elevenLabsKey = value("ELEVENLABS_API_KEY")
        elevenLabsBaseURL = Self.trim(value("ELEVENLABS_BASE_URL") ?? "https://api.elevenlabs.io")
        geminiKey = value("GEMINI_API_KEY") ?? value("GOOGLE_API_KEY")
        geminiBaseURL = Self.trim(value("GOOGLE_GEMINI_BASE_URL") ?? "https://generativelanguage.googleapis.com")
        runwayKey = value("RUNWAYML_API_SECRET")
        runwayBaseURL = Self.trim(value("RUNWAYML_BASE_URL") ?? "https://api.dev.runwayml.com")
    }

    private static func trim(_ url: String) -> String {
        url.hasSuffix("/") ? String(url.dropLast()) : url
    }
}
