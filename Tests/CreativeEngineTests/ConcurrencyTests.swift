import CreativeCatalog
import CreativeLibraries
import Foundation
import Testing

/// Several processes on one library at once: the per-entity lock must never lose an update, and a
/// process killed mid-write must never leave a torn sidecar.
@Suite("Concurrent processes", .serialized)
struct ConcurrencyTests {
    @Test func hundredConcurrentTemplateUsesCountExactlyHundred() async throws {
        let lib = try TempLibrary()
        let id = DefaultTemplates.all[1].id
        let before = try #require(try lib.templates.getTemplate(id, userId: "alice")).usageCount
        let processes = try (0..<100).map { _ in try CLI.start(["template", "use", id], library: lib.path) }
        for p in processes { await p.exited() }
        #expect(processes.allSatisfy { $0.terminationStatus == 0 })
        #expect(try lib.templates.getTemplate(id, userId: "alice")?.usageCount == before + 100)
    }

    @Test func hundredConcurrentFavoriteTogglesCancelOut() async throws {
        let lib = try TempLibrary()
        let id = try lib.savePNG()
        let processes = try (0..<100).map { _ in try CLI.start(["asset", "favorite", id], library: lib.path) }
        for p in processes { await p.exited() }
        #expect(processes.allSatisfy { $0.terminationStatus == 0 })
        #expect(try lib.assets.getAsset(id, userId: "alice")?.isFavorite == false)
        // One more makes it odd: the count really moved 101 times.
        #expect(try await CLI.run(["asset", "favorite", id], library: lib.path).status == 0)
        #expect(try lib.assets.getAsset(id, userId: "alice")?.isFavorite == true)
    }

    @Test func sigkillDuringUpdatesNeverLeavesATornSidecar() async throws {
        let lib = try TempLibrary()
        let id = try lib.savePNG()
        let sidecar = try lib.folder(of: id) + "/asset.json"
        func title() -> String? {
            let data = try? Data(contentsOf: URL(fileURLWithPath: sidecar))
            return data.flatMap { try? JSONCoding.decoder().decode(CreativeAsset.self, from: $0) }?.title
        }
        var killedMidLoop = 0
        for round in 0..<40 {
            var reset = AssetUpdates()
            reset.title = "round \(round)"
            _ = try lib.assets.updateAsset(id, userId: "alice", updates: reset)
            let p = try CLI.start(["bench", "store", "--asset", id, "--count", "1000000", "--no-baseline"], library: lib.path)
            // Killed once its updates are under way (however long a loaded machine takes to start
            // it), at a random point of the writes.
            let writing = await eventually { !p.isRunning || title()?.hasPrefix("bench update") == true }
            #expect(writing, "round \(round): no update in time")
            try await Task.sleep(for: .milliseconds(Int.random(in: 0...30)))
            if p.isRunning {
                kill(p.processIdentifier, SIGKILL)
                killedMidLoop += 1
            }
            await p.exited()
            let data = try Data(contentsOf: URL(fileURLWithPath: sidecar))
            let asset = try JSONCoding.decoder().decode(CreativeAsset.self, from: data)
            #expect(asset.id == id && asset.title.hasPrefix("bench update"), "round \(round): \(asset.title)")
        }
        #expect(killedMidLoop >= 35)
        // The next start-up removes what the killed writers left; the sidecar is still whole.
        let (_, report) = try CreativeLibrary.initialize(lib.path)
        #expect(report.strayFilesRemoved.allSatisfy { $0.hasSuffix(".tmp") })
        #expect(try lib.assets.getAsset(id, userId: "alice")?.id == id)
    }
}
