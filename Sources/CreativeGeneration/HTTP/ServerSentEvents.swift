import Foundation

/// One server-sent event (`event:` name, `data:` lines joined by newlines).
public struct ServerSentEvent: Sendable, Equatable {
    public var event: String
    public var data: String

    public init(event: String, data: String) {
        (self.event, self.data) = (event, data)
    }
}

/// Parses a `text/event-stream` body (the WHATWG format OpenAI and Anthropic stream in): events
/// end at a blank line; `data:` lines join with newlines; `:` starts a comment; CR, LF and CRLF
/// all end a line. An event cut off before its blank line is not returned.
public struct ServerSentEvents: Sendable {
    private var buffer = ""
    private var event = ""
    private var data: [String] = []

    public init() {}

    /// Feeds bytes; returns the events they completed.
    public mutating func feed(_ bytes: Data) -> [ServerSentEvent] {
        buffer += String(decoding: bytes, as: UTF8.self)
        var events: [ServerSentEvent] = []
        while let end = buffer.firstIndex(where: { $0 == "\n" || $0 == "\r" || $0 == "\r\n" }) {
            let line = String(buffer[..<end])
            buffer.removeSubrange(...end)
            if line.isEmpty {
                if !data.isEmpty { events.append(ServerSentEvent(event: event.isEmpty ? "message" : event, data: data.joined(separator: "\n"))) }
                (event, data) = ("", [])
            } else if line.hasPrefix(":") {
                continue
            } else {
                let (field, value) = Self.split(line)
                switch field {
                case "event": event = value
                case "data": data.append(value)
                default: break
                }
            }
        }
        return events
    }

    /// All complete events of a whole body.
    public static func parse(_ body: Data) -> [ServerSentEvent] {
        var parser = ServerSentEvents()
        return parser.feed(body)
    }

    private static func split(_ line: String) -> (String, String) {
        guard let colon = line.firstIndex(of: ":") else { return (line, "") }
        var value = line[line.index(after: colon)...]
        if value.hasPrefix(" ") { value = value.dropFirst() }
        return (String(line[..<colon]), String(value))
    }
}
