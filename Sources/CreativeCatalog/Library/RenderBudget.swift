import Mustache

/// One rendering's byte budget, shared by the values it renders. swift-mustache renders to one
/// String and cannot be stopped, so the values themselves count: past the budget they render
/// nothing, and the caller refuses the rendering (`exceeded`). Text between tags is bounded
/// before rendering instead (`TemplateBounds`). Used on one thread, for one rendering.
final class RenderBudget {
    private var remaining: Int
    private(set) var exceeded = false

    init(bytes: Int) {
        remaining = bytes
    }

    /// `text`, counted; nothing once the budget is spent.
    func spend(_ text: String) -> String {
        guard !exceeded else { return "" }
        let bytes = text.utf8.count
        guard bytes <= remaining else {
            exceeded = true
            return ""
        }
        remaining -= bytes
        return text
    }

    /// A request's value as swift-mustache takes it, every part that renders text counted.
    func wrap(_ value: JSONValue) -> Any {
        switch value {
        case .null: return ""
        case .bool(let b): return b
        case .int(let i): return wrap(any: i)
        case .double(let d): return wrap(any: d)
        case .string(let s):
            // "true"/"false" switch a section on or off ({{#hashtags}}…{{/hashtags}}).
            if s == "true" || s == "false" { return s == "true" }
            return wrap(any: s)
        case .array(let a): return wrap(any: a.map(wrap))
        case .object(let o): return wrap(any: o.mapValues(wrap))
        }
    }

    /// Wraps strings, numbers, lists and objects (a transform's result too); the rest as it is.
    func wrap(any value: Any) -> Any {
        switch value {
        case is Bool, is BudgetedValue: value
        case is String, is Substring, is Int, is Double: BudgetedValue(value, budget: self)
        case let list as [Any]: BudgetedList(items: list, budget: self)
        case let object as [String: Any]: BudgetedObject(fields: object, budget: self)
        default: value
        }
    }
}

/// A string or number: renders as the plain value would, counted.
struct BudgetedValue: MustacheCustomRenderable, MustacheTransformable, CustomStringConvertible, CustomDebugStringConvertible {
    let value: Any
    let budget: RenderBudget

    init(_ value: Any, budget: RenderBudget) {
        (self.value, self.budget) = (value, budget)
    }

    var renderText: String { budget.spend(description) }
    var isNull: Bool { false }
    var description: String { String(describing: value) }
    var debugDescription: String { String(reflecting: value) }

    func transform(_ name: String) -> Any? {
        (value as? MustacheTransformable)?.transform(name).map(budget.wrap(any:))
    }
}

/// A list: sections repeat over its items; `{{list}}` renders as the plain list would, counted.
struct BudgetedList: MustacheSequence, MustacheCustomRenderable, MustacheTransformable, CustomStringConvertible, CustomDebugStringConvertible {
    let items: [Any]
    let budget: RenderBudget

    func makeIterator() -> IndexingIterator<[Any]> { items.makeIterator() }
    var renderText: String { budget.spend(description) }
    var isNull: Bool { false }
    var description: String { String(describing: items) }
    var debugDescription: String { String(reflecting: items) }

    func transform(_ name: String) -> Any? {
        items.transform(name).map(budget.wrap(any:))
    }
}

/// An object: `{{object.field}}` and sections look inside it; `{{object}}` renders counted.
struct BudgetedObject: MustacheParent, MustacheCustomRenderable, MustacheTransformable, CustomStringConvertible, CustomDebugStringConvertible {
    let fields: [String: Any]
    let budget: RenderBudget

    func child(named name: String) -> Any? { fields[name] }
    var renderText: String { budget.spend(description) }
    var isNull: Bool { false }
    var description: String { String(describing: fields) }
    var debugDescription: String { String(reflecting: fields) }

    func transform(_ name: String) -> Any? {
        fields.transform(name).map(budget.wrap(any:))
    }
}
