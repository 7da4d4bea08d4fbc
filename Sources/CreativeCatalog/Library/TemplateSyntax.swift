import Mustache

/// Mustache checks for template prompts: syntax at create/update time, and the placeholder names
/// a template expects (`{{product}}` → `product`). Every entry checks `TemplateBounds` before the
/// text reaches the parser.
public enum TemplateSyntax {
    /// Parses `text` as Mustache.
    /// - Throws: `invalid_template` naming the field, line and column of the first error, or the
    ///   bound (length, nesting) the text is over.
    public static func check(_ text: String, field: String) throws(CreativeError) {
        try TemplateBounds.check(text, field: field)
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

    /// Renders Mustache text with values (no HTML escaping: prompts are plain text). Before it
    /// parses anything it bounds the text a rendering repeats — sections repeat over lists, and 32
    /// nested sections over a list of ten would be 10^32 copies — and the values count what they
    /// render (`RenderBudget`): more than `TemplateBounds.maxRenderedBytes` is refused.
    /// - Throws: `invalid_template` when the text is over its bounds, is not valid Mustache, or
    ///   would render more than `TemplateBounds.maxRenderedBytes`.
    public static func render(_ text: String, _ values: [String: JSONValue], field: String = "prompt") throws(CreativeError) -> String {
        let repeats = values.values.map(longestList).max() ?? 1
        // A placeholder that renders uncounted (true, false) renders at most five bytes.
        let bound = try TemplateBounds.scan(text, field: field, repeats: repeats, variableBytes: 5)
        guard bound <= TemplateBounds.maxRenderedBytes else { throw tooLarge(field) }
        let budget = RenderBudget(bytes: TemplateBounds.maxRenderedBytes)
        let rendered: String
        do {
            let template = try MustacheTemplate(string: "{{% CONTENT_TYPE: TEXT}}" + text)
            rendered = template.render(values.mapValues(budget.wrap))
        } catch {
            throw CreativeError(.invalidTemplate, "The template text is not valid Mustache; placeholders look like {{product}}.", field: field)
        }
        guard !budget.exceeded, rendered.utf8.count <= TemplateBounds.maxRenderedBytes else { throw tooLarge(field) }
        return rendered
    }

    /// The top-level placeholder and section names a template uses, in first-use order; none for
    /// text over its bounds (using it fails with the reason).
    public static func variables(_ text: String) -> [String] {
        guard (try? TemplateBounds.check(text, field: "prompt")) != nil, let template = try? MustacheTemplate(string: text) else { return [] }
        let recorder = Recorder()
        _ = template.render(recorder)
        return recorder.names
    }

    private static func tooLarge(_ field: String) -> CreativeError {
        CreativeError(
            .invalidTemplate,
            "\(field) would render more than \(TemplateBounds.maxRenderedBytes) bytes with these variables; use shorter lists or fewer nested sections.",
            field: field)
    }

    /// The longest list anywhere in a value: how often a section can repeat.
    private static func longestList(_ value: JSONValue) -> Int {
        switch value {
        case .array(let items): max(items.count, items.map(longestList).max() ?? 1)
        case .object(let fields): fields.values.map(longestList).max() ?? 1
        default: 1
        }
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
