import CreativeCatalog
import CreativeDaemon
import CreativeGeneration
import CreativeLibraries
import Foundation
import Testing

/// ImageGenerator and ContentCreator with the built-in local providers, in this process.
@Suite("ImageGenerator and ContentCreator")
struct SeedLibrariesTests {
    func make() throws -> (TempLibrary, ImageGenerator, ContentCreator) {
        let lib = try TempLibrary()
        // No keys, whatever the developer's environment holds: tests never leave 127.0.0.1.
        let runner = JobRunner(library: lib.library, workers: 1, lease: 30, environment: ProviderEnvironment([:]))
        let generation = Generation(library: lib.library, runner: runner)
        return (lib, ImageGenerator(generation: generation), ContentCreator(generation: generation))
    }

    @Test func generateImageQueuesOrWaitsAndReportsStatus() async throws {
        let (lib, images, _) = try make()
        var options = GenerationRequest()
        (options.width, options.height, options.seed, options.steps) = (160, 96, 11, 3)
        let queued = try await images.generateImage(userId: "alice", prompt: "a sailboat in a storm", options: options)
        let jobId = try #require(queued.jobId)
        #expect(queued.success && queued.assetId == nil)
        await #expect(try images.getImageStatus(jobId, userId: "alice")?.status == .queued)
        await #expect(try images.getImageStatus(jobId, userId: "bob") == nil)

        let steps = StepLog()
        let done = try await images.generateImage(userId: "alice", prompt: "a sailboat in a storm", options: options, wait: true, progress: steps.record)
        let assetId = try #require(done.assetId)
        #expect(done.success && done.error == nil && steps.count == 3)
        let asset = try #require(try lib.assets.getAsset(assetId, userId: "alice"))
        #expect(asset.width == 160 && asset.height == 96 && asset.seed == 11 && asset.provider == "local" && asset.generationId == done.jobId)
        let doneJob = try #require(done.jobId)
        let job = try await #require(try images.getImageStatus(doneJob, userId: "alice"))
        #expect(job.status == .succeeded && job.progress == 100 && job.resultAssetId == assetId && (job.actualTime ?? -1) >= 0)
        // Same prompt, seed and parameters → the same bytes.
        let again = try await #require(try images.generateImage(userId: "alice", prompt: "a sailboat in a storm", options: options, wait: true).assetId)
        let firstLocation = try #require(try lib.library.store.locate(.asset, id: assetId))
        let secondLocation = try #require(try lib.library.store.locate(.asset, id: again))
        let first = try lib.library.store.readFile(at: firstLocation, name: "image.png", limit: 1 << 24)
        let second = try lib.library.store.readFile(at: secondLocation, name: "image.png", limit: 1 << 24)
        #expect(first != nil && first == second)
    }

    @Test func generateImageRejectsBadInput() async throws {
        let (lib, images, _) = try make()
        defer { withExtendedLifetime(lib) {} }
        await expectError(.invalidInput) { try await images.generateImage(userId: "alice", prompt: "  ") }
        await expectError(.invalidInput) { try await images.generateImage(userId: "../x", prompt: "a fox") }
        var huge = GenerationRequest()
        huge.width = 5000
        await expectError(.invalidInput) { try await images.generateImage(userId: "alice", prompt: "a fox", options: huge) }
        var wrong = GenerationRequest()
        wrong.topic = "not for images"
        await expectError(.invalidInput) { try await images.generateImage(userId: "alice", prompt: "a fox", options: wrong) }
        var remote = GenerationRequest()
        remote.model = "midjourney"
        let failed = try await images.generateImage(userId: "alice", prompt: "a fox", options: remote, wait: true)
        #expect(!failed.success && failed.error?.contains("Midjourney has no public API") == true)
        let failedId = try #require(failed.jobId)
        let job = try await #require(try images.getImageStatus(failedId, userId: "alice"))
        #expect(job.status == .failed && job.errorMessage != nil)
        await expectError(.invalidInput) { try await images.getImageStatus("../../etc/passwd", userId: "alice") }
    }

