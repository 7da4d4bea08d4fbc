extension LocalImage {
    /// An RGB colour with channels in 0...1.
    struct Color: Sendable, Equatable {
        var r: Float, g: Float, b: Float

        init(hex: UInt32) {
            r = Float((hex >> 16) & 0xFF) / 255
            g = Float((hex >> 8) & 0xFF) / 255
            b = Float(hex & 0xFF) / 255
        }
    }

    static func fnv1a(_ text: String, basis: UInt64 = 0xcbf2_9ce4_8422_2325) -> UInt64 {
        StableHash.fnv1a(text, basis: basis)
    }

    typealias Random = SeededGenerator

    /// Four colours from dark to light; the first two paint the background, the rest are accents.
    struct Theme: Sendable {
        var words: [String]
        var colors: [Color]

        init(_ words: [String], _ hexes: [UInt32]) {
            self.words = words
            colors = hexes.map(Color.init(hex:))
        }
    }

    /// Colour and mood words a prompt is likely to contain, each mapped to a palette.
    static let themes: [Theme] = [
        Theme(["red", "crimson", "scarlet", "ruby", "blood"], [0x3A0A12, 0xA61E2D, 0xFF6F61, 0xFFD1C1]),
        Theme(["blue", "azure", "cobalt", "sapphire", "sky"], [0x0B1D51, 0x1E4DB7, 0x5FA8FF, 0xCFE8FF]),
        Theme(["gold", "golden", "amber", "honey", "brass"], [0x2E2004, 0x9A6F0B, 0xF5C542, 0xFFF1C1]),
        Theme(["forest", "green", "jungle", "moss", "emerald", "leaf", "tree"], [0x0C2418, 0x2E6B3F, 0x7FB069, 0xE3F2C1]),
        Theme(["ocean", "sea", "water", "teal", "wave", "lagoon", "aqua"], [0x02263F, 0x0A6C8C, 0x2EC4B6, 0xD4F5F0]),
        Theme(["sunset", "dusk", "orange", "sunrise", "dawn", "evening"], [0x2D1B4E, 0xB83B5E, 0xF08A5D, 0xF9D56E]),
        Theme(["night", "dark", "midnight", "space", "galaxy", "star", "moon"], [0x05070F, 0x151A3B, 0x4F4DAF, 0xC9B6FF]),
        Theme(["purple", "violet", "lavender", "plum", "magic"], [0x240B36, 0x6A2C91, 0xB57EDC, 0xF0D9FF]),
        Theme(["pink", "rose", "blossom", "cherry", "love"], [0x4A1030, 0xD63A7A, 0xFF9EC4, 0xFFE3EF]),
        Theme(["yellow", "sun", "sunny", "summer", "lemon", "bright"], [0x5A3E00, 0xE8A900, 0xFFE066, 0xFFFBE0]),
        Theme(["ice", "snow", "winter", "frost", "frozen", "arctic", "white"], [0x1C2B3A, 0x6B8FB3, 0xBCD9F0, 0xF7FBFF]),
        Theme(["fire", "lava", "flame", "volcano", "ember", "hot"], [0x1A0500, 0x8B1E00, 0xFF5A00, 0xFFD23F]),
        Theme(["desert", "sand", "autumn", "earth", "brown", "rust", "wood"], [0x3E2410, 0xA0522D, 0xE0A96D, 0xF6E3C6]),
        Theme(["neon", "cyberpunk", "city", "synthwave", "retro", "electric"], [0x0D0221, 0x5B1A8C, 0xFF2A6D, 0x05D9E8]),
        Theme(["pastel", "soft", "dream", "dreamy", "cloud", "candy"], [0x8E9AC8, 0xBDB2FF, 0xFFC6FF, 0xFDFFB6]),
        Theme(["mist", "fog", "grey", "gray", "silver", "rain", "stone"], [0x2B2D31, 0x6C717A, 0xB8BCC4, 0xEEF0F3]),
        Theme(["spring", "flower", "garden", "meadow", "bloom"], [0x2F4F2F, 0x6FA53A, 0xF48FB1, 0xFFF59D]),
    ]

    /// Lower-cased words of letters only, with a plural "s" dropped so "waves" finds "wave".
    static func words(_ text: String) -> [String] {
        text.lowercased().split(whereSeparator: { !$0.isLetter }).map { word in
            word.count > 3 && word.hasSuffix("s") && !word.hasSuffix("ss") ? String(word.dropLast()) : String(word)
        }
    }

    /// Up to three themes in the order the prompt names them, minus any the negative prompt
    /// names. A prompt without colour words still gets a palette, chosen by its hash, so
    /// different prompts look different.
    static func themes(prompt: String, negative: String?) -> [Theme] {
        let banned = Set(words(negative ?? ""))
        let allowed = themes.filter { $0.words.allSatisfy { !banned.contains($0) } }
        var chosen: [Theme] = []
        for word in words(prompt) {
            guard chosen.count < 3, let theme = allowed.first(where: { $0.words.contains(word) }),
                !chosen.contains(where: { $0.words == theme.words })
            else { continue }
            chosen.append(theme)
        }
        if chosen.isEmpty {
            let pool = allowed.isEmpty ? themes : allowed
            chosen.append(pool[Int(fnv1a(prompt) % UInt64(pool.count))])
        }
        return chosen
    }
}
