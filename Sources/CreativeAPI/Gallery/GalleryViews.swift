import CreativeCatalog
import Foundation
import Mustache

/// What the gallery's Mustache pages show, in plain values (Mustache escapes each one).
enum GalleryView {
    /// Mustache reads stored properties only (through Mirror): every flag is one.
    struct Chrome {
        var title: String
        var user: String?
        var page: String
        var signedIn: Bool
        var navLibrary = false
        var navGenerate = false
        var navTemplates = false
        var navJobs = false
        var navTrash = false

        init(title: String, user: String?, page: String, signedIn: Bool) {
            (self.title, self.user, self.page, self.signedIn) = (title, user, page, signedIn)
            (navLibrary, navGenerate, navTemplates, navJobs, navTrash) = (
                page == "library", page == "generate", page == "templates", page == "jobs", page == "trash"
            )
        }
    }

    struct Card {
        var id: String
        var title: String
        var type: String
        var thumb: String?
        var alt: String
        var isFavorite: Bool
        var favoriteLabel: String
        var detail: String

        init(_ a: CreativeAsset) {
            id = a.id
            title = a.title
            type = a.type.rawValue
            thumb = a.thumbnailUrl != nil ? "/api/creative/asset/\(a.id)/thumbnail" : nil
            alt = a.prompt.map { String($0.prefix(200)) } ?? a.title
            isFavorite = a.isFavorite
            favoriteLabel = a.isFavorite ? "Unfavorite \(a.title)" : "Favorite \(a.title)"
            var parts = [a.type.rawValue]
            if let w = a.width, let h = a.height { parts.append("\(w)×\(h)") }
            if let d = a.duration { parts.append(String(format: "%.1f s", d)) }
            detail = parts.joined(separator: " · ")
        }
    }

    struct Collection {
        var name: String
        var count: Int
        var href: String
        var current: Bool
    }

    struct Option {
        var value: String
        var label: String
        var selected: Bool
    }

    struct Library {
        var chrome: Chrome
        var cards: [Card]
        var next: String?
        var collections: [Collection]
        var allCurrent: Bool
        var text: String
        var types: [Option]
        var category: String
        var tag: String
        var favorites: Bool
        var since: String
        var collection: String?
        var filtered: Bool
        var count: Int
    }

    struct Row {
        var label: String
        var value: String
    }

    struct Link {
        var id: String
        var title: String
    }

    struct Asset {
        var chrome: Chrome
        var id: String
        var title: String
        var description: String
        var tagList: [String]
        var file: String
        var thumb: String?
        var isImage: Bool
        var isAudio: Bool
        var isVideo: Bool
        var isText: Bool
        var text: String?
        var alt: String
        var isFavorite: Bool
        var favoriteLabel: String
        var mine: Bool
        var rows: [Row]
        var parameters: String?
        var parent: Link?
        var children: [Link]
        var hasChildren: Bool
    }

    struct Trash {
        var chrome: Chrome
        var cards: [Card]
    }

    struct Job {
        var id: String
        var kind: String
        var prompt: String
        var status: String
        var progress: Int
        var active: Bool
        var error: String?
        var assetId: String?
        var created: String
    }

    struct Jobs {
        var chrome: Chrome
        var jobs: [Job]
    }

    struct Template {
        var id: String
        var name: String
        var type: String
        var description: String?
        var prompt: String
        var variables: [Variable]
        var placeholders: String
        var usageCount: Int
        /// The user's own template (defaults and others' public ones are not theirs to change).
        var editable: Bool
    }

    struct Variable {
        var name: String
        var value: String
        var field: String
    }

    struct Templates {
        var chrome: Chrome
        var templates: [Template]
    }

    struct Generate {
        var chrome: Chrome
    }

    struct SignIn {
        var chrome: Chrome
        var problem: String?
    }

    static func job(_ j: GenerationJob) -> Job {
        Job(
            id: j.id, kind: j.type.rawValue, prompt: String(j.prompt.prefix(160)), status: j.status.rawValue, progress: j.progress,
            active: j.status == .queued || j.status == .running, error: j.errorMessage, assetId: j.resultAssetId, created: Timestamp.format(j.createdAt))
    }
}

/// A page holds up to 48 cards: their fields are looked up by name, not through Mirror
/// (reflection was most of a page's time).
extension GalleryView.Card: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "id": id
        case "title": title
        case "type": type
        // false, not nil: a missing name is looked up in the page around the card.
        case "thumb": thumb ?? false
        case "alt": alt
        case "isFavorite": isFavorite
        case "favoriteLabel": favoriteLabel
        case "detail": detail
        default: nil
        }
    }
}
