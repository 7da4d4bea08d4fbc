import Foundation
import Testing

@testable import CreativeCatalog

@Suite("Index folder")
struct IndexFolderTests {
    /// An engine or a test still holding a library whose folder was removed: a rebuild fails
    /// instead of making the folder again at the old path with an index in it.
    @Test func aRebuildNeverRecreatesALibraryRemovedWhileOpen() throws {
        let lib = try TempLibrary()
        _ = try lib.savePNG(title: "Gone with its library")
        try FileManager.default.removeItem(atPath: lib.path)
        #expect(throws: CreativeError.self) { try lib.library.index.rebuild() }
        #expect(!FileManager.default.fileExists(atPath: lib.path))
    }
}
