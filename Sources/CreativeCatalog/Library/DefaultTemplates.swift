import Foundation

/// The templates every library starts with. `creative init` writes them; the repo's `library/`
/// holds the same files (a test keeps the two equal). Ids are fixed so a synced library and a new
/// one agree. `parameters.defaults` gives a value for each placeholder a caller leaves out.
public enum DefaultTemplates {
    /// The owner of the defaults: the zero-config local user, who may edit them.
    public static let owner = "local"
    static let created = Timestamp.parse("2026-11-25T00:00:00.000Z") ?? Date(timeIntervalSince1970: 0)

    public static let all: [CreativeTemplate] = [
        make(
            1, "Product shot", .image, "product", tags: ["product", "ecommerce", "photo"],
            description: "A clean studio photograph of a product, ready for a shop listing.",
            prompt:
                "Professional studio product photograph of {{product}}, {{background}}, soft diffused lighting, subtle reflection, sharp focus, high detail, commercial photography",
            negative: "blurry, distorted, watermark, text, logo, extra objects, cropped, low quality",
            parameters: ["width": .int(1024), "height": .int(1024)],
            defaults: ["background": "on a seamless white background"]),
        make(
            2, "Social post", .text, "social", tags: ["social", "copy"],
            description: "A short post with a hook and a call to action for one platform.",
            prompt:
                "Write a {{platform}} post announcing {{topic}} for {{audience}}. Open with a hook in the first line, keep it under {{maxWords}} words, use plain language, and end with one clear call to action.{{#hashtags}} Add three relevant hashtags.{{/hashtags}}",
            defaults: ["platform": "LinkedIn", "audience": "our customers", "maxWords": "80", "hashtags": "true"]),
        make(
            3, "Blog outline", .text, "blog", tags: ["blog", "outline", "seo"],
            description: "A structured outline to write a blog post from.",
            prompt:
                "Create a blog post outline about {{topic}} for {{audience}}: a working title, a one-sentence promise to the reader, five to seven H2 sections with two or three bullet points each, and a conclusion with a call to action. Target length: {{wordCount}} words.",
            defaults: ["audience": "beginners", "wordCount": "1200"]),
        make(
            4, "Ad headline", .text, "advertising", tags: ["ads", "headline", "copy"],
            description: "Ten short ad headlines, each from a different angle.",
            prompt:
                "Write ten ad headlines for {{product}} aimed at {{audience}}. Keep each under 30 characters, lead with the benefit ({{benefit}}), and vary the angle: curiosity, urgency, social proof, numbers, and a question. No exclamation marks.",
            defaults: ["audience": "busy professionals", "benefit": "saves time"]),
        make(
            5, "Logo concept", .image, "branding", tags: ["logo", "branding", "vector"],
            description: "A simple, flat logo mark to explore a brand direction.",
            prompt:
                "Minimal flat vector logo for {{brand}}, a {{industry}} company, {{style}}, simple geometric mark, limited palette of {{colors}}, centered on a plain background",
            negative: "photo, realistic, gradients, complex details, garbled text, watermark, mockup",
            parameters: ["width": .int(1024), "height": .int(1024)],
            defaults: ["style": "modern and friendly", "colors": "two colors"]),
        make(
            6, "Email subject lines", .text, "email", tags: ["email", "subject", "copy"],
            description: "Eight subject lines with matching preview text.",
            prompt:
                "Write eight email subject lines for {{campaign}} sent to {{audience}}. Keep each under 50 characters, avoid spam trigger words and ALL CAPS, and give each a matching preview text under 90 characters.",
            defaults: ["audience": "newsletter subscribers"]),
        make(
            7, "Product description", .text, "ecommerce", tags: ["ecommerce", "product", "copy"],
            description: "A benefit-first product description with scannable bullets.",
            prompt:
                "Write a product description for {{product}}. Key features: {{features}}. Audience: {{audience}}. Tone: {{tone}}. Start with the main benefit, then three scannable bullet points, then one sentence that answers the most likely objection. At most 120 words.",
            defaults: ["audience": "online shoppers", "tone": "warm and confident"]),
        make(
            8, "Social media graphic", .image, "social", tags: ["social", "graphic", "illustration"],
            description: "A square graphic with room for a headline.",
            prompt:
                "Eye-catching square social media graphic about {{topic}}, bold simple composition, {{palette}} color palette, clean negative space at the top for a headline, modern editorial illustration style",
            negative: "text, letters, watermark, clutter, low contrast",
            parameters: ["width": .int(1024), "height": .int(1024)],
            defaults: ["palette": "vibrant complementary"]),
        make(
            9, "Website hero banner", .image, "web", tags: ["web", "banner", "hero"],
            description: "A wide hero image with space for a headline on the left.",
            prompt:
                "Wide website hero image for {{brand}}: {{scene}}, cinematic natural lighting, shallow depth of field, calm empty space on the left third for headline text",
            negative: "text, watermark, busy background, distorted faces",
            parameters: ["width": .int(1792), "height": .int(1024)],
            defaults: ["scene": "a bright modern workspace"]),
        make(
            10, "Short video script", .text, "video", tags: ["video", "script", "social"],
            description: "A scene-by-scene script for a short vertical video.",
            prompt:
                "Write a {{seconds}}-second video script about {{topic}} for {{platform}}. Hook the viewer in the first three seconds, then go scene by scene with what is shown and the voice-over line for each, and end with {{callToAction}}.",
            defaults: ["seconds": "30", "platform": "Instagram Reels", "callToAction": "a clear call to action"]),
    ]

    private static func make(
        _ n: Int, _ name: String, _ type: MediaType, _ category: String, tags: [String], description: String,
        prompt: String, negative: String? = nil, parameters: [String: JSONValue] = [:], defaults: [String: String]
    ) -> CreativeTemplate {
        let id = "01KMDEFAVT" + String(repeating: "0", count: 16 - String(n).count) + String(n)
        var t = CreativeTemplate(
            id: id, userId: owner, name: name, type: type, prompt: prompt,
            createdAt: created, updatedAt: created)
        t.description = description
        t.category = category
        t.negativePrompt = negative
        var p = parameters
        p["defaults"] = .object(defaults.mapValues { .string($0) })
        t.parameters = p
        t.isPublic = true
        t.isDefault = true
        t.tags = tags
        return t
    }
}
