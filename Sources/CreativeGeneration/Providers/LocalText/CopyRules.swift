import Foundation

/// The editor's word lists. Kept apart from the pipeline so they can grow without making the
/// editing logic harder to read.
enum CopyRules {
    /// Wordy phrase → plain replacement. Longer phrases come first so they win over their parts.
    static let wordyPhrases: [(phrase: String, replacement: String)] = [
        ("in spite of the fact that", "although"), ("despite the fact that", "although"),
        ("due to the fact that", "because"), ("owing to the fact that", "because"),
        ("at this point in time", "now"), ("at the present time", "now"), ("at this moment in time", "now"),
        ("in the event that", "if"), ("in the near future", "soon"), ("for the purpose of", "for"),
        ("in close proximity to", "near"), ("a large number of", "many"), ("a great number of", "many"),
        ("the vast majority of", "most"), ("the majority of", "most"), ("a majority of", "most"),
        ("has the ability to", "can"), ("have the ability to", "can"), ("is able to", "can"),
        ("are able to", "can"), ("in order to", "to"), ("in order for", "for"),
        ("with regard to", "about"), ("with respect to", "about"), ("in regard to", "about"),
        ("in regards to", "about"), ("in terms of", "in"), ("each and every", "every"),
        ("first and foremost", "first"), ("whether or not", "whether"), ("make a decision", "decide"),
        ("made a decision", "decided"), ("give consideration to", "consider"), ("prior to", "before"),
        ("subsequent to", "after"), ("at all times", "always"), ("on a daily basis", "daily"),
        ("on a regular basis", "regularly"), ("until such time as", "until"), ("all of the", "all the"),
        ("end result", "result"), ("past history", "history"), ("future plans", "plans"),
        ("completely eliminate", "eliminate"), ("free gift", "gift"), ("basic fundamentals", "fundamentals"),
        ("utilizes", "uses"), ("utilized", "used"), ("utilize", "use"), ("leverages", "uses"),
    ]

    /// Openers that delay the point; removed outright (with a trailing comma if present).
    static let throatClearing: [String] = [
        "it is important to note that", "it should be noted that", "it goes without saying that",
        "needless to say", "for all intents and purposes", "at the end of the day",
        "as a matter of fact", "to be honest", "the thing is that",
        "i just wanted to reach out to let you know that", "i wanted to reach out to let you know that",
        "i just wanted to let you know that", "i wanted to let you know that", "i am writing to let you know that",
    ]

    /// "very + adjective" pairs that have a stronger single word.
    static let intensified: [(phrase: String, replacement: String)] = [
        ("very important", "crucial"), ("very big", "huge"), ("very large", "huge"),
        ("very small", "tiny"), ("very good", "excellent"), ("very bad", "awful"),
        ("very tired", "exhausted"), ("very happy", "delighted"), ("very hungry", "starving"),
        ("very scared", "terrified"), ("very angry", "furious"), ("really important", "crucial"),
        ("really good", "excellent"), ("very difficult", "tough"), ("very quick", "rapid"),
    ]

    /// Words that add emphasis but no meaning. "absolutely" and "definitely" are left alone
    /// because on their own they are often complete answers.
    static let fillers: [String] = [
        "very", "really", "just", "actually", "basically", "literally", "totally",
        "quite", "extremely", "honestly", "incredibly", "truly",
    ]

    /// Vague attributions that hide who is making a claim.
    static let weaselPhrases: [String] = [
        "some people say", "some say", "some would say", "many people", "many believe",
        "many experts", "experts say", "experts agree", "studies show", "research shows",
        "research suggests", "it is believed", "it is said", "it is thought", "it has been said",
        "it has been suggested", "it could be argued", "widely regarded", "widely considered",
        "arguably", "critics say", "reportedly", "allegedly", "everyone knows", "they say",
    ]

    /// Phrases that make the writer sound unsure of their own point.
    static let hedges: [String] = [
        "kind of", "sort of", "i think", "i feel like", "i believe", "perhaps", "maybe", "somewhat",
    ]

    /// Irregular past participles; regular ones are caught by the "-ed" rule.
    static let irregularParticiples: [String] = [
        "written", "done", "made", "seen", "given", "taken", "known", "shown", "built", "sent",
        "paid", "said", "told", "found", "held", "kept", "left", "lost", "meant", "put", "sold",
        "thought", "brought", "bought", "caught", "taught", "chosen", "driven", "eaten", "fallen",
        "forgotten", "hidden", "spoken", "stolen", "broken", "worn", "torn", "drawn", "thrown",
        "grown", "begun", "led", "fed", "heard", "understood", "won", "spent", "beaten", "frozen",
        "proven", "set", "run", "cut", "hit", "shut", "sung", "hung", "overlooked", "undertaken",
    ]

    /// "-ed" words that are usually adjectives (or not verbs at all) after "is"/"was".
    static let edExceptions: Set<String> = [
        "interested", "excited", "tired", "bored", "worried", "pleased", "concerned", "supposed",
        "married", "scared", "red", "bed", "need", "feed", "seed", "speed", "shed", "hundred",
        "sacred", "naked", "wicked", "rugged", "indeed", "ashamed", "aged", "beloved", "talented",
        "skilled", "dedicated", "committed", "detailed", "advanced", "experienced", "sophisticated",
    ]

    /// Contractions applied when the goal asks for a friendlier voice.
    static let contractions: [(phrase: String, replacement: String)] = [
        ("do not", "don't"), ("does not", "doesn't"), ("did not", "didn't"), ("is not", "isn't"),
        ("are not", "aren't"), ("was not", "wasn't"), ("cannot", "can't"), ("can not", "can't"),
        ("will not", "won't"), ("would not", "wouldn't"), ("should not", "shouldn't"),
        ("we are", "we're"), ("you are", "you're"), ("they are", "they're"), ("it is", "it's"),
        ("that is", "that's"), ("i am", "I'm"), ("we will", "we'll"), ("you will", "you'll"),
        ("we have", "we've"), ("let us", "let's"),
    ]

    /// Words whose presence suggests the copy already asks the reader to act.
    static let callToActionWords: [String] = [
        "sign up", "subscribe", "buy", "order", "shop", "book", "call", "contact", "download",
        "try", "start", "join", "register", "get started", "learn more", "reply", "claim", "request",
    ]

    static func containsPhrase(_ phrase: String, in text: String) -> Bool {
        let pattern = "\\b" + TextTools.escapeRegex(phrase) + "\\b"
        return TextTools.replaceMatches(pattern, in: text) { _, _ in "" }.count > 0
    }
}
