import CreativeCatalog
import CreativeLibraries
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Realistic synthetic asset sidecars for benchmarks: prompts, tags and parameters like the ones
/// people write, about 1 KB each, spread over users, months and collections. Deterministic.
enum SyntheticAssets {
    static let subjects = [
        "lighthouse on a rocky coast", "red fox in deep snow", "neon city street at night", "ceramic coffee mug",
        "running sneaker", "mountain lake at sunrise", "vintage robot toy", "castle on a cliff", "dragon over a valley",
        "english cottage garden", "desert canyon road", "electric sports car", "minimalist wrist watch", "glass perfume bottle",
        "bowl of ramen", "astronaut in a greenhouse", "sailboat in a storm", "cozy reading nook", "owl in a pine forest",
        "street market in Marrakech", "tropical beach bungalow", "snowy mountain cabin", "koi pond with lanterns",
        "leather backpack", "skyscraper reflections", "bee on a sunflower", "steam locomotive", "jellyfish in deep water",
        "wooden chess set", "hot air balloons over hills", "cyberpunk alleyway", "field of lavender", "polar bear on ice",
        "espresso machine", "ancient library", "waterfall in a jungle", "vinyl record player", "rainy Tokyo crosswalk",
    ]
    static let styles = [
        "cinematic photo", "studio product photography", "watercolor painting", "oil painting", "isometric 3d render",
        "flat vector illustration", "analog film photo", "pencil sketch", "low poly art", "ukiyo-e woodblock print",
        "macro photography", "aerial drone shot", "editorial fashion photo", "concept art", "claymation",
    ]
    static let details = [
        "golden hour", "volumetric light", "soft diffused lighting", "dramatic clouds", "shallow depth of field",
        "35mm", "f/1.8", "highly detailed", "award winning", "muted palette", "vibrant colors", "long exposure",
        "rim light", "fog", "symmetrical composition", "bokeh", "8k", "sharp focus", "pastel tones", "high contrast",
    ]
    static let samplers = ["Euler a", "DPM++ 2M Karras", "DDIM", "UniPC", "DPM++ SDE Karras"]
    static let models = ["local", "sdxl", "dall-e-3", "gpt-image-1", "stable-image-core"]
    static let providers = ["local", "sdwebui", "openai", "openai", "stability"]
    static let categories = ["product", "social", "landscape", "portrait", "concept", "marketing"]
    static let users = (0..<20).map { "user\($0)" }

    /// The words a benchmark search uses (they occur in the prompts).
    static var searchWords: [String] {
        subjects.flatMap { $0.split(separator: " ").map(String.init) }.filter { $0.count > 3 }
    }

    static func asset(_ n: Int, base: Date) -> CreativeAsset {
        var rng = n &* 2_654_435_761 &+ 97
        func pick<T>(_ list: [T]) -> T {
            rng = (rng &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407) & Int.max
            return list[(rng >> 17) % list.count]
        }
        let subject = pick(subjects)
        let style = pick(styles)
        let picked = (0..<5).map { _ in pick(details) }
        let created = base.addingTimeInterval(Double(n) * 97.0)
        var asset = CreativeAsset(
            id: ULID.make(at: created), userId: pick(users), type: n % 9 == 0 ? .text : .image,
            title: subject.prefix(1).uppercased() + subject.dropFirst(), url: n % 9 == 0 ? "content.md" : "image.png",
            createdAt: created, updatedAt: created.addingTimeInterval(Double(n % 500)))
        asset.prompt = "\(style) of a \(subject), \(picked.joined(separator: ", "))"
        asset.negativePrompt = "blurry, low quality, watermark, text, deformed, oversaturated"
        if n % 3 == 0 { asset.description = "Exploration \(n % 97) for the \(pick(categories)) board: \(subject) rendered as \(style)." }
        let model = pick(models)
        asset.model = model
        asset.provider = providers[models.firstIndex(of: model) ?? 0]
        asset.category = pick(categories)
        let noun: String = subject.split(separator: " ").last.map(String.init) ?? "art"
        let medium: String = style.split(separator: " ").first.map(String.init) ?? "style"
        asset.tags = Array(Set([noun, medium, pick(details)])).sorted()
        asset.isFavorite = n % 7 == 0
        asset.isPublic = n % 11 == 0
        asset.status = n % 53 == 0 ? .archived : .ready
        if asset.type == .image {
            (asset.width, asset.height, asset.format, asset.fileSize) = (1024, 1024, "png", 900_000 + n % 100_000)
            asset.thumbnailUrl = "thumbnail.webp"
            (asset.seed, asset.steps, asset.guidance, asset.sampler) = (n &* 7919 % 4_294_967_295, 30, 7.0, pick(samplers))
            asset.parameters = ["width": .int(1024), "height": .int(1024), "cfgScale": .double(7), "clipSkip": .int(2)]
        } else {
            (asset.format, asset.fileSize) = ("md", 2000 + n % 3000)
        }
        asset.cost = asset.provider == "openai" ? 0.04 : 0
        return asset
    }

    /// Writes COUNT synthetic asset folders into a new library at `dir`, once (a marker file says
    /// it is done; plain writes, behind the index's back: this is set-up, not the thing measured).
    /// - Parameter owner: gives every asset to one user instead of spreading them over `users`.
    static func seed(_ dir: String, count: Int, owner: String? = nil, json: Bool) throws {
        let marker = "\(dir)/.bench-\(count)" + (owner.map { "-\($0)" } ?? "")
        if FileManager.default.fileExists(atPath: marker) { return }
        try? FileManager.default.removeItem(atPath: dir)
        _ = try CreativeLibrary.initialize(dir)
        let encoder = JSONCoding.encoder()
        let base = Timestamp.parse("2025-06-01T00:00:00.000Z") ?? Date()
        let bar = ProgressBar("seeding", json: json)
        var made = Set<String>()
        for n in 0..<count {
            var asset = asset(n, base: base)
            if let owner { asset.userId = owner }
            let month = String(Timestamp.format(asset.createdAt).prefix(7))
            let parent = n % 10 == 0 ? "\(dir)/assets/campaigns/board-\(n % 7)" : "\(dir)/assets/\(month)"
            let slug = asset.title.lowercased().split { !$0.isLetter && !$0.isNumber }.joined(separator: "-")
            let folder = "\(parent)/\(slug)--\(asset.id)"
            if made.insert(parent).inserted { try FileManager.default.createDirectory(atPath: parent, withIntermediateDirectories: true) }
            guard mkdir(folder, 0o755) == 0 else { throw CreativeError(.storage, "Could not create \(folder).") }
            try encoder.encode(asset).write(to: URL(fileURLWithPath: "\(folder)/asset.json"))
            if n % 1000 == 0 { bar.update(n, count) }
        }
        bar.finish()
        _ = FileManager.default.createFile(atPath: marker, contents: nil)
    }
}
