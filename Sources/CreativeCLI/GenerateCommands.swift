import ArgumentParser
import CreativeCatalog
import CreativeDaemon
import CreativeGeneration
import CreativeLibraries
import Foundation

/// The seed libraries that generate, built on an opened library.
func generators(_ global: GlobalOptions) throws -> (ImageGenerator, ContentCreator) {
    let generation = Generation(library: try global.open())
    return (ImageGenerator(generation: generation), ContentCreator(generation: generation))
}

/// `768x512` → (768, 512); nil stays nil (the library's default size).
func parseSize(_ size: String?) throws -> (Int?, Int?) {
    guard let size else { return (nil, nil) }
    let parts = size.lowercased().split(separator: "x").compactMap { Int($0) }
    guard parts.count == 2 else { throw ValidationError("--size must look like 768x512.") }
    return (parts[0], parts[1])
}

/// Prints a generation result; a failed job is exit status 1 with its sentence.
func emit(_ result: GenerateResult, json: Bool) throws {
    Output.emit(result, json: json) {
        var lines = ["job \(result.jobId ?? "-")"]
        if let asset = result.assetId { lines.append("asset \(asset)") }
        if let content = result.content { lines.append("\n" + content) }
        if result.jobId != nil && result.assetId == nil && result.error == nil {
            lines.append("queued: `creative watch` runs it; `creative job status \(result.jobId ?? "")` follows it")
        }
        return lines.joined(separator: "\n")
    }
    if let error = result.error { throw CreativeError(.invalidInput, error) }
}

struct GenerateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate", abstract: "Generate images (ImageGenerator.generateImage), speech and video.",
        subcommands: [Image.self, Audio.self, Video.self])

    struct Image: AsyncParsableCommand, JSONOutput {
        static let configuration = CommandConfiguration(
            abstract: "Generate an image from a prompt.",
            discussion: "Queues a job for `creative watch`, or with --wait runs it now with a progress bar and prints the asset.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "What to draw.") var prompt: String
        @Option(name: .customLong("negative"), help: "What to avoid.") var negativePrompt: String?
        @Option(help: "Model: local (default), dall-e-3, gpt-image-1 …") var model: String?
        @Option(help: "Force a provider: openai or local.") var provider: String?
        @Option(help: "Provider quality (standard, hd, low, medium, high).") var quality: String?
        @Option(help: "Provider style (vivid, natural).") var style: String?
        @Option(help: "Size as WIDTHxHEIGHT, such as 768x512 (default 512x512).") var size: String?
        @Option(help: "Seed (default: random, recorded).") var seed: Int?
        @Option(help: "Sampling steps (default 20).") var steps: Int?
        @Option(help: "Guidance (CFG) scale (default 7).") var guidance: Double?
        @Option(help: "Sampler name (default Euler a).") var sampler: String?
        @Option(help: "Title of the asset.") var title: String?
        @Option(name: .customLong("tag"), help: "A tag; repeat for several.") var tags: [String] = []
        @Flag(help: "Run now and wait for the asset.") var wait = false

        func run() async throws {
            var options = GenerationRequest(kind: .image)
            (options.negativePrompt, options.model, options.seed, options.steps) = (negativePrompt, model, seed, steps)
            (options.guidance, options.sampler, options.title) = (guidance, sampler, title)
            (options.provider, options.quality, options.style) = (provider, quality, style)
            options.tags = tags.isEmpty ? nil : tags
            (options.width, options.height) = try parseSize(size)
            let bar = ProgressBar("generating", json: global.json)
            let (images, user, prompt, wait) = (try generators(global).0, global.userId, prompt, wait)
            let result = try await cancellingOnInterrupt { [options] in
                try await images.generateImage(userId: user, prompt: prompt, options: options, wait: wait, progress: bar.update)
            }
            bar.finish()
            try emit(result, json: global.json)
        }
    }
}

extension GenerateCommand {
    struct Audio: AsyncParsableCommand, JSONOutput {
        static let configuration = CommandConfiguration(
            abstract: "Speak a text: an audio asset (the built-in provider: eSpeak NG, encoded by ffmpeg).",
            discussion: "Queues a job for `creative watch`, or with --wait runs it now and prints the asset.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The text to speak.") var text: String
        @Option(help: "Voice: an eSpeak NG voice such as en, en-us, de (default en).") var voice: String?
        @Option(help: "Model (default local).") var model: String?
        @Option(help: "mp3 (default), opus, aac, flac, wav or pcm.") var format: String?
        @Option(help: "Speed, 0.25–4 (default 1).") var speed: Double?
        @Option(help: "How to speak it: tone, pace, accent (gpt-4o-mini-tts).") var instructions: String?
        @Option(help: "Title of the asset.") var title: String?
        @Option(name: .customLong("tag"), help: "A tag; repeat for several.") var tags: [String] = []
        @Flag(help: "Run now and wait for the asset.") var wait = false

