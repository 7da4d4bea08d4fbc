import CreativeCatalog
import Foundation

/// A video script as a chat model or the built-in writer answers it, read into what a video is
/// made of: one image prompt per scene and the voice-over. Reads a Markdown table with a visuals
/// column and a voice-over column (the built-in writer's form, and what the script stage asks
/// for), labelled lines (`Visual: …` / `Voice-over: …`, `Scene 2: …`), or else one scene per
/// paragraph without narration.
struct VideoScript: Equatable {
    var scenes: [String]
    var narration: String?

    static let maxScenes = 20
    /// Spoken English runs at about 150 words a minute.
    static let wordsPerSecond = 2.5

    /// What the script stage adds to a template's prompt, so any chat model answers in a form
    /// this reads.
    static let format =
        "Answer with only a Markdown table with the columns Scene, Time, Visuals, Voice-over: one row per scene, at most \(maxScenes) scenes."

    /// A length that fits the narration (a scene at least 3 seconds), or 4 seconds a scene.
    var seconds: Double {
        let words = Double(narration?.split(whereSeparator: \.isWhitespace).count ?? 0)
        let spoken = words > 0 ? (words / Self.wordsPerSecond).rounded(.up) + 1 : 4 * Double(scenes.count)
        return min(120, max(3 * Double(scenes.count), spoken, 1))
    }

    /// nil when the text holds no scene at all.
    static func parse(_ text: String) -> VideoScript? {
        let lines = text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
        let script = table(lines) ?? labelled(lines) ?? paragraphs(lines)
        guard var script, !script.scenes.isEmpty else { return nil }
        script.scenes = Array(script.scenes.prefix(maxScenes)).map { String($0.prefix(1000)) }
        script.narration = script.narration.map { String($0.prefix(4096)) }
        return script
    }

    private static func table(_ lines: [String]) -> VideoScript? {
        for (n, line) in lines.enumerated() where line.hasPrefix("|") {
            let header = cells(line).map { $0.lowercased() }
            guard let visual = header.firstIndex(where: { isVisualLabel($0) }) else { continue }
            let voice = header.firstIndex(where: { isVoiceLabel($0) })
            var scenes: [String] = []
            var spoken: [String] = []
            for row in lines[(n + 1)...] {
                guard row.hasPrefix("|") else { break }
                let values = cells(row)
                if values.allSatisfy({ $0.allSatisfy { "-: ".contains($0) } }) { continue }
                if visual < values.count, !values[visual].isEmpty { scenes.append(values[visual]) }
                if let voice, voice < values.count, !values[voice].isEmpty { spoken.append(values[voice]) }
            }
            guard !scenes.isEmpty else { continue }
            return VideoScript(scenes: scenes, narration: spoken.isEmpty ? nil : spoken.joined(separator: " "))
        }
        return nil
    }

    private static func labelled(_ lines: [String]) -> VideoScript? {
        var (visuals, numbered, spoken) = ([String](), [String](), [String]())
        for line in lines {
            let bare = line.trimmingCharacters(in: CharacterSet(charactersIn: "#*-_> \t"))
            guard let colon = bare.firstIndex(of: ":") else { continue }
            let label = clean(String(bare[..<colon])).lowercased()
            let value = clean(String(bare[bare.index(after: colon)...]))
            guard !value.isEmpty, label.count <= 40 else { continue }
            if isVoiceLabel(label) {
                spoken.append(value)
            } else if isVisualLabel(label) {
                visuals.append(value)
            } else if label.hasPrefix("scene") {
                numbered.append(value)
            }
        }
        let scenes = visuals.isEmpty ? numbered : visuals
        guard !scenes.isEmpty else { return nil }
        return VideoScript(scenes: scenes, narration: spoken.isEmpty ? nil : spoken.joined(separator: " "))
    }

    private static func paragraphs(_ lines: [String]) -> VideoScript? {
        let scenes = lines.filter { !$0.isEmpty && !$0.hasPrefix("#") && !$0.hasPrefix("|") }.map(clean).filter { !$0.isEmpty }
        return VideoScript(scenes: scenes, narration: nil)
    }

    private static func isVisualLabel(_ label: String) -> Bool {
        ["visual", "shown", "on screen", "on-screen", "shot", "image", "scene description"].contains { label.contains($0) }
    }

    private static func isVoiceLabel(_ label: String) -> Bool {
        label.contains("voice") || label.contains("narrat") || label == "vo" || label.hasPrefix("vo ")
    }

    private static func cells(_ row: String) -> [String] {
        var parts = row.split(separator: "|", omittingEmptySubsequences: false).map { clean(String($0)) }
        if parts.first == "" { parts.removeFirst() }
        if parts.last == "" { parts.removeLast() }
        return parts
    }

    /// Without Markdown emphasis and surrounding quotes.
    private static func clean(_ text: String) -> String {
        text.replacingOccurrences(of: "**", with: "").replacingOccurrences(of: "__", with: "")
            .trimmingCharacters(in: CharacterSet(charactersIn: " \t\"“”*_"))
    }
}
