import CreativeCatalog
import CreativeLibraries
import Foundation
import Testing

/// A fresh library in a temp folder, removed when the value goes away.
final class TempLibrary: @unchecked Sendable {
    let path: String
    let library: CreativeLibrary

    init() throws {
        path =
            FileManager.default.temporaryDirectory
            .appendingPathComponent("creative-test-\(UUID().uuidString)").path
        library = try CreativeLibrary.initialize(path).0
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    var assets: AssetCatalog { library.assets }
    var templates: TemplateCatalog { library.templates }

    func url(_ relative: String) -> URL { URL(fileURLWithPath: path).appendingPathComponent(relative) }

    /// Saves a small PNG as an asset and returns its id.
    func savePNG(
        user: String = "alice", title: String = "Black square", tags: [String] = [],
        configure: (inout AssetInput) -> Void = { _ in }
    ) throws -> String {
        var input = AssetInput(media: .bytes(Fixtures.png, fileName: nil))
        input.title = title
        input.tags = tags
        configure(&input)
        return try assets.saveAsset(userId: user, asset: input).assetId
    }

    /// The absolute folder of an asset.
    func folder(of assetId: String, user: String = "alice") throws -> String {
        let location = try #require(try assets.find(assetId, userId: user)?.location)
        return library.store.absolutePath(location.path)
    }
}

enum Fixtures {
    /// A 48×32 black RGB PNG written by `vips black b.png 48 32 --bands 3`.
    static let png = Data(
        base64Encoded:
            "iVBORw0KGgoAAAANSUhEUgAAADAAAAAgCAIAAADbtmxLAAAACXBIWXMAAAPoAAAD6AG1e1JrAAAAGklEQVRYhe3BAQEAAACCIP+vbkhAAQAAAPBsEiAAAcwKt6EAAAAASUVORK5CYII=")!
}

/// Runs the built `creative` binary (it sits beside the test bundle in the build folder).
enum CLI {
    static let binary: String = {
        let exe = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        var dir = URL(fileURLWithPath: exe).deletingLastPathComponent()
        // The test bundle may be a directory (…/X.xctest/…); walk up until `creative` is found.
        for _ in 0..<4 {
            let candidate = dir.appendingPathComponent("creative").path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            dir = dir.deletingLastPathComponent()
        }
        return "creative"
    }()

    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// A `creative` process on a library, as a user, with extra environment.
    static func process(_ arguments: [String], library: String, user: String, env extra: [String: String] = [:]) -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        env["CREATIVE_LIBRARY"] = library
        env["CREATIVE_USER"] = user
        for (key, value) in extra { env[key] = value }
        process.environment = env
        return process
    }

    /// Starts the CLI without waiting.
    static func start(_ arguments: [String], library: String, user: String = "alice") throws -> Process {
        let process = process(arguments, library: library, user: user)
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        return process
    }

    /// Runs the CLI to completion and captures its output.
    static func run(
        _ arguments: [String], library: String, user: String = "alice", stdin: String? = nil,
        env extra: [String: String] = [:]
    ) throws -> Result {
        let process = process(arguments, library: library, user: user, env: extra)
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        let input = Pipe()
        process.standardInput = input
        try process.run()
        if let stdin { input.fileHandleForWriting.write(Data(stdin.utf8)) }
        try input.fileHandleForWriting.close()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(
            status: process.terminationStatus,
            stdout: String(decoding: stdout, as: UTF8.self),
            stderr: String(decoding: stderr, as: UTF8.self))
    }
}

/// Asserts that `body` throws a CreativeError with this code; returns it for further checks.
@discardableResult
func expectError<T>(
    _ code: CreativeError.Code, sourceLocation: SourceLocation = #_sourceLocation,
    _ body: () async throws -> T
) async -> CreativeError? {
    do {
        _ = try await body()
        Issue.record("expected error \(code.rawValue), but it succeeded", sourceLocation: sourceLocation)
    } catch let error as CreativeError {
        #expect(error.code == code, "\(error)", sourceLocation: sourceLocation)
        return error
    } catch {
        Issue.record("expected CreativeError \(code.rawValue), got \(error)", sourceLocation: sourceLocation)
    }
    return nil
}
