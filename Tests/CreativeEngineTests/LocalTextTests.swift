import CreativeGeneration
import Foundation
import Testing

@Suite("Local text provider")
struct LocalTextTests {
    // Deliberately padded with filler, wordy phrases, passive voice and one 30+ word sentence,
    // so every editing rule has something to act on.
    static let fillerHeavy = """
        Basically, we are really very excited to announce that in order to help you save time, our app \
        is able to sync your notes. The the update was built by our team due to the fact that many people \
        asked for it. At this point in time, the feature was just requested by a very large number of users \
        who actually wanted a faster way to organize their work, and they also wanted it to work offline on \
        every device they own without any extra setup.
        """

    // MARK: Ideas

    @Test("ideas returns exactly the requested count without case-insensitive duplicates", arguments: [1, 7, 100])
    func ideaCounts(count: Int) async {
        for topic in ["home coffee roasting", "", "  AI  "] {
            let ideas = LocalText.ideas(topic: topic, count: count)
            #expect(ideas.count == count)
            #expect(Set(ideas.map { $0.lowercased() }).count == count)
            #expect(ideas.allSatisfy { !$0.trimmingCharacters(in: .whitespaces).isEmpty })
        }
    }

    @Test("ideas are deterministic, mention the topic and differ between topics")
    func ideasDeterministic() async {
        let first = LocalText.ideas(topic: "home coffee roasting", count: 20)
        #expect(first == LocalText.ideas(topic: "home coffee roasting", count: 20))
        #expect(first == LocalText.ideas(topic: "  home coffee roasting ", count: 20))
        #expect(first.allSatisfy { $0.lowercased().contains("home coffee roasting") })
        #expect(first != LocalText.ideas(topic: "urban gardening", count: 20))
        #expect(LocalText.ideas(topic: "", count: 5).allSatisfy { !$0.contains("  ") })
    }

    // MARK: Copy editing

    @Test("improveCopy removes filler and wordy phrases")
    func removesFiller() async {
        let result = LocalText.improveCopy(Self.fillerHeavy, goal: "clearer")
        let improved = result.improved.lowercased()
        let words = improved.split(whereSeparator: { !$0.isLetter })
        #expect(!words.contains("very"))
        #expect(!words.contains("really"))
        #expect(!improved.contains("in order to"))
        #expect(!improved.contains("due to the fact that"))
        #expect(!improved.contains("the the"))
        #expect(improved.contains("because"))
        #expect(result.improved.hasPrefix("We"))
        #expect(result.suggestions.contains { $0.contains("filler") })
    }

    @Test("improveCopy flags passive voice and long sentences")
    func flagsPassiveAndLongSentences() async {
        let result = LocalText.improveCopy(Self.fillerHeavy, goal: "clearer")
        #expect(result.suggestions.contains { $0.contains("passive voice") && $0.contains("our team") })
        #expect(result.suggestions.contains { $0.contains("-word sentence") })
        #expect(result.suggestions.contains { $0.contains("Many people") })
        #expect(Set(result.suggestions).count == result.suggestions.count)

        // No semicolon or comma-conjunction to split at, so it can only be flagged.
        let unsplittable =
            "Our small team of designers from three cities spent the whole of last summer "
            + "testing every single screen of the new booking flow with more than forty real customers in their homes."
        let flagged = LocalText.improveCopy(unsplittable, goal: "")
        #expect(flagged.improved == unsplittable)
        #expect(flagged.suggestions.contains { $0.contains("32-word sentence") && $0.contains("break it into") })
    }

    @Test("readability is in range and improves for filler-heavy text")
    func readabilityImproves() async {
        let result = LocalText.improveCopy(Self.fillerHeavy, goal: "shorter")
        #expect((0...100).contains(result.readabilityBefore))
        #expect((0...100).contains(result.readabilityAfter))
        #expect(result.readabilityAfter >= result.readabilityBefore)
        #expect(
            LocalText.readability("The cat sat on the mat.")
                > LocalText.readability(
                    "Pharmacological interventions necessitate comprehensive multidisciplinary evaluation."))
        #expect(LocalText.readability("") == 0)
    }

    @Test("goal shapes suggestions and the copy is never emptied")
    func goalsAndEdgeCases() async {
        let persuasive = LocalText.improveCopy("Our tool is fast.", goal: "more persuasive")
        #expect(persuasive.suggestions.contains { $0.contains("call to action") })
        let friendly = LocalText.improveCopy("We are glad you are here and we do not want you to wait.", goal: "friendlier")
        #expect(friendly.improved.contains("We're"))
        #expect(friendly.improved.contains("don't"))
        #expect(LocalText.improveCopy("Really.", goal: "").improved == "Really.")
        #expect(LocalText.improveCopy("A very amazing idea.", goal: "").improved == "An amazing idea.")
        #expect(LocalText.improveCopy(Self.fillerHeavy, goal: "x") == LocalText.improveCopy(Self.fillerHeavy, goal: "x"))
    }

    // MARK: Content

    @Test("content is non-empty and mentions the topic for every type", arguments: ContentType.allCases)
    func contentForEveryType(type: ContentType) async {
        let topic = "home coffee roasting"
        let medium = LocalText.content(type: type, prompt: topic, tone: nil, length: nil, audience: nil)
        #expect(!medium.isEmpty)
        #expect(medium.contains(topic))
        #expect(medium == LocalText.content(type: type, prompt: topic, tone: nil, length: "medium", audience: nil))

        let short = LocalText.content(type: type, prompt: topic, tone: nil, length: "short", audience: nil)
        let long = LocalText.content(type: type, prompt: topic, tone: nil, length: "long", audience: nil)
        #expect(short.count < long.count)

        let friendly = LocalText.content(type: type, prompt: topic, tone: "friendly", length: nil, audience: nil)
        let bold = LocalText.content(type: type, prompt: topic, tone: "bold", length: nil, audience: nil)
        #expect(friendly != medium)
        #expect(friendly != bold)

        let forParents = LocalText.content(type: type, prompt: topic, tone: nil, length: nil, audience: "busy parents")
        #expect(forParents.contains("busy parents"))
    }

    @Test("content scaffolds have the promised structure")
    func contentStructure() async {
        let topic = "home coffee roasting"
        let blog = LocalText.content(type: .blogPost, prompt: topic, tone: nil, length: nil, audience: nil)
        #expect(blog.components(separatedBy: "\n## ").count - 1 == 6)  // five sections plus the conclusion
        let social = LocalText.content(type: .socialPost, prompt: topic, tone: nil, length: nil, audience: nil)
        let tags = social.split(whereSeparator: { $0 == " " || $0 == "\n" }).filter { $0.hasPrefix("#") }
        #expect(tags.count == 3)
        #expect(tags.contains("#Coffee"))
        let headlines = LocalText.content(type: .headline, prompt: topic, tone: nil, length: nil, audience: nil)
        #expect(headlines.split(separator: "\n").filter { $0.first?.isNumber == true }.count == 10)
        let slogans = LocalText.content(type: .slogan, prompt: topic, tone: nil, length: nil, audience: nil)
        #expect(slogans.split(separator: "\n").filter { $0.first?.isNumber == true }.count == 8)
        let script = LocalText.content(type: .script, prompt: topic, tone: nil, length: nil, audience: nil)
        #expect(script.contains("| Scene | Time | Visuals | Voice-over |"))
        let email = LocalText.content(type: .email, prompt: "Write an email about spring sale", tone: nil, length: nil, audience: nil)
        #expect(email.contains("spring sale"))
        #expect(!email.contains("Write an email"))
    }
}
