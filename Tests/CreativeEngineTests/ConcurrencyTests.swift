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
        for p in processes { p.waitUntilExit() }
        #expect(processes.allSatisfy { $0.terminationStatus == 0 })
        #expect(try lib.templates.getTemplate(id, userId: "alice")?.usageCount == before + 100)
    }

    @Test func hundredConcurrentFavoriteTogglesCancelOut() async throws {
        let lib = try TempLibrary()
        let id = try lib.savePNG()
        let processes = try (0..<100).map { _ in try CLI.start(["asset", "favorite", id], library: lib.path) }
        for p in processes { p.waitUntilExit() }
        #expect(processes.allSatisfy { $0.terminationStatus == 0 })
        #expect(try lib.assets.getAsset(id, userId: "alice")?.isFavorite == false)
        // One more makes it odd: the count really moved 101 times.
        #expect(try CLI.run(["asset", "favorite", id], library: lib.path).status == 0)
        #expect(try lib.assets.getAsset(id, userId: "alice")?.isFavorite == true)
    }

    @Test func sigkillDuringUpdatesNeverLeavesATornSidecar() async throws {
        let lib = try TempLibrary()
        let id = try lib.savePNG()
        let sidecar = try lib.folder(of: id) + "/asset.json"
        var killedMidLoop = 0
        // Whether some killed writer got its updates in (a round killed before its first update,
        // when the machine is busy, proves nothing either way).
        var updated = 0
        for round in 0..<40 {
            let p = try CLI.start(["bench", "store", "--asset", id, "--count", "1000000", "--no-baseline"], library: lib.path)
            // Long enough for a start-up on a loaded machine (other suites run beside this one), short of the million updates.
            try await Task.sleep(for: .seconds(Double.random(in: 0.05...0.35)))
            if p.isRunning {
                kill(p.processIdentifier, SIGKILL)
                killedMidLoop += 1
            }
            p.waitUntilExit()
            let data = try Data(contentsOf: URL(fileURLWithPath: sidecar))
            let asset = try JSONCoding.decoder().decode(CreativeAsset.self, from: data)
            #expect(asset.id == id, "round \(round)")
            if asset.title.hasPrefix("bench update") { updated += 1 }
        }
        #expect(killedMidLoop >= 35)
        #expect(updated > 0)
        // The next start-up removes what the killed writers left; the sidecar is still whole.
        let (_, report) = try CreativeLibrary.initialize(lib.path)
        #expect(report.strayFilesRemoved.allSatisfy { $0.hasSuffix(".tmp") })
        #expect(try lib.assets.getAsset(id, userId: "alice")?.id == id)
    }
}
