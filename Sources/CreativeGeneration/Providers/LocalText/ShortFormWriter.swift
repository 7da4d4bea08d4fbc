import Foundation

/// Social posts, ads, product descriptions, headlines and slogans.
enum ShortFormWriter {
    // MARK: Social post

    static func socialPost(_ s: ContentStyle) -> String {
        let t = s.topic
        let hook = s.voice(
            neutral: "Thinking about \(t)? Start here.",
            friendly: "Can we talk about \(t) for a sec? 😊",
            professional: "What we've learned about \(t) this year.",
            playful: "Plot twist: \(t) is way more fun than it looks 🎉",
            bold: "Unpopular opinion: most people overcomplicate \(t)."
        )
        let body = [
            "The secret isn't talent. It's a simple routine you repeat.",
            "We see this with \(s.readers) all the time: the first step is the hardest, then it clicks.",
            "Start small, track one thing, and adjust every week.",
        ]
        var lines = [hook, ""]
        lines += body.prefix(s.amount(short: 2, medium: 3, long: 3))
        if s.length == .long {
            lines += ["", "3 quick wins:", "→ Pick one goal for \(t)", "→ Block 20 minutes this week", "→ Share your result"]
        }
        let cta = s.voice(
            neutral: "Save this post for later.", friendly: "What's your experience? Tell me in the comments 👇",
            professional: "Follow for more practical insights.", playful: "Tag a friend who needs this (you know the one) 👀",
            bold: "Stop scrolling. Start today."
        )
        lines += ["", cta, "", ContentWriter.hashtags(for: s).joined(separator: " ")]
        return lines.joined(separator: "\n")
    }

    // MARK: Ad copy

    static func adCopy(_ s: ContentStyle) -> String {
        let t = s.topic
        let detail = s.length == .long ? " Setup takes minutes, and you can cancel anytime." : ""
        let variants: [(angle: String, headline: String, body: String, cta: String)] = [
            (
                "Benefit first", "\(s.title), Made Simple",
                "Get better results from \(t) in less time\(s.forAudience), without the guesswork.\(detail)",
                s.voice(neutral: "Learn more", friendly: "Give it a try", professional: "Request a demo", playful: "Let's go!", bold: "Start now")
            ),
            (
                "Problem / solution", "Tired of Struggling With \(s.title)?",
                "Most people give up on \(t) too early. Our step-by-step approach keeps you moving.\(detail)",
                s.voice(neutral: "See how it works", friendly: "Show me how", professional: "See the approach", playful: "Fix it for me", bold: "Fix it today")
            ),
            (
                "Social proof", "Join Thousands Who Love \(s.title)",
                "\(s.audience.map { TextTools.capitalizingFirstLetter($0) } ?? "People") everywhere are getting real results with \(t). You're next.\(detail)",
                s.voice(neutral: "Join them", friendly: "Join the club", professional: "Read the case studies", playful: "Count me in", bold: "Claim your spot")
            ),
            (
                "Urgency", "Your \(s.title) Upgrade Starts Today",
                "The best time to start with \(t) was yesterday. The next best time is now.\(detail)",
                s.voice(neutral: "Get started", friendly: "Start for free", professional: "Book a consultation", playful: "Hit the button", bold: "Do it now")
            ),
        ]
        var lines = ["# Ad copy: \(s.title)", ""]
        let letters = ["A", "B", "C", "D"]
        for (index, variant) in variants.prefix(s.amount(short: 2, medium: 3, long: 4)).enumerated() {
            lines += [
                "### Variant \(letters[index]) — \(variant.angle)", "",
                "**Headline:** \(variant.headline)", "",
                "**Body:** \(variant.body)", "",
                "**CTA:** \(variant.cta)", "",
            ]
        }
        lines.append("*Tip: test one variable at a time (headline first) and keep the winner.*")
        return lines.joined(separator: "\n")
    }

    // MARK: Product description

