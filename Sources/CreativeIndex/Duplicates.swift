import CreativeModels
import CreativeStore

/// Two folders with one id happen when a folder is copied in a file manager. The index keeps one
/// (`LibraryStore.keeps`) on every rebuild, reconcile and check, and reports the other as a
/// problem instead of failing the rebuild or flipping between the two on each pass.
enum Duplicates {
    static func problem(_ kind: EntityKind, copy: String, kept: String) -> SidecarProblem {
        SidecarProblem(path: "\(copy)/\(kind.sidecarName)",
                       reason: "has the same id as \(kept), which the index keeps; delete one of the two folders or move it out of the library.")
    }
}
