import CreativeCatalog
import CreativeDaemon
import CreativeGeneration
import CreativeLibraries
import Foundation
import Testing

/// The seed functions that call providers, against fakes on 127.0.0.1.
@Suite("Seed functions with provider fakes")
struct SeedWithProvidersTests {
    typealias Response = FakeProviderServer.Response

    static func fake() throws -> FakeProviderServer {
        try FakeProviderServer { request, _ in
            if request.path.hasSuffix("/images/generations") { return .json(200, ProviderTests.imageAnswer) }
            let prompt = (request.json?["messages"] as? [[String: Any]])?.last?["content"] as? String ?? ""
            if prompt.contains("Goal:") {
                let answer = #"Here you go: {"improved": "Our team wrote the report to help you.", "suggestions": ["Use active voice.", "Cut filler."]}"#
                return .json(
                    200, ["choices": [["message": ["role": "assistant", "content": answer]]], "usage": ["prompt_tokens": 40, "completion_tokens": 20]])
            }
            return .json(400, ["error": ["message": "This model does not support that request.", "type": "invalid_request_error"]])
        }
    }

    static func setup(_ server: FakeProviderServer) throws -> (TempLibrary, ImageGenerator, ContentCreator) {
        let lib = try TempLibrary()
        let runner = JobRunner(library: lib.library, workers: 1, lease: 30, environment: ProviderTests.env(server), retryPolicy: ProviderTests.fast)
        let generation = Generation(library: lib.library, runner: runner)
        return (lib, ImageGenerator(generation: generation), ContentCreator(generation: generation))
    }

    @Test func improveCopyAndTemplatesAndRegenerateUseTheProviders() async throws {
        let server = try Self.fake()
        let (lib, images, content) = try Self.setup(server)
        let edit = try await content.improveCopy(
            "In order to help you, the report was written by our team.", goal: "clearer", model: "gpt-4o-mini", userId: "alice")
        #expect(edit.improved == "Our team wrote the report to help you." && edit.suggestions == ["Use active voice.", "Cut filler."])
        #expect(edit.readabilityAfter > 0)

        var template = TemplateInput(name: "Hero", type: .image, prompt: "A hero image of {{product}}")
        template.model = "dall-e-3"
        let templateId = try lib.templates.createTemplate(userId: "alice", template: template).templateId
        let made = try await content.createFromTemplate(userId: "alice", templateId: templateId, variables: ["product": .string("a kettle")])
        let madeId = try #require(made.assetId)
        let asset = try #require(try lib.assets.getAsset(madeId, userId: "alice"))
        #expect(asset.provider == "openai" && asset.model == "dall-e-3" && asset.prompt == "A hero image of a kettle")
        #expect(asset.templateId == templateId && asset.source == .generated && asset.parameters?["templateId"] == nil)
        let sent = try #require(server.requests.last?.json)
        #expect(sent["prompt"] as? String == "A hero image of a kettle")
        // The provider's PNG now says how it was made, as the built-in provider's do.
        let media = try Data(contentsOf: URL(fileURLWithPath: try lib.folder(of: madeId) + "/" + asset.url))
        let text = try #require(String(data: media, encoding: .isoLatin1))
        #expect(text.contains("parameters\u{0}A hero image of a kettle") && text.contains("<creative:provider>openai</creative:provider>"))

        let again = try await images.regenerateImage(madeId, userId: "alice", wait: true)
        let againId = try #require(again.assetId)
        let child = try #require(try lib.assets.getAsset(againId, userId: "alice"))
        #expect(child.provider == "openai" && child.parentAssetId == madeId)

        // A refusal from the chat model: the call fails with the provider's sentence.
        let refused = await expectError(.providerError) { try await content.generateIdeas("tea", count: 3, model: "gpt-4o", userId: "alice") }
        #expect(refused?.message.contains("does not support") == true)
    }

    @Test func asyncCallersRunConcurrentlyOffTheCooperativePool() async throws {
        let inFlight = InFlight()
        let server = try FakeProviderServer { _, _ in
            inFlight.enter()
            defer { inFlight.leave() }
            Thread.sleep(forTimeInterval: 1.0)
            return .json(200, ["ok": true])
        }
        // More blocking requests than the cooperative pool has threads: they must overlap.
        let statuses = await withTaskGroup(of: Int.self) { group in
            for _ in 0..<6 {
                group.addTask {
                    if case .success(let response) = await HTTPClient.perform(HTTPRequest(method: "GET", url: server.baseURL + "/x")) { return response.status }
                    return 0
                }
            }
            return await group.reduce(into: []) { $0.append($1) }
        }
        #expect(statuses == Array(repeating: 200, count: 6))
        #expect(inFlight.maximum >= 3, "requests were served \(inFlight.maximum) at a time")
    }

    @Test func retryAfterTakesSecondsOrAnHTTPDate() async throws {
        #expect(ProviderHTTP.parseRetryAfter("12") == 12)
        let date = Date().addingTimeInterval(30)
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        let seconds = try #require(ProviderHTTP.parseRetryAfter(formatter.string(from: date)))
        #expect(seconds > 27 && seconds <= 30)
        #expect(ProviderHTTP.parseRetryAfter("soon") == nil)
    }
}

/// Counts requests a fake server is serving at once, and the most it served at once.
final class InFlight: @unchecked Sendable {
    private let lock = NSLock()
    private var current = 0
    private var peak = 0
    var maximum: Int { lock.withLock { peak } }

    func enter() {
        lock.withLock {
            current += 1; peak = max(peak, current)
        }
    }
    func leave() { lock.withLock { current -= 1 } }
}