    static func productDescription(_ s: ContentStyle) -> String {
        let t = s.topic
        let opening = s.voice(
            neutral: "Make every day easier with \(t).",
            friendly: "Meet \(t): the little upgrade you'll wonder how you lived without.",
            professional: "\(TextTools.capitalizingFirstLetter(t)) delivers dependable performance\(s.forAudience), so you can focus on what matters.",
            playful: "Say hello to \(t), your new favourite sidekick.",
            bold: "Built to outperform: \(t). No compromises."
        )
        var paragraph = [opening]
        if s.length != .short {
            paragraph.append(
                "Designed\(s.forAudience.isEmpty ? " for real life" : s.forAudience), it saves you time from day one and keeps working as your needs grow.")
        }
        if s.length == .long {
            paragraph.append("Every detail has been tested so it works the way you expect, the first time and every time after.")
        }
        let bullets = [
            "**Saves time:** \(t) gets you set up in minutes, not hours",
            "**Built to last:** quality materials and careful design",
            "**Easy to use:** no learning curve\(s.audience.map { ", even for \($0)" } ?? ", no manual required")",
            "**Flexible:** adapts to the way you already work",
            "**Backed by support:** real people ready to help",
        ]
        let objection = s.voice(
            neutral: "Not sure yet? Try it risk-free for 30 days.",
            friendly: "Worried it's not for you? Try it for 30 days. If you don't love it, we'll make it right.",
            professional: "Concerned about switching costs? Our team handles onboarding, backed by a 30-day guarantee.",
            playful: "Commitment issues? No problem: 30 days to fall in love, or your money back.",
            bold: "Still hesitating? It's guaranteed for 30 days. Zero risk."
        )
        var lines = ["## \(s.title)", "", paragraph.joined(separator: " "), ""]
        lines += bullets.prefix(s.amount(short: 3, medium: 3, long: 5)).map { "- \($0)" }
        lines += ["", "*\(objection)*"]
        return lines.joined(separator: "\n")
    }

    // MARK: Headlines and slogans

    static func headlines(_ s: ContentStyle) -> String {
        let x = s.title
        let toned: [String] =
            switch s.tone {
            case .neutral: []
            case .friendly: ["\(x), Made Friendly and Simple", "Let's Talk About \(x)", "Your Friendly Guide to \(x)"]
            case .professional: ["\(x): A Strategic Overview", "Best Practices for \(x)", "The Business Case for \(x)"]
            case .playful: ["\(x), But Make It Fun", "Who Knew \(x) Could Be This Fun?", "\(x): Now With 100% More Joy"]
            case .bold: ["Stop Settling: Master \(x) Now", "\(x) Is Broken. Here's the Fix.", "The Only \(x) Guide You'll Ever Need"]
            }
        let general = [
            "How to Master \(x) in 30 Days", "7 \(x) Mistakes You're Probably Making",
            "The Beginner's Guide to \(x)", "Why \(x) Matters More Than Ever",
            "\(x): What Nobody Tells You", "10 \(x) Tips From the Pros",
            "The Simple \(x) Checklist That Actually Works", "\(x) vs. the Alternatives: An Honest Look",
            "What I Learned From a Year of \(x)", "Is \(x) Worth It? The Honest Answer",
            "The Future of \(x): 5 Predictions", "\(x) on a Budget: Smart Ways to Start",
            "Everything You Need to Know About \(x)", "How \(x) Can Save You Hours Every Week",
            "The Science Behind \(x), Explained",
        ]
        var rng = s.generator("headlines")
        var all = toned + rng.shuffled(general)
        if let audience = s.audience { all.insert("\(x) for \(audience): Where to Start", at: min(1, all.count)) }
        let count = s.amount(short: 6, medium: 10, long: 15)
        return numberedList(title: "Headline options: \(s.topic)", items: Array(all.prefix(count)))
    }

    static func slogans(_ s: ContentStyle) -> String {
        let x = s.title
        let toned: [String] =
            switch s.tone {
            case .neutral: []
            case .friendly: ["\(x), with a smile.", "We've got your \(s.topic) covered.", "\(x) that feels like home."]
            case .professional: ["\(x) you can rely on.", "Precision in every detail of \(s.topic).", "\(x), delivered."]
            case .playful: ["\(x)? Yes, please!", "Life's too short for boring \(s.topic).", "Go on, get \(s.topic)-happy."]
            case .bold: ["\(x). No excuses.", "Own your \(s.topic).", "Built for bold \(s.topic)."]
            }
        let general = [
            "\(x), made simple.", "Better \(s.topic), every day.", "\(x) that works as hard as you do.",
            "Discover the joy of \(s.topic).", "Your \(s.topic), your way.", "Small steps. Big \(s.topic) results.",
            "\(x) for the rest of us.", "Where \(s.topic) meets possibility.", "Think \(s.topic). Think smarter.",
            "\(x), reimagined.", "Start your \(s.topic) story today.", "The \(s.topic) you've been waiting for.",
        ]
        var rng = s.generator("slogans")
        var all = toned + rng.shuffled(general)
        if let audience = s.audience { all.insert("\(x), made for \(audience).", at: min(1, all.count)) }
        return numberedList(title: "Slogans for \(s.topic)", items: Array(all.prefix(s.amount(short: 5, medium: 8, long: 12))))
    }

    private static func numberedList(title: String, items: [String]) -> String {
        (["## \(title)", ""] + items.enumerated().map { "\($0.offset + 1). \($0.element)" }).joined(separator: "\n")
    }
}
