import CreativeCatalog
import CreativeLibraries
import Foundation
import Testing

@Suite("creative CLI")
struct CLITests {
    @Test func exitCodesAndErrorSentences() async throws {
        let lib = try TempLibrary()
        let missing = try await CLI.run(["asset", "get", "01M88XERMRTVXY3NE28XSPVP6P"], library: lib.path)
        #expect(missing.status == 1)
        #expect(missing.stderr == "error[not_found]: No asset with id 01M88XERMRTVXY3NE28XSPVP6P exists in this library.\n")
        let traversal = try await CLI.run(["asset", "get", "../../etc"], library: lib.path)
        #expect(traversal.status == 1 && traversal.stderr.hasPrefix("error[invalid_input]: id must be"))
        let usage = try await CLI.run(["asset", "get", "--no-such-flag", "x"], library: lib.path)
        #expect(usage.status == 2)
        let noArgs = try await CLI.run(["asset", "get"], library: lib.path)
        #expect(noArgs.status == 2)
        let help = try await CLI.run(["--help"], library: lib.path)
        #expect(help.status == 0 && help.stdout.contains("Exit status"))
        let noLibrary = try await CLI.run(["asset", "list"], library: lib.path + "/nope")
        #expect(noLibrary.status == 1 && noLibrary.stderr.contains("error[library_not_found]"))
        let json = try await CLI.run(["asset", "get", "01M88XERMRTVXY3NE28XSPVP6P", "--json"], library: lib.path)
        let body = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        #expect(body["success"] as? Bool == false)
        #expect((body["error"] as? [String: Any])?["code"] as? String == "not_found")
        let badDate = try await CLI.run(["asset", "list", "--since", "yesterday"], library: lib.path)
        #expect(badDate.status == 2 && badDate.stderr.contains("--since"))
    }

    @Test func aTourThroughAssetsAndTemplates() async throws {
        let lib = try TempLibrary()
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("tour-\(UUID().uuidString).png").path
        try Fixtures.png.write(to: URL(fileURLWithPath: file))
        defer { try? FileManager.default.removeItem(atPath: file) }

        let saved = try await CLI.run(["asset", "save", file, "--title", "Tour", "--tag", "demo", "--json"], library: lib.path)
        #expect(saved.status == 0, "\(saved.stderr)")
        let id = try JSONCoding.decoder().decode(SaveAssetResult.self, from: Data(saved.stdout.utf8)).assetId
        #expect(try await CLI.run(["asset", "tag", id, "blue", "Demo"], library: lib.path).stdout == "tags: demo, blue\n")
        #expect(try await CLI.run(["asset", "update", id, "--data", #"{"description":"from stdin"}"#], library: lib.path).status == 0)
        #expect(
            try await CLI.run(["asset", "update", id, "--data", "-"], library: lib.path, stdin: #"{"userId":"mallory"}"#).stderr
                == "error[invalid_input]: userId cannot be changed.\n")
        let listed = try await CLI.run(["asset", "list", "--tag", "blue", "--json"], library: lib.path)
        let page = try JSONCoding.decoder().decode(Page<CreativeAsset>.self, from: Data(listed.stdout.utf8))
        #expect(page.items.map(\.id) == [id] && page.items.first?.description == "from stdin")
        #expect(try await CLI.run(["asset", "get", id], library: lib.path, user: "bob").status == 1)
        #expect(try await CLI.run(["asset", "delete", id], library: lib.path).status == 0)
        #expect(try await CLI.run(["asset", "get", id], library: lib.path).status == 1)
        #expect(try await CLI.run(["asset", "restore", id], library: lib.path).status == 0)
        #expect(try await CLI.run(["asset", "get", id], library: lib.path).stdout.contains("title:       Tour"))

        let created = try await CLI.run(
            [
                "template", "create", "--name", "Banner", "--type", "image",
                "--prompt", "Banner for {{brand}}", "--json",
            ], library: lib.path)
        let templateId = try JSONCoding.decoder().decode(CreateTemplateResult.self, from: Data(created.stdout.utf8)).templateId
        #expect(try await CLI.run(["template", "get", templateId], library: lib.path).stdout.contains("variables:   brand"))
        #expect(try await CLI.run(["template", "use", templateId], library: lib.path).stdout == "usage count: 1\n")
        let broken = try await CLI.run(["template", "update", templateId, "--prompt", "{{#open}}"], library: lib.path)
        #expect(broken.status == 1 && broken.stderr.hasPrefix("error[invalid_template]: prompt is not valid Mustache"))
        let protected = try await CLI.run(["template", "delete", DefaultTemplates.all[0].id], library: lib.path, user: "local")
        #expect(protected.status == 1 && protected.stderr.hasPrefix("error[protected]:"))
        let list = try await CLI.run(["template", "list", "--mine"], library: lib.path)
        #expect(list.stdout.contains("Banner") && !list.stdout.contains("Product shot"))
    }

    @Test func handEditedInvalidSidecarIsReportedWithItsPath() async throws {
        let lib = try TempLibrary()
        let id = try lib.savePNG(title: "Edited")
        try Data("{ broken".utf8).write(to: URL(fileURLWithPath: try lib.folder(of: id) + "/asset.json"))
        let result = try await CLI.run(["asset", "get", id], library: lib.path)
        #expect(result.status == 1)
        #expect(result.stderr.contains("error[invalid_sidecar]") && result.stderr.contains("edited--\(id)/asset.json"))
        #expect(try await CLI.run(["asset", "list"], library: lib.path).status == 0)
    }

    @Test func initIsIdempotentAndKeepsEdits() async throws {
        let lib = try TempLibrary()
        let id = DefaultTemplates.all[2].id
        var u = TemplateUpdates()
        u.description = "My own words"
        _ = try lib.templates.updateTemplate(id, userId: "local", updates: u)
        let again = try await CLI.run(["init", "--json"], library: lib.path)
        #expect(again.status == 0)
        let report = try JSONDecoder().decode(CreativeLibrary.InitReport.self, from: Data(again.stdout.utf8))
        #expect(report.templatesAdded.isEmpty)
        #expect(try lib.templates.getTemplate(id, userId: "local")?.description == "My own words")
    }
}
