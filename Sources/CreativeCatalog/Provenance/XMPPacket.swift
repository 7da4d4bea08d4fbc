import Foundation

#if canImport(FoundationXML)
import FoundationXML
#endif

/// The Dublin Core part of an XMP packet: dc:title, dc:description (rdf:Alt, the x-default or
/// first language) and dc:subject (rdf:Bag of keywords); and `creative:provider`, which export
/// writes so a round trip keeps who made the media (and the model when A1111's settings line
/// cannot carry it). External entities are never resolved.
enum XMPPacket {
    struct Found {
        var title: String?
        var description: String?
        var keywords: [String] = []
        var provider: String?
        var model: String?
    }

    static let namespace = "https://creative-engine.local/ns/1.0/"

    static func parse(_ packet: String) -> Found? {
        guard let start = packet.range(of: "<x:xmpmeta") ?? packet.range(of: "<rdf:RDF"), let data = packet[start.lowerBound...].data(using: .utf8)
        else { return nil }
        let reader = Reader()
        let parser = XMLParser(data: Self.trimmed(data))
        parser.shouldResolveExternalEntities = false
        parser.shouldProcessNamespaces = false
        parser.delegate = reader
        guard parser.parse() || reader.found.title != nil || !reader.found.keywords.isEmpty else { return nil }
        return reader.found
    }

    /// The packet without its closing `<?xpacket end…?>` and padding, which follow the root element.
    private static func trimmed(_ data: Data) -> Data {
        guard let end = data.range(of: Data("</x:xmpmeta>".utf8)) ?? data.range(of: Data("</rdf:RDF>".utf8)) else { return data }
        return data[..<end.upperBound]
    }

    /// A packet holding title, description and keywords, for export.
    static func make(title: String?, description: String?, keywords: [String], provider: String?, model: String?) -> String {
        func alt(_ name: String, _ value: String?) -> String {
            value.map { "   <dc:\(name)><rdf:Alt><rdf:li xml:lang=\"x-default\">\(escape($0))</rdf:li></rdf:Alt></dc:\(name)>\n" } ?? ""
        }
        func own(_ name: String, _ value: String?) -> String {
            value.map { "   <creative:\(name)>\(escape($0))</creative:\(name)>\n" } ?? ""
        }
        let bag =
            keywords.isEmpty ? "" : "   <dc:subject><rdf:Bag>\(keywords.map { "<rdf:li>\(escape($0))</rdf:li>" }.joined())</rdf:Bag></dc:subject>\n"
        return """
            <?xpacket begin="\u{FEFF}" id="W5M0MpCehiHzreSzNTczkc9d"?>
            <x:xmpmeta xmlns:x="adobe:ns:meta/">
             <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
              <rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:creative="\(namespace)">
            \(alt("title", title))\(alt("description", description))\(bag)\(own("provider", provider))\(own("model", model))  </rdf:Description>
             </rdf:RDF>
            </x:xmpmeta>
            <?xpacket end="w"?>
            """
    }

    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }

    private final class Reader: NSObject, XMLParserDelegate {
        var found = Found()
        private var field: String?
        private var language: String?
        private var text = ""
        private var depth = 0

        func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String] = [:]) {
            depth += 1
            if depth > 64 { parser.abortParsing() }
            if ["dc:title", "dc:description", "dc:subject", "creative:provider", "creative:model"].contains(name) { field = name }
            if name == "rdf:li" || name.hasPrefix("creative:") {
                text = ""
                language = attributes["xml:lang"]
            }
        }

        func parser(_ parser: XMLParser, foundCharacters string: String) { text += string }

        func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
            depth -= 1
            if name == "rdf:li", let field {
                let value = text.trimmingCharacters(in: .whitespacesAndNewlines)
                guard !value.isEmpty else { return }
                let preferred = language == nil || language == "x-default"
                switch field {
                case "dc:title" where found.title == nil || preferred: found.title = value
                case "dc:description" where found.description == nil || preferred: found.description = value
                case "dc:subject": found.keywords.append(value)
                default: break
                }
            }
            if name == field, name.hasPrefix("creative:") {
                let value = text.trimmingCharacters(in: .whitespacesAndNewlines).nilIfEmpty
                if name == "creative:provider" { found.provider = value } else { found.model = value }
            }
            if name == field { field = nil }
        }
    }
}
