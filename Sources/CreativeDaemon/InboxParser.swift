import CreativeCatalog
import CreativeGeneration
import Foundation
import Yams

/// Reads an inbox file into the one request type. Every refusal is one sentence a person
/// understands, naming the problem and the fix; it becomes `NAME.error.txt` in inbox/failed/.
enum InboxParser {
    static let extensions = ["txt", "prompt", "md", "json"]
    /// Front matter is a handful of fields: these caps stop a hostile file making the parser
    /// build something huge (YAML aliases can repeat a node exponentially, "billion laughs").
    static let frontMatterLimit = 64 * 1024
    static let frontMatterNodes = 10_000

    static func parse(name: String, data: Data?) throws(CreativeError) -> GenerationRequest {
        let ext = (name as NSString).pathExtension.lowercased()
        guard extensions.contains(ext) else {
            throw .invalid(
                "file",
                "Only requests (.txt, .prompt, .md, .json) and media (images, audio, video) are taken from the inbox; rename \(name) with one of these extensions."
            )
        }
        guard let data else {
            throw CreativeError(.tooLarge, "\(name) is larger than 1 MiB; a request is a short text (put long copy in a .md file under 1 MiB).")
        }
        guard !data.contains(0), let text = String(data: data, encoding: .utf8) else {
            throw .invalid("file", "\(name) is not UTF-8 text (it looks binary); save the prompt as plain text.")
        }
        let request: GenerationRequest
        switch ext {
        case "json":
            request = try GenerationRequest.decode(json: data)
        case "md":
            request = try markdown(text, name: name)
        default:
            let prompt = text.trimmingCharacters(in: .whitespacesAndNewlines)
            guard !prompt.isEmpty else { throw .invalid("prompt", "\(name) is empty; write the image prompt in it.") }
            request = GenerationRequest(kind: .image, prompt: prompt)
        }
        try request.validate()
        return request
    }

    /// `---` YAML front matter (any request field), then the body: the prompt, or the copy to
    /// improve for `kind: improve`.
    private static func markdown(_ text: String, name: String) throws(CreativeError) -> GenerationRequest {
        var body = text
        var fields: [String: JSONValue] = [:]
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        if lines.first?.trimmingCharacters(in: .whitespaces) == "---",
            let end = lines.dropFirst().firstIndex(where: { $0.trimmingCharacters(in: .whitespaces) == "---" })
        {
            let yaml = lines[1..<end].joined(separator: "\n")
            body = lines[(end + 1)...].joined(separator: "\n")
            try checkFrontMatter(yaml, name: name)
            let parsed: Any?
            do {
                parsed = try Yams.load(yaml: yaml)
            } catch let error as YamlError {
                throw .invalid("front matter", "The front matter of \(name) is not valid YAML (\(Self.describe(error))); fix it or remove the --- lines.")
            } catch {
                throw .invalid("front matter", "The front matter of \(name) is not valid YAML; fix it or remove the --- lines.")
            }
            if let parsed {
                guard let map = parsed as? [String: Any] else {
                    throw .invalid("front matter", "The front matter of \(name) must be key: value lines, such as `width: 768`.")
                }
                for (key, value) in map { fields[key] = try json(value, field: key) }
            }
        }
        body = body.trimmingCharacters(in: .whitespacesAndNewlines)
        let kind = fields["kind"]?.stringValue.flatMap(RequestKind.init(rawValue:)) ?? .image
        let bodyField = kind == .improve ? "original" : (kind == .ideas ? "topic" : "prompt")
        if !body.isEmpty, fields[bodyField] == nil, kind != .fromTemplate { fields[bodyField] = .string(body) }
        let data: Data
        do {
            data = try JSONCoding.encoder(pretty: false).encode(fields)
        } catch {
            throw .invalid("front matter", "The front matter of \(name) could not be read.")
        }
        return try GenerationRequest.decode(json: data)
    }

    /// Refuses front matter over the size cap, with anchors or aliases (`&name`, `*name`), nested
    /// deeper than ``JSONCoding/maxDepth`` or with more than ``frontMatterNodes`` nodes; the walk
    /// stops at the first excess.
    private static func checkFrontMatter(_ yaml: String, name: String) throws(CreativeError) {
        guard yaml.utf8.count <= frontMatterLimit else {
            throw CreativeError(.tooLarge, "The front matter of \(name) is over 64 KiB; keep it to the request's fields and put long text in the body.")
        }
        // Refused before composing: Yams hashes mapping keys while it composes, and an alias used as
        // a key would be hashed through its whole expansion. The test is on the text, so it may
        // also refuse an `&word` inside a value; anchors are never needed in a request.
        if yaml.range(of: #"(^|[\s\[\{,])&[^\s\[\]\{\},]"#, options: .regularExpression) != nil {
            throw .invalid("front matter", "The front matter of \(name) uses YAML anchors or aliases (&name, *name); write each value out.")
        }
        let parser: Parser
        let root: Node?
        do {
            parser = try Parser(yaml: yaml)
            root = try parser.singleRoot()
        } catch let error as YamlError {
            throw .invalid("front matter", "The front matter of \(name) is not valid YAML (\(Self.describe(error))); fix it or remove the --- lines.")
        } catch {
            throw .invalid("front matter", "The front matter of \(name) is not valid YAML; fix it or remove the --- lines.")
        }
        guard let root else { return }
        var count = 0
        func walk(_ node: Node, depth: Int) throws(CreativeError) {
            count += 1
            // An alias resolves to its anchored node, so every alias is caught by its anchor.
            if node.anchor != nil || { if case .alias = node { return true } else { return false } }() {
                throw .invalid("front matter", "The front matter of \(name) uses YAML anchors or aliases (&name, *name); write each value out.")
            }
            guard depth <= JSONCoding.maxDepth else {
                throw .invalid(
                    "front matter", "The front matter of \(name) nests more than \(JSONCoding.maxDepth) levels deep; a request is flat key: value lines.")
            }
            guard count <= frontMatterNodes else {
                throw .invalid(
                    "front matter", "The front matter of \(name) has more than \(frontMatterNodes) values; a request is a handful of key: value lines.")
            }
            switch node {
            case .mapping(let mapping):
                for (key, value) in mapping {
                    try walk(key, depth: depth + 1)
                    try walk(value, depth: depth + 1)
                }
            case .sequence(let sequence):
                for item in sequence { try walk(item, depth: depth + 1) }
            case .scalar, .alias: break
            }
        }
        try withExtendedLifetime(parser) { () throws(CreativeError) in try walk(root, depth: 0) }
    }

    private static func json(_ value: Any, field: String) throws(CreativeError) -> JSONValue {
        switch value {
        case let b as Bool: return .bool(b)
        case let i as Int: return .int(i)
        case let d as Double: return .double(d)
        case let s as String: return .string(s)
        case let a as [Any]:
            var items: [JSONValue] = []
            for item in a { items.append(try json(item, field: field)) }
            return .array(items)
        case let o as [String: Any]:
            var object: [String: JSONValue] = [:]
            for (k, v) in o { object[k] = try json(v, field: "\(field).\(k)") }
            return .object(object)
        case is NSNull: return .null
        default:
            if let date = value as? Date { return .string(Timestamp.format(date)) }
            throw .invalid(field, "\(field) has a value the engine cannot read; use text, a number, true/false or a list.")
        }
    }

    private static func describe(_ error: YamlError) -> String {
        let text = "\(error)"
        return text.split(separator: "\n").first.map(String.init) ?? "syntax error"
    }
}
