/// The kinds of copy ContentCreator writes (the seed's generateContent `type`).
public enum ContentType: String, Codable, Sendable, CaseIterable {
    case blogPost = "blog-post"
    case socialPost = "social-post"
    case adCopy = "ad-copy"
    case email
    case productDescription = "product-description"
    case headline
    case slogan
    case script
}
