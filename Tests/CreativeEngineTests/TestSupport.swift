import CreativeCatalog
import CreativeLibraries
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

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
    ) async throws -> Result {
        let ended = try await Child.collect(process(arguments, library: library, user: user, env: extra), stdin: stdin)
        return Result(
            status: ended.status, stdout: String(decoding: ended.stdout, as: UTF8.self),
            stderr: String(decoding: ended.stderr, as: UTF8.self))
    }
}

/// Child processes of the tests. A read or `waitUntilExit` blocks its thread, and the cooperative
/// pool has two on a 2-core machine, shared by every suite running in parallel: reads happen on
/// threads of their own and ends are awaited by polling. A child still running at its deadline is
/// killed and fails the test that started it, instead of hanging the whole run.
enum Child {
    /// Runs `process` with pipes for its output (stderr into stdout when `mergingErrors`).
    static func collect(
        _ process: Process, stdin: String? = nil, mergingErrors: Bool = false, within seconds: Double = 300,
        sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> (status: Int32, stdout: Data, stderr: Data) {
        let out = Pipe(), err = Pipe(), input = Pipe()
        (process.standardOutput, process.standardError, process.standardInput) = (out, mergingErrors ? out : err, input)
        try process.run()
        if let stdin { input.fileHandleForWriting.write(Data(stdin.utf8)) }
        try input.fileHandleForWriting.close()
        async let stdout = readAll(out.fileHandleForReading)
        async let stderr = readAll(mergingErrors ? nil : err.fileHandleForReading)
        let status = await process.exited(within: seconds, sourceLocation: sourceLocation)
        return (status, await stdout, await stderr)
    }

    /// Runs a program from a path with arguments; see ``collect(_:stdin:mergingErrors:within:sourceLocation:)``.
    static func run(
        _ executable: String, _ arguments: [String], in directory: URL? = nil, mergingErrors: Bool = false,
        sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> (status: Int32, stdout: Data, stderr: Data) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = directory }
        return try await collect(process, mergingErrors: mergingErrors, sourceLocation: sourceLocation)
    }

    static func readAll(_ handle: FileHandle?) async -> Data {
        guard let handle else { return Data() }
        return await withCheckedContinuation { continuation in
            Thread.detachNewThread { continuation.resume(returning: handle.readDataToEndOfFile()) }
        }
    }
}

extension Process {
    /// Its exit status, awaited without holding a thread; killed (and the test failed) when it
    /// still runs after `seconds`.
    @discardableResult
    func exited(within seconds: Double = 300, sourceLocation: SourceLocation = #_sourceLocation) async -> Int32 {
        let deadline = Date().addingTimeInterval(seconds)
        while isRunning && Date() < deadline { try? await Task.sleep(for: .milliseconds(20)) }
        if isRunning {
            let name = ([executableURL?.lastPathComponent ?? "?"] + (arguments ?? [])).joined(separator: " ")
            Issue.record("`\(name)` still ran after \(Int(seconds)) s and was killed", sourceLocation: sourceLocation)
            kill(processIdentifier, SIGKILL)
        }
        waitUntilExit()
        return terminationStatus
    }

    /// SIGTERM, then reaped; one still running after `seconds` is killed and fails the test.
    /// Synchronous, for `defer` blocks: it holds its thread at most that long.
    func stop(within seconds: Double = 60, sourceLocation: SourceLocation = #_sourceLocation) {
        if isRunning { terminate() }
        let deadline = Date().addingTimeInterval(seconds)
        while isRunning && Date() < deadline { usleep(20_000) }
        if isRunning {
            Issue.record("`\(arguments ?? [])` ignored SIGTERM for \(Int(seconds)) s and was killed", sourceLocation: sourceLocation)
            kill(processIdentifier, SIGKILL)
        }
        waitUntilExit()
    }
}

/// Polls `condition` until it holds or `seconds` pass. It is a state (of a fake, a file, the
/// library), never a duration being measured: the bound is generous because a loaded 2-core CI
/// machine runs every suite at once, and Task.sleep keeps the cooperative pool's threads free.
func eventually(_ seconds: Double = 120, _ condition: () async throws -> Bool) async rethrows -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if try await condition() { return true }
        try? await Task.sleep(for: .milliseconds(20))
    }
    return try await condition()
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

/// Runs a blocking (`noasync`) call on the io pool, as the engine does.
func offPool<T: Sendable>(_ body: @escaping @Sendable () throws(CreativeError) -> T) async throws -> T {
    try await BlockingPool.io.run(body)
}
