import Foundation
import Testing

@testable import CreativeCatalog

#if canImport(Glibc)
import Glibc
#endif

/// The walk that scans, reconciles and sweeps use: what it counts as an entity, and keys that
/// match the ones the index files folders under.
@Suite struct SidecarWalkTests {
    /// Makes `relative` (and its parents) under the library with an asset.json in it.
    static func entity(_ lib: TempLibrary, _ relative: String, sidecar: String = "{}") throws {
        try FileManager.default.createDirectory(atPath: lib.url(relative).path, withIntermediateDirectories: true)
        try Data(sidecar.utf8).write(to: lib.url(relative + "/asset.json"))
    }

    @Test func itFindsEachEntityOnceWithTheKeyOfItsPath() throws {
        let lib = try TempLibrary()
        let expected = [
            "assets/2026-11/fox--01",
            "assets/2026-11/renard-écarlate--02",
            "assets/straight-under-assets--03",
            "assets/birds/2025/deep/heron--04",
            "assets/birds/owl--05",
        ]
        for path in expected { try Self.entity(lib, path) }
        // Not entities: a folder without a sidecar, a dot folder, a FIFO and a folder as the sidecar.
        try FileManager.default.createDirectory(atPath: lib.url("assets/2026-11/empty").path, withIntermediateDirectories: true)
        try Self.entity(lib, "assets/2026-11/.hidden--06")
        try FileManager.default.createDirectory(atPath: lib.url("assets/2026-11/fifo--07").path, withIntermediateDirectories: true)
        #expect(mkfifo(lib.url("assets/2026-11/fifo--07/asset.json").path, 0o644) == 0)
        try FileManager.default.createDirectory(atPath: lib.url("assets/2026-11/dir--08/asset.json").path, withIntermediateDirectories: true)
        // A link to an entity elsewhere is not followed.
        let outside = lib.path + "-outside"
        try Self.entity(lib, "../" + (outside as NSString).lastPathComponent + "/linked--09")
        defer { try? FileManager.default.removeItem(atPath: outside) }
        try FileManager.default.createSymbolicLink(atPath: lib.url("assets/2026-11/linked--09").path, withDestinationPath: outside + "/linked--09")

        let found = lib.library.store.walk(.asset, part: { [(String, Int)]() }) { list, found in list.append((found.path, found.key)) }
            .flatMap { $0 }
        #expect(found.map(\.0).sorted() == expected.sorted())
        for (path, key) in found { #expect(key == FolderKey.of(path), "\(path)") }
        #expect(Set(lib.library.store.scan(.asset).map(\.path)) == Set(expected))
        #expect(Set(lib.library.store.scan(.asset, under: "assets/birds").map(\.path)) == ["assets/birds/2025/deep/heron--04", "assets/birds/owl--05"])
    }

    @Test func itStopsAtItsDepth() throws {
        let lib = try TempLibrary()
        let shallow = "assets/" + Array(repeating: "d", count: LibraryStore.walkDepth - 1).joined(separator: "/") + "/ok--01"
        let deep = "assets/" + Array(repeating: "d", count: LibraryStore.walkDepth + 1).joined(separator: "/") + "/too-deep--02"
        try Self.entity(lib, shallow)
        try Self.entity(lib, deep)
        #expect(lib.library.store.scan(.asset).map(\.path) == [shallow])
    }

    @Test func aSweepReportsWhatChangedAndWhatWent() throws {
        let lib = try TempLibrary()
        for n in 0..<3 { try Self.entity(lib, "assets/2026-11/a--0\(n)") }
        let sweep = SidecarSweep()
        let store = lib.library.store
        let first = sweep.pass(store)
        #expect(first.changed.isEmpty && !first.removed, "the first pass only records")
        #expect(sweep.pass(store).changed.isEmpty)

        try Data("{\"edited\":true}".utf8).write(to: lib.url("assets/2026-11/a--01/asset.json"))
        try Self.entity(lib, "assets/2026-12/new--03")
        let second = sweep.pass(store)
        #expect(Set(second.changed) == ["assets/2026-11/a--01", "assets/2026-12/new--03"])
        #expect(!second.removed)
        #expect(sweep.pass(store).changed.isEmpty, "a change is reported once")

        try FileManager.default.removeItem(atPath: lib.url("assets/2026-11/a--02").path)
        let third = sweep.pass(store)
        #expect(third.removed && third.changed.isEmpty)
        let fourth = sweep.pass(store)
        #expect(!fourth.removed && fourth.changed.isEmpty, "what went is forgotten")

        // Gone and another come in the same pass: still seen as a removal.
        try FileManager.default.removeItem(atPath: lib.url("assets/2026-11/a--00").path)
        try Self.entity(lib, "assets/2026-11/b--04")
        let fifth = sweep.pass(store)
        #expect(fifth.removed && fifth.changed == ["assets/2026-11/b--04"])
    }

    /// A folder whose own stat is what the last pass saw is not listed again: its sidecars are
    /// stat'ed from the listing. What it holds is still followed: edits, a lost sidecar, a
    /// folder inside it that became an entity; and once its mtime moves, what came in.
    @Test func aSweepReusesTheListingsOfFoldersThatDidNotChange() throws {
        let lib = try TempLibrary()
        for n in 0..<3 { try Self.entity(lib, "assets/2026-11/a--0\(n)") }
        try FileManager.default.createDirectory(atPath: lib.url("assets/2026-11/board").path, withIntermediateDirectories: true)
        let month = lib.url("assets/2026-11").path
        let hourAgo = Date().addingTimeInterval(-3600)
        func age() throws { try FileManager.default.setAttributes([.modificationDate: hourAgo], ofItemAtPath: month) }
        try age()
        let sweep = SidecarSweep()
        let store = lib.library.store
        _ = sweep.pass(store)
        #expect(sweep.pass(store).changed.isEmpty)

        // Edited in place: seen from the listing.
        let handle = try FileHandle(forWritingTo: lib.url("assets/2026-11/a--01/asset.json"))
        try handle.write(contentsOf: Data("{\"edited\":true}".utf8))
        try handle.close()
        #expect(sweep.pass(store).changed == ["assets/2026-11/a--01"])

        // Come in within the same mtime (the month's stamp put back): the listing is used, so it
        // is not seen — which shows that the folder was not listed again.
        try Self.entity(lib, "assets/2026-11/b--03")
        try age()
        #expect(sweep.pass(store).changed.isEmpty)
        // Once the month's mtime moves, it is.
        try FileManager.default.setAttributes([.modificationDate: Date().addingTimeInterval(-1800)], ofItemAtPath: month)
        #expect(sweep.pass(store).changed == ["assets/2026-11/b--03"])
        try age()
        _ = sweep.pass(store)

        // A folder of the listing that became an entity; an entity that lost its sidecar.
        try Data("{}".utf8).write(to: lib.url("assets/2026-11/board/asset.json"))
        let became = sweep.pass(store)
        #expect(became.changed == ["assets/2026-11/board"] && !became.removed)
        try FileManager.default.removeItem(atPath: lib.url("assets/2026-11/a--00/asset.json").path)
        let lost = sweep.pass(store)
        #expect(lost.changed.isEmpty && lost.removed)
    }
}