        func run() async throws {
            var request = GenerationRequest(kind: .audio, prompt: text)
            (request.voice, request.model, request.format, request.speed, request.title) = (voice, model, format, speed, title)
            request.instructions = instructions
            request.tags = tags.isEmpty ? nil : tags
            let generation = Generation(library: try global.open())
            let (user, wait) = (global.userId, wait)
            let result = try await cancellingOnInterrupt { [request] in try await generation.generate(request, userId: user, wait: wait) }
            try emit(result, json: global.json)
        }
    }
}

extension GenerateCommand {
    struct Video: AsyncParsableCommand, JSONOutput {
        static let configuration = CommandConfiguration(
            abstract: "Make a video: scenes painted by the image provider, slowly zoomed and crossfaded by ffmpeg, optionally narrated.",
            discussion:
                """
                Queues a job for `creative watch`, or with --wait runs it now and prints the asset. --script takes a file with one \
                scene prompt per line. --template takes a text template such as Short video script (`creative template list`): \
                the text provider writes the script, its scenes are painted and its voice-over narrated.
                """)
        @OptionGroup var global: GlobalOptions
        @Argument(help: "What the video shows (the only scene without --script); optional with --template.") var prompt: String?
        @Option(help: "Length in seconds (default 4 per scene).") var seconds: Double?
        @Option(help: "Size as WIDTHxHEIGHT (default 640x360).") var size: String?
        @Option(help: "A file with one scene prompt per line.") var script: String?
        @Option(help: "Text spoken over the video.") var narration: String?
        @Option(help: "The narration's voice (default en).") var voice: String?
        @Option(help: "Seed of the first scene (default: random, recorded).") var seed: Int?
        @Option(help: "Model (default local).") var model: String?
        @Option(help: "An image asset's id: the video starts from it (image-to-video).") var image: String?
        @Option(help: "A text template's id: its script becomes the scenes and the narration.") var template: String?
        @Option(name: .customLong("var"), help: "NAME=VALUE for the template's placeholders; repeat for several.") var variables: [String] = []
        @Option(help: "Title of the asset.") var title: String?
        @Flag(help: "Run now and wait for the asset.") var wait = false

        func validate() throws {
            guard prompt != nil || template != nil else { throw ValidationError("Give a PROMPT or --template.") }
        }

        func run() async throws {
            var request = GenerationRequest(kind: .video, prompt: prompt)
            (request.imageAssetId, request.templateId) = (image, template)
            if !variables.isEmpty { request.variables = try parseVariables(variables) }
            (request.seconds, request.narration, request.voice, request.model, request.title) = (seconds, narration, voice, model, title)
            request.seed = seed
            (request.width, request.height) = try parseSize(size)
            if let script {
                guard let text = try? String(contentsOfFile: script, encoding: .utf8) else { throw ValidationError("Cannot read the script file \(script).") }
                request.script = text.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            }
            let generation = Generation(library: try global.open())
            let bar = ProgressBar("composing", json: global.json)
            let (user, wait) = (global.userId, wait)
            let result = try await cancellingOnInterrupt { [request] in
                try await generation.generate(request, userId: user, wait: wait, progress: bar.update)
            }
            bar.finish()
            try emit(result, json: global.json)
        }
    }
}

struct RegenerateCommand: AsyncParsableCommand, JSONOutput {
    static let configuration = CommandConfiguration(
        commandName: "regenerate", abstract: "Make a new image from an existing one with changes; the original is kept.")
    @OptionGroup var global: GlobalOptions
    @Argument(help: "The image asset's id.") var assetId: String
    @Option(help: "A new prompt.") var prompt: String?
    @Option(help: "Seed (default: a new one).") var seed: Int?
    @Option(help: "Size as WIDTHxHEIGHT.") var size: String?
    @Option(help: "Sampling steps.") var steps: Int?
    @Option(help: "Guidance (CFG) scale.") var guidance: Double?
    @Flag(help: "Run now and wait for the asset.") var wait = false

    func run() async throws {
        var m = ImageModifications()
        (m.prompt, m.seed, m.steps, m.guidance) = (prompt, seed, steps, guidance)
        (m.width, m.height) = try parseSize(size)
        let (images, user, id, wait, modifications) = (try generators(global).0, global.userId, assetId, wait, m)
        try emit(
            try await cancellingOnInterrupt { try await images.regenerateImage(id, userId: user, modifications: modifications, wait: wait) }, json: global.json)
    }
}

struct ImagesCommand: AsyncParsableCommand, JSONOutput {
    static let configuration = CommandConfiguration(commandName: "images", abstract: "List your images, newest first (listUserImages).")
    @OptionGroup var global: GlobalOptions
    @Option(help: "Search text.") var text: String?
    @Option(name: .customLong("tag"), help: "Must carry this tag; repeat for several.") var tags: [String] = []
    @Option(help: "Items per page, 1–500 (default 50).") var limit: Int?
    @Option(help: "Continue after a previous page.") var cursor: String?