    @Test func regenerateMakesANewAssetAndKeepsTheOriginal() async throws {
        let (lib, images, _) = try make()
        var options = GenerationRequest()
        (options.width, options.height, options.steps) = (128, 128, 2)
        let original = try await #require(try images.generateImage(userId: "alice", prompt: "a castle on a cliff", options: options, wait: true).assetId)
        var m = ImageModifications()
        (m.prompt, m.width) = ("a castle on a cliff at night", 96)
        let result = try await images.regenerateImage(original, userId: "alice", modifications: m, wait: true)
        let newId = try #require(result.assetId)
        #expect(newId != original)
        let child = try #require(try lib.assets.getAsset(newId, userId: "alice"))
        #expect(child.parentAssetId == original && child.source == .generated && child.width == 96 && child.height == 128 && child.steps == 2)
        #expect(child.prompt == "a castle on a cliff at night")
        #expect(try lib.assets.getAsset(original, userId: "alice") != nil)
        await expectError(.notFound) { try await images.regenerateImage(original, userId: "bob") }
        await expectError(.notFound) { try await images.regenerateImage("01M88XERMRTVXY3NE28XSPVP6P", userId: "alice") }
        let text = try lib.assets.saveAsset(userId: "alice", asset: AssetInput(media: .bytes(Data("words".utf8), fileName: "a.md"))).assetId
        await expectError(.invalidInput) { try await images.regenerateImage(text, userId: "alice") }
        let listed = try await images.listUserImages(userId: "alice").items.map(\.id)
        #expect(Set(listed) == [original, newId])
    }

    @Test func contentCreatorWritesImprovesAndBrainstorms() async throws {
        let (lib, _, content) = try make()
        var options = GenerationRequest()
        (options.tone, options.length, options.audience) = ("friendly", "short", "new gardeners")
        let post = try await content.generateContent(userId: "alice", type: "social-post", prompt: "our seed swap on Saturday", options: options)
        #expect(post.success && post.content?.contains("seed swap") == true)
        let postId = try #require(post.assetId)
        let asset = try #require(try lib.assets.getAsset(postId, userId: "alice"))
        #expect(asset.type == .text && asset.url == "content.md" && asset.format == "md")
        await expectError(.invalidInput) { try await content.generateContent(userId: "alice", type: "poem", prompt: "x") }
        await expectError(.invalidInput) { try await content.generateContent(userId: "alice", type: "email", prompt: "") }

        let edit = try await content.improveCopy("In order to really help you, the report was written by our team.", goal: "clearer")
        #expect(!edit.improved.contains("In order to") && !edit.suggestions.isEmpty)
        #expect((0...100).contains(edit.readabilityBefore) && edit.readabilityAfter >= edit.readabilityBefore)
        await expectError(.invalidInput) { try await content.improveCopy("   ", goal: "clearer") }

        let ideas = try await content.generateIdeas("urban beekeeping", count: 12).ideas
        #expect(ideas.count == 12 && Set(ideas.map { $0.lowercased() }).count == 12)
        await expectError(.invalidInput) { try await content.generateIdeas("bees", count: 0) }
        await expectError(.invalidInput) { try await content.generateIdeas("bees", count: 101) }
        await expectError(.invalidInput) { try await content.generateIdeas("", count: 3) }
    }

    @Test func createFromTemplateRendersCountsAndRuns() async throws {
        let (lib, _, content) = try make()
        let blog = DefaultTemplates.all[2]
        let missing = await expectError(.invalidInput) { try await content.createFromTemplate(userId: "alice", templateId: blog.id, variables: [:]) }
        #expect(missing?.message.contains("topic") == true)
        let text = try await content.createFromTemplate(userId: "alice", templateId: blog.id, variables: ["topic": .string("tea brewing")])
        #expect(text.success && text.content?.contains("tea brewing") == true)
        let logo = DefaultTemplates.all[4]
        let missingTwo = await expectError(.invalidInput) { try await content.createFromTemplate(userId: "alice", templateId: logo.id, variables: [:]) }
        #expect(missingTwo?.message.contains("brand, industry") == true)
        let image = try await content.createFromTemplate(
            userId: "alice", templateId: logo.id,
            variables: ["brand": .string("Hive"), "industry": .string("honey")])
        let imageId = try #require(image.assetId)
        let asset = try #require(try lib.assets.getAsset(imageId, userId: "alice"))
        #expect(asset.type == .image && asset.width == 1024 && asset.prompt?.contains("Hive") == true)
        #expect(try lib.templates.getTemplate(logo.id, userId: "alice")?.usageCount == 1)
        #expect(try lib.templates.getTemplate(blog.id, userId: "alice")?.usageCount == 1)
        await expectError(.notFound) { try await content.createFromTemplate(userId: "alice", templateId: "01M88XERMRTVXY3NE28XSPVP6P", variables: [:]) }
    }
}

