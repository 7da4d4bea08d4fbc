import Foundation

/// Blog posts, emails and video scripts: the formats with structure worth scaffolding.
enum LongFormWriter {
    // MARK: Blog post

    static func blogPost(_ s: ContentStyle) -> String {
        let t = s.topic
        let title = s.voice(
            neutral: "Everything You Need to Know About \(s.title)",
            friendly: "\(s.title), Made Easy: A Friendly Guide",
            professional: "A Practical Guide to \(s.title)",
            playful: "\(s.title) Without the Headache (Yes, Really)",
            bold: "Stop Guessing: The No-Nonsense Guide to \(s.title)"
        )
        let intro = s.voice(
            neutral: "This guide covers what \(t) is, why it matters\(s.forAudience), and how to get results with a simple, repeatable process.",
            friendly:
                "If you've ever wondered where to start with \(t), you're in the right place. This guide walks \(s.readerObject) through the essentials step by step, with no jargon and no pressure.",
            professional:
                "\(TextTools.capitalizingFirstLetter(t)) is becoming central to how \(s.readers) work. This article outlines the core principles, a repeatable process and the pitfalls that cost teams time and money.",
            playful:
                "Let's be honest: \(t) can look a little intimidating. Good news: it's far more fun than it looks. Grab a drink, get comfy, and let's dig in\(s.forAudience.isEmpty ? "" : " (this one's\(s.forAudience))").",
            bold: "Most advice about \(t) is vague. This isn't. Here's exactly what works, what doesn't and what to do next\(s.forAudience)."
        )
        var lines = ["# \(title)", "", "*A guide to \(t)\(s.forAudience).*", "", intro, ""]
        if s.length == .long {
            lines += [
                "**Key takeaways**", "", "- Start small and build a routine around \(t).",
                "- Track one number so progress is visible.", "- Learn from common mistakes before you make them.", "",
            ]
        }
        let sectionCount = s.amount(short: 3, medium: 5, long: 7)
        let bulletCount = s.amount(short: 2, medium: 3, long: 4)
        for (index, section) in blogSections(s).prefix(sectionCount).enumerated() {
            lines += ["## \(index + 1). \(section.heading)", ""]
            lines += section.bullets.prefix(bulletCount).map { "- \($0)" }
            lines.append("")
        }
        let conclusion = s.voice(
            neutral:
                "\(TextTools.capitalizingFirstLetter(t)) rewards steady practice more than big leaps. Use the steps above as a checklist and revisit them as you improve.",
            friendly: "That's it! You don't need to be an expert to get going with \(t); you just need a first step and a little patience with yourself.",
            professional:
                "Organisations that treat \(t) as a repeatable process, rather than a one-off project, see the most consistent results. Start with the fundamentals and measure as you go.",
            playful: "And there you have it: \(t), demystified. No capes or secret handshakes required, just curiosity and a willingness to try things.",
            bold: "You now know more about \(t) than most people who talk about it. The only thing left is to act on it."
        )
        let cta = s.voice(
            neutral: "**Next step:** pick one idea from this guide and try it this week.",
            friendly: "**Your turn:** try one tip this week and tell us how it went in the comments. We'd love to hear from you!",
            professional: "**Next step:** download the checklist and share it with your team to put these practices into action.",
            playful: "**Go on:** pick your favourite tip, give it a whirl and report back. Bonus points for before-and-after photos.",
            bold: "**Start today:** choose one step, do it now and stop waiting for the perfect moment."
        )
        lines += ["## Conclusion", "", conclusion, "", cta]
        return lines.joined(separator: "\n")
    }

    private static func blogSections(_ s: ContentStyle) -> [(heading: String, bullets: [String])] {
        let t = s.topic
        return [
            (
                "Why \(s.title) Matters\(s.forAudience)",
                [
                    "The problem \(t) solves, in one sentence", "What changes when you get \(t) right",
                    "A quick example \(s.readers) will recognise", "The real cost of ignoring it",
                ]
            ),
            (
                "The Basics of \(s.title)",
                [
                    "Key terms, defined in plain English", "The minimum tools or resources you need",
                    "How long it realistically takes to see results", "What good looks like: a simple benchmark",
                ]
            ),
            (
                "A Step-by-Step Approach",
                [
                    "Step 1: set one clear, measurable goal for \(t)", "Step 2: start small with a simple first attempt",
                    "Step 3: review what worked and adjust", "Step 4: build a weekly routine around it",
                ]
            ),
            (
                "Common Mistakes to Avoid",
                [
                    "Trying to do everything at once", "Copying someone else's approach without adapting it",
                    "Skipping the basics to chase advanced tricks", "Not tracking results, so progress stays invisible",
                ]
            ),
            (
                "Tools and Resources",
                [
                    "A free option to get started with \(t)", "One upgrade worth paying for later",
                    "A community or forum for questions", "A printable checklist to stay consistent",
                ]
            ),
            (
                "A Real-World Example",
                [
                    "The starting point and the goal", "What was tried first, and what failed",
                    "The change that made the difference", "The measurable result",
                ]
            ),
            (
                "Taking \(s.title) Further",
                [
                    "Advanced techniques once the basics are habit", "How to teach \(t) to others",
                    "Signals that it's time to level up", "Where \(t) is heading next",
                ]
            ),
        ]
    }

    // MARK: Email

    static func email(_ s: ContentStyle) -> String {
        let t = s.topic
        let subjects = [
            s.voice(
                neutral: "Your guide to \(t)", friendly: "A little something about \(t) for you",
                professional: "\(s.title): key insights and next steps", playful: "\(s.title)? Oh, we have thoughts",
                bold: "Stop overthinking \(t)"),
            "\(s.amount(short: 3, medium: 5, long: 7)) quick wins for \(t)",
            "What most people miss about \(t)",
            "Your \(t) questions, answered",
            "Last chance: our best \(t) tips",
        ]
        let greeting = s.voice(
            neutral: "Hello,", friendly: "Hi there,",
            professional: s.audience.map { "Dear \($0)," } ?? "Dear reader,",
            playful: "Hey you!", bold: "Quick one:"
        )
        let opener = s.voice(
            neutral: "We put together a short guide to \(t)\(s.forAudience), with the steps that make the biggest difference.",
            friendly: "I hope your week is going well! I wanted to share a few ideas about \(t) that have made a real difference for \(s.readers) like you.",
            professional: "As \(t) becomes a priority for \(s.readers), we have summarised the practices that deliver measurable results.",
            playful: "Confession: we've been a little obsessed with \(t) lately. So we bottled up the best bits and sent them straight to your inbox.",
            bold: "Most people wait too long to take \(t) seriously. You don't have to."
        )
        let cta = s.voice(
            neutral: "Read the full guide", friendly: "Take a look (it's free)", professional: "Download the briefing",
            playful: "Show me the good stuff", bold: "Get started now"
        )
        let signOff = s.voice(
            neutral: "Best regards,", friendly: "Warmly,", professional: "Kind regards,",
            playful: "High fives,", bold: "To your progress,")
        var lines = ["**Subject line options**", ""]
        lines += subjects.prefix(s.amount(short: 2, medium: 3, long: 5)).enumerated().map { "\($0.offset + 1). \($0.element)" }
        lines += [
            "", "**Preview text:** The simplest way\(s.audience.map { " for \($0)" } ?? "") to make progress with \(t), in under five minutes of reading.", "",
            "---", "",
            greeting, "", opener, "",
        ]
        if s.length != .short {
            lines += ["Here's what's inside:", ""]
            let points = [
                "A simple first step with \(t) you can take today", "The mistake that slows most people down",
                "A checklist to keep you on track", "A real example with the numbers behind it",
                "Answers to the questions we hear most",
            ]
            lines += points.prefix(s.amount(short: 0, medium: 3, long: 5)).map { "- \($0)" }
            lines.append("")
        }
        if s.length == .long {
            lines += ["Each idea takes less than an hour to try, and together they add up to a routine that lasts.", ""]
        }
        lines += ["**[\(cta) →]**", "", signOff, "The team"]
        if s.length == .long {
            lines += ["", "P.S. Reply to this email with your biggest question about \(t) and we'll answer it in a future issue."]
        }
        return lines.joined(separator: "\n")
    }

    // MARK: Script

    static func script(_ s: ContentStyle) -> String {
        let t = ContentWriter.cell(s.topic)
        let hook = s.voice(
            neutral: "Here's what you need to know about \(t).", friendly: "Ever wanted to try \(t)? Let's make it easy.",
            professional: "\(TextTools.capitalizingFirstLetter(t)): three things every team should know.",
            playful: "Warning: \(t) may become your new favourite thing.", bold: "You're doing \(t) wrong. Here's the fix."
        )
        let close = s.voice(
            neutral: "Follow for more tips on \(t).", friendly: "Give it a try and tell us how it goes!",
            professional: "Visit our website to learn more.", playful: "Go on, hit follow. You know you want to.",
            bold: "Start today. Link in bio."
        )
        let audienceShot = s.audience.map { ContentWriter.cell($0) } ?? "the viewer"
        let scenes: [(visual: String, voiceOver: String)] = [
            ("Close-up hook shot with bold on-screen text: \"\(t)\"", hook),
            (
                "\(TextTools.capitalizingFirstLetter(audienceShot)) looking frustrated at a common problem",
                "Most people struggle with the same thing: knowing where to start."
            ),
            ("Title card introducing \(t)", "That's where \(t) comes in."),
            ("Hands-on demo, step by step, with captions", "Step one: start small. Step two: repeat it daily. Step three: track what changes."),
            ("Before-and-after split screen", "The difference shows up faster than you'd expect."),
            ("Quick tip overlay with an icon", "Pro tip: keep a simple log so you can see your progress."),
            ("Logo and call-to-action end card", close),
        ]
        // Short scripts keep hook, demo and call to action: the scenes a viewer cannot miss.
        let picks: [Int] =
            switch s.length {
            case .short: [0, 3, 6]
            case .medium: [0, 1, 3, 4, 6]
            case .long: Array(scenes.indices)
            }
        let secondsPerScene = s.amount(short: 5, medium: 7, long: 9)
        var lines = [
            "# Video script: \(s.title)", "",
            "**Runtime:** about \(picks.count * secondsPerScene) seconds · **Tone:** \(s.tone.rawValue) · **Audience:** \(s.audience ?? "general")", "",
            "| Scene | Time | Visuals | Voice-over |", "|---|---|---|---|",
        ]
        for (number, index) in picks.enumerated() {
            let start = number * secondsPerScene
            lines.append("| \(number + 1) | \(start)–\(start + secondsPerScene)s | \(scenes[index].visual) | \(scenes[index].voiceOver) |")
        }
        lines += [
            "",
            "**Music:** \(s.voice(neutral: "light background track", friendly: "upbeat acoustic", professional: "minimal corporate ambient", playful: "bouncy ukulele", bold: "driving percussion"))",
        ]
        return lines.joined(separator: "\n")
    }
}