    func run() async throws {
        var f = AssetFilters()
        (f.text, f.limit, f.cursor) = (text, limit, cursor)
        f.tags = tags.isEmpty ? nil : tags
        let page = try await generators(global).0.listUserImages(userId: global.userId, filters: f)
        Output.emit(page, json: global.json) { Output.page(page, row: Output.row) }
    }
}

struct ContentCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "content", abstract: "Write, improve and brainstorm copy (ContentCreator).",
        subcommands: [Generate.self, Improve.self, Ideas.self, FromTemplate.self])

    struct Generate: AsyncParsableCommand, JSONOutput {
        static let configuration = CommandConfiguration(abstract: "Write copy of a type and save it as a text asset.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "blog-post, social-post, ad-copy, email, product-description, headline, slogan or script.") var type: String
        @Argument(help: "What it is about.") var prompt: String
        @Option(help: "friendly, professional, playful, bold …") var tone: String?
        @Option(help: "short, medium or long.") var length: String?
        @Option(help: "Who it is for.") var audience: String?
        @Option(help: "Language (default English).") var language: String?
        @Option(help: "A chat model (gpt-4o, claude-sonnet-4 …; default the built-in writer).") var model: String?
        @Option(help: "Force a provider: openai, anthropic, ollama or local.") var provider: String?

        func run() async throws {
            var options = GenerationRequest(kind: .content)
            (options.tone, options.length, options.audience, options.language) = (tone, length, audience, language)
            (options.model, options.provider) = (model, provider)
            let (content, user, type, prompt) = (try generators(global).1, global.userId, type, prompt)
            try emit(
                try await cancellingOnInterrupt { [options] in try await content.generateContent(userId: user, type: type, prompt: prompt, options: options) },
                json: global.json)
        }
    }

    struct Improve: AsyncParsableCommand, JSONOutput {
        static let configuration = CommandConfiguration(abstract: "Edit copy toward a goal and explain the changes.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The copy, or - to read it from stdin.") var text: String
        @Option(help: "clearer, shorter, more persuasive, friendlier …") var goal = "clearer"
        @Option(help: "A chat model (gpt-4o, claude-sonnet-4 …) instead of the built-in editor; the result is saved as an asset.") var model: String?

        func run() async throws {
            let original = text == "-" ? String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self) : text
            let (content, user, goal, model) = (try generators(global).1, global.userId, goal, model)
            let result = try await cancellingOnInterrupt { try await content.improveCopy(original, goal: goal, model: model, userId: user) }
            Output.emit(result, json: global.json) {
                ([result.improved, ""] + result.suggestions.map { "- \($0)" }
                    + [String(format: "\nreadability %.0f → %.0f", result.readabilityBefore, result.readabilityAfter)]).joined(separator: "\n")
            }
        }
    }

    struct Ideas: AsyncParsableCommand, JSONOutput {
        static let configuration = CommandConfiguration(abstract: "Exactly COUNT distinct ideas for a topic.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The topic.") var topic: String
        @Option(help: "How many (1–100).") var count = 10
        @Option(help: "A chat model (gpt-4o, claude-sonnet-4 …) instead of the built-in generator.") var model: String?
        @Flag(help: "Keep the ideas as a text asset (always done with --model).") var save = false

        func run() async throws {
            let (content, user, topic, count, model, save) = (try generators(global).1, global.userId, topic, count, model, save)
            let result = try await cancellingOnInterrupt { try await content.generateIdeas(topic, count: count, model: model, userId: user, save: save) }
            Output.emit(result, json: global.json) { result.ideas.enumerated().map { "\($0.offset + 1). \($0.element)" }.joined(separator: "\n") }
        }
    }

    struct FromTemplate: AsyncParsableCommand, JSONOutput {
        static let configuration = CommandConfiguration(abstract: "Fill a template's placeholders and run it.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The template id.") var templateId: String
        @Option(name: .customLong("var"), help: "NAME=VALUE for a placeholder; repeat for several.") var variables: [String] = []
        @Flag(help: "Queue the job instead of running it now.") var queue = false

        func run() async throws {
            let (content, user, id, wait, variables) = (try generators(global).1, global.userId, templateId, !queue, try parseVariables(variables))
            try emit(
                try await cancellingOnInterrupt { try await content.createFromTemplate(userId: user, templateId: id, variables: variables, wait: wait) },
                json: global.json)
        }
    }
}

/// `--var NAME=VALUE` options as template variables.
func parseVariables(_ pairs: [String]) throws -> [String: JSONValue] {
    var values: [String: JSONValue] = [:]
    for pair in pairs {
        guard let eq = pair.firstIndex(of: "=") else { throw ValidationError("--var takes NAME=VALUE, not \(pair).") }
        values[String(pair[..<eq])] = .string(String(pair[pair.index(after: eq)...]))
    }
    return values
}