/// Counts progress callbacks from another thread.
final class StepLog: @unchecked Sendable {
    private let lock = NSLock()
    private var steps: [Int] = []
    var count: Int { lock.withLock { steps.count } }
    @Sendable func record(_ step: Int, _ total: Int) { lock.withLock { steps.append(step) } }
}

/// AssetManager and TemplateManager, the async faces of the catalog, as a Swift program uses them.
@Suite("AssetManager and TemplateManager")
struct SeedManagersTests {
    @Test func assetManagerCoversTheSeedFunctions() async throws {
        let lib = try TempLibrary()
        let assets = AssetManager(library: lib.library)
        var input = AssetInput(media: .bytes(Fixtures.png, fileName: "fox.png"))
        (input.title, input.tags) = ("Red fox", ["fox"])
        let saved = try await assets.saveAsset(userId: "alice", asset: input)
        let id = saved.assetId
        let asset = try #require(try await assets.getAsset(id, userId: "alice"))
        #expect(asset.title == "Red fox" && asset.width == 48 && asset.thumbnailUrl != nil)
        #expect(try await assets.getAsset(id, userId: "bob") == nil)
        #expect(try await assets.toggleFavorite(id, userId: "alice").isFavorite)
        #expect(try await assets.addTags(id, userId: "alice", tags: ["snow", "fox"]).tags == ["fox", "snow"])
        var updates = AssetUpdates()
        updates.description = "For the winter campaign"
        _ = try await assets.updateAsset(id, userId: "alice", updates: updates)
        #expect(try await assets.listAssets(userId: "alice").items.map(\.description) == ["For the winter campaign"])
        _ = try await assets.deleteAsset(id, userId: "alice")
        #expect(try await assets.getAsset(id, userId: "alice") == nil)
        await expectError(.notFound) { try await assets.toggleFavorite(id, userId: "alice") }
        _ = try await assets.restoreAsset(id, userId: "alice")
        #expect(try await assets.getAsset(id, userId: "alice")?.isFavorite == true)
    }

    @Test func templateManagerCoversTheSeedFunctions() async throws {
        let lib = try TempLibrary()
        let templates = TemplateManager(library: lib.library)
        let made = try await templates.createTemplate(userId: "alice", template: TemplateInput(name: "Poster", type: .image, prompt: "A poster for {{event}}"))
        let id = made.templateId
        #expect(try await templates.getTemplate(id, userId: "alice")?.name == "Poster")
        #expect(try await templates.getTemplate(id, userId: "bob") == nil)
        #expect(try await templates.useTemplate(id, userId: "alice").usageCount == 1)
        var updates = TemplateUpdates()
        updates.name = "Event poster"
        _ = try await templates.updateTemplate(id, userId: "alice", updates: updates)
        #expect(try await templates.listTemplates(userId: "alice").items.contains { $0.name == "Event poster" })
        await expectError(.invalidTemplate) {
            try await templates.createTemplate(userId: "alice", template: TemplateInput(name: "Broken", type: .image, prompt: "A {{#open}}"))
        }
        _ = try await templates.deleteTemplate(id, userId: "alice")
        #expect(try await templates.getTemplate(id, userId: "alice") == nil)
        _ = try await templates.restoreTemplate(id, userId: "alice")
        #expect(try await templates.getTemplate(id, userId: "alice")?.usageCount == 1)
    }
}

/// README's "Architecture" example, as written there (with a temporary library).
@Suite("README example")
struct ReadmeExampleTests {
    @Test func theLibrariesWorkFromAPlainSwiftProgram() async throws {
        let temp = try TempLibrary()
        let library = try await CreativeLibrary.load(temp.path)
        let generation = Generation(library: library)
        let image = try await ImageGenerator(generation: generation)
            .generateImage(userId: "local", prompt: "a red fox in deep snow", wait: true)
        let copy = try await ContentCreator(generation: generation).improveCopy("In order to really help you…", goal: "clearer")
        let assets = AssetManager(library: library)
        _ = try await assets.toggleFavorite(image.assetId ?? "", userId: "local")
        #expect(image.success && !copy.improved.isEmpty)
        #expect(try await assets.getAsset(image.assetId ?? "", userId: "local")?.isFavorite == true)
    }
}
