import ArgumentParser
import CreativeCatalog
import Foundation

extension MediaType: ExpressibleByArgument {}
extension AssetStatus: ExpressibleByArgument {}
extension AssetSource: ExpressibleByArgument {}
extension SortField: ExpressibleByArgument {}
extension ListOrder: ExpressibleByArgument {}
extension JobStatus: ExpressibleByArgument {}

/// `--data`: a JSON request body, given inline, as `@FILE`, or `-` for stdin.
struct RequestBody: ParsableArguments {
    @Option(
        name: .long, help: ArgumentHelp("The request as JSON (docs/SCHEMA.md): inline, @FILE, or - for stdin. Flags override its fields.", valueName: "json"))
    var data: String?

    func decode<T: Request>(_ type: T.Type) throws -> T? {
        guard let data else { return nil }
        let bytes: Data
        if data == "-" {
            bytes = FileHandle.standardInput.readDataToEndOfFile()
        } else if data.hasPrefix("@") {
            guard let file = FileManager.default.contents(atPath: String(data.dropFirst())) else {
                throw ValidationError("Cannot read the request file \(data.dropFirst()).")
            }
            bytes = file
        } else {
            bytes = Data(data.utf8)
        }
        return try T.decode(json: bytes)
    }
}

/// Parses `2026-11-25` or a full ISO-8601 timestamp.
func parseDate(_ text: String?, option: String) throws -> Date? {
    guard let text else { return nil }
    if let date = Timestamp.parse(text) ?? Timestamp.parse(text + "T00:00:00Z") { return date }
    throw ValidationError("\(option) must be a date like 2026-11-25 or 2026-11-25T09:30:00Z.")
}
