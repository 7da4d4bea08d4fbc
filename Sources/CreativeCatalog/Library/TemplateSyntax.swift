import Mustache

/// Mustache checks for template prompts: syntax at create/update time, and the placeholder names
/// a template expects (`{{product}}` → `product`).
public enum TemplateSyntax {
    /// Parses `text` as Mustache.
    /// - Throws: `invalid_template` naming the field, line and column of the first error.
    public static func check(_ text: String, field: String) throws(CreativeError) {
        do {
            _ = try MustacheTemplate(string: text)
        } catch let error as MustacheTemplate.ParserError {
            let where_ = "line \(error.context.lineNumber), column \(error.context.columnNumber)"
            throw CreativeError(
                .invalidTemplate, "\(field) is not valid Mustache at \(where_) (\(error.error)); placeholders look like {{product}}.", field: field)
        } catch {
            throw CreativeError(.invalidTemplate, "\(field) is not valid Mustache; placeholders look like {{product}}.", field: field)
        }
    }

    /// Renders Mustache text with values (no HTML escaping: prompts are plain text).
    public static func render(_ text: String, _ values: [String: Any]) throws(CreativeError) -> String {
        do {
            let template = try MustacheTemplate(string: "{{% CONTENT_TYPE: TEXT}}" + text)
            return template.render(values)
        } catch {
            throw CreativeError(.invalidTemplate, "The template text is not valid Mustache; placeholders look like {{product}}.")
        }
    }

    /// The top-level placeholder and section names a template uses, in first-use order.
    public static func variables(_ text: String) -> [String] {
        guard let template = try? MustacheTemplate(string: text) else { return [] }
        let recorder = Recorder()
        _ = template.render(recorder)
        return recorder.names
    }

    /// Answers every lookup with nothing while remembering the names asked for.
    private final class Recorder: MustacheParent {
        var names: [String] = []

        func child(named name: String) -> Any? {
            if !names.contains(name) { names.append(name) }
            return nil
        }
    }
}
