import CreativeCatalog
import CreativeDaemon
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Inbox files written to hurt: parser bombs, names the file system allows but nothing reads,
/// and a request the engine died on. Each must end in inbox/failed/ with its reason, once.
@Suite("Hostile inbox files")
struct HostileInboxTests {
    /// Writes `files` into the inbox dated a second ago (settled), runs one intake pass and
    /// returns what inbox/failed/ holds.
    private func intake(_ lib: TempLibrary, _ files: [(String, Data)]) throws -> (jobs: [String], failed: [String]) {
        for (name, data) in files {
            let path = lib.url("inbox/\(name)").path
            try data.write(to: URL(fileURLWithPath: path))
            try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSinceNow: -1)], ofItemAtPath: path)
        }
        let jobs = Intake(library: lib.library).run().jobs
        return (jobs, (try? FileManager.default.contentsOfDirectory(atPath: lib.url("inbox/failed").path)) ?? [])
    }

    private func error(_ lib: TempLibrary, _ name: String) -> String {
        (try? String(contentsOfFile: lib.url("inbox/failed/\(name).error.txt").path, encoding: .utf8)) ?? "(no error file)"
    }

    @Test func frontMatterBombsAndDeepJSONAreRefusedWithTheirReason() throws {
        let lib = try TempLibrary()
        // Six levels of aliases: 9^6 values once expanded (the real attack uses nine).
        var laughs = "---\nl0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"
        for level in 1...6 { laughs += "l\(level): &l\(level) [" + Array(repeating: "*l\(level - 1)", count: 9).joined(separator: ", ") + "]\n" }
        laughs += "---\na fox\n"
        let cases: [(String, String, String)] = [
            ("laughs.md", laughs, "anchors or aliases"),
            ("anchor.md", "---\ntitle: &t Fox\n---\na fox\n", "anchors or aliases"),
            ("key.md", laughs.replacingOccurrences(of: "---\na fox", with: "? *l6\n: 1\n---\na fox"), "anchors or aliases"),
            ("deep.md", "---\ntags: " + String(repeating: "[", count: 40) + String(repeating: "]", count: 40) + "\n---\na fox\n", "more than 32 levels"),
            ("wide.md", "---\ntags: [" + Array(repeating: "1", count: 12_000).joined(separator: ",") + "]\n---\na fox\n", "more than 10000 values"),
            ("long.md", "---\n# " + String(repeating: "x", count: 70_000) + "\ntitle: Fox\n---\na fox\n", "over 64 KiB"),
            ("deep.json", String(repeating: "[", count: 100_000), "32 levels deep"),
            ("nested.json", #"{"prompt": "a fox", "tags": "# + String(repeating: "[", count: 33) + String(repeating: "]", count: 33) + "}", "32 levels deep"),
        ]
        let (jobs, failed) = try intake(lib, cases.map { ($0.0, Data($0.1.utf8)) })
        #expect(jobs.isEmpty)
        #expect(failed.count == cases.count * 2, "\(failed)")
        for (name, _, phrase) in cases {
            #expect(error(lib, name).contains(phrase), "\(name): \(error(lib, name))")
        }
        // Brackets inside a string are text, not nesting; a flat request with them still runs.
        let fine = try intake(lib, [("brackets.json", Data(#"{"prompt": "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[ a fox ]]]"}"#.utf8))])
        #expect(fine.jobs.count == 1, "\(error(lib, "brackets.json"))")
    }

    @Test func overLongAndUndecodableNamesMoveToFailedUnderASafeName() throws {
        let lib = try TempLibrary()
        let inbox = lib.url("inbox").path
        let long = String(repeating: "fox-", count: 62) + "a.txt"  // 253 bytes: fits Linux, not an intake name
        try Data("a fox".utf8).write(to: URL(fileURLWithPath: "\(inbox)/\(long)"))
        let undecodable = Array("\(inbox)/bad-".utf8) + [0xFF, 0xFE] + Array(".txt".utf8) + [0]
        let fd = undecodable.withUnsafeBufferPointer { $0.withMemoryRebound(to: CChar.self) { open($0.baseAddress!, O_CREAT | O_WRONLY, 0o644) } }
        #expect(fd >= 0)
        close(fd)
        Thread.sleep(forTimeInterval: 0.6)  // a file written in place is taken once settled
        let (jobs, failed) = try intake(lib, [])
        #expect(jobs.isEmpty)
        let safeLong = failed.first { $0.hasPrefix("fox-fox-") && $0.hasSuffix(".txt") }
        #expect(safeLong.map { $0.utf8.count <= 100 } == true, "\(failed)")
        #expect(safeLong.map { error(lib, $0).contains("253 bytes long") } == true)
        #expect(failed.contains("bad-__.txt"), "\(failed)")
        #expect(error(lib, "bad-__.txt").contains("not UTF-8"))
        // Nothing is left to be logged again on the next pass.
        #expect(try FileManager.default.contentsOfDirectory(atPath: inbox) == ["failed"])
        #expect(Intake(library: lib.library).run().jobs.isEmpty)
    }

    @Test func aRequestTheEngineDiedTakingMovesToFailedOnTheNextStart() throws {
        let lib = try TempLibrary()
        let inbox = lib.url("inbox").path
        let old = Date(timeIntervalSinceNow: -7200)
        func plant(_ name: String) throws { try Data("a fox".utf8).write(to: URL(fileURLWithPath: "\(inbox)/\(name)")) }
        var name = [CChar](repeating: 0, count: 256)
        gethostname(&name, 255)
        let host = String(cString: name).replacingOccurrences(of: ".", with: "_")
        // A process of this host that no longer exists, and another host two hours ago.
        try plant(".bomb.md.\(ULID.make()).\(host).2147483000.intake")
        try plant(".stale.txt.\(ULID.make(at: old)).otherhost.4242.intake")
        // Another host took a file a moment ago: still its business.
        try plant(".fresh.txt.\(ULID.make()).otherhost.4242.intake")
        // Parsed and staged, waiting for its batch's commit (not what stopped it): back to the inbox,
        // never over a file of the same name dropped since.
        for staged in ["staged.txt", "again.txt"] {
            let job = ULID.make()
            try plant(".\(staged).\(job).\(host).2147483000.intake")
            let temp = lib.url("jobs/.\(job).\(host).2147483000.7.tmp").path
            try FileManager.default.createDirectory(atPath: temp, withIntermediateDirectories: true)
            try Data("{}".utf8).write(to: URL(fileURLWithPath: temp + "/job.json"))
        }
        try plant("again.txt")
        let (moved, restored) = lib.library.store.recoverIntakes()
        #expect(moved.sorted() == ["inbox/failed/bomb.md", "inbox/failed/stale.txt"])
        #expect(restored == 2)
        for name in ["staged.txt", "again.txt", "again-2.txt"] { #expect(FileManager.default.fileExists(atPath: "\(inbox)/\(name)"), "\(name)") }
        #expect(try FileManager.default.contentsOfDirectory(atPath: lib.url("jobs").path).filter { $0.hasSuffix(".tmp") }.isEmpty)
        #expect(error(lib, "bomb.md").contains("stopped while it was taking this request"))
        #expect(!FileManager.default.fileExists(atPath: "\(inbox)/bomb.md") && !FileManager.default.fileExists(atPath: "\(inbox)/stale.txt"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: inbox).contains { $0.hasPrefix(".fresh.txt.") })
    }

    @Test func aDropWithAnotherNameIsCopiedIntoItsJobAndADropWithNoneIsKeptAsItIs() throws {
        let lib = try TempLibrary()
        func inode(_ path: String) throws -> (inode: UInt64, links: Int) {
            let attributes = try FileManager.default.attributesOfItem(atPath: path)
            return ((attributes[.systemFileNumber] as? NSNumber)?.uint64Value ?? 0, (attributes[.referenceCount] as? NSNumber)?.intValue ?? 0)
        }
        // A prompt the user keeps elsewhere and linked into the inbox: the job must not share it.
        let kept = lib.url("kept-prompt.txt").path
        try Data("a fox".utf8).write(to: URL(fileURLWithPath: kept))
        #expect(link(kept, lib.url("inbox/shared.txt").path) == 0)
        let dropped = lib.url("inbox/solo.txt").path
        try Data("a hare".utf8).write(to: URL(fileURLWithPath: dropped))
        for path in [kept, dropped] { try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSinceNow: -1)], ofItemAtPath: path) }
        let droppedInode = try inode(dropped).inode
        let (jobs, failed) = try intake(lib, [])
        #expect(jobs.count == 2 && failed.isEmpty, "\(failed)")
        let copies = jobs.map { lib.url("jobs/\($0)/request.txt").path }
        let texts = try copies.map { try String(contentsOfFile: $0, encoding: .utf8) }
        let solo = try #require(texts.firstIndex(of: "a hare"))
        let shared = try #require(texts.firstIndex(of: "a fox"))
        // Its only name was the inbox's: the job keeps the file itself (written once), by one name.
        #expect(try inode(copies[solo]) == (droppedInode, 1))
        // The shared one is a copy: the user's own file changing later leaves the job's alone.
        #expect(try inode(copies[shared]).inode != inode(kept).inode && inode(kept).links == 1)
        try Data("a wolf".utf8).write(to: URL(fileURLWithPath: kept))
        #expect(try String(contentsOfFile: copies[shared], encoding: .utf8) == "a fox")
        #expect(try FileManager.default.contentsOfDirectory(atPath: lib.url("inbox").path).filter { $0 != "failed" }.isEmpty)
    }

    @Test func indexCheckReportsLinksAndFIFOsElsewhereInTheLibrary() async throws {
        let lib = try TempLibrary()
        let id = try lib.savePNG(title: "Fox")
        let folder = try #require(try lib.library.store.locate(.asset, id: id)).path
        #expect(mkfifo(lib.url("\(folder)/pipe.png").path, 0o644) == 0)
        try FileManager.default.createSymbolicLink(atPath: lib.url("templates/passwd").path, withDestinationPath: "/etc/passwd")
        #expect(mkfifo(lib.url("inbox/waiting.txt").path, 0o644) == 0)  // the inbox's own business
        let report = try lib.library.index.check()
        #expect(report.notRegular.map(\.path) == ["\(folder)/pipe.png", "templates/passwd"])
        #expect(report.notRegular.first?.reason.contains("a FIFO") == true)
        let check = try await CLI.run(["index", "check"], library: lib.path)
        #expect(check.status == 1 && check.stdout.contains("not a regular file:     templates/passwd: a symbolic link"), "\(check.stdout)")
        // The asset itself still reads (its sidecar and image are regular files).
        #expect(try lib.assets.getAsset(id, userId: "alice") != nil)
    }

    @Test func aLinkedTopFolderStopsTheLibraryOpeningWithItsName() throws {
        let lib = try TempLibrary()
        let outside = lib.path + "-jobs-elsewhere"
        try FileManager.default.moveItem(atPath: lib.url("jobs").path, toPath: outside)
        defer { try? FileManager.default.removeItem(atPath: outside) }
        try FileManager.default.createSymbolicLink(atPath: lib.url("jobs").path, withDestinationPath: outside)
        #expect {
            try CreativeLibrary.open(lib.path)
        } throws: { error in
            (error as? CreativeError)?.message.contains("/jobs is a symbolic link; a library's folders must be real folders") == true
        }
    }
}
