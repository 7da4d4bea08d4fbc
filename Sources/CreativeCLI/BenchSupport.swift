import CreativeCatalog
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Timing and child-process measurement shared by the benchmarks.
enum Measure {
    static func now() -> Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }

    static func time(_ body: () throws -> Void) rethrows -> Double {
        let start = now()
        try body()
        return now() - start
    }

    static func median(_ values: some Collection<Double>) -> Double { percentile(Array(values), 0.5) }

    static func percentile(_ values: [Double], _ p: Double) -> Double {
        let sorted = values.sorted()
        guard !sorted.isEmpty else { return 0 }
        return sorted[min(sorted.count - 1, Int((Double(sorted.count - 1) * p).rounded()))]
    }

    /// What one child process took: wall time and its own peak resident memory (wait4's rusage,
    /// not the maximum over every child so far).
    struct Child {
        var seconds: Double
        var peakRSSMiB: Double
        var output: String
    }

    /// Runs `arguments[0]` with the rest to completion, its stdout captured to a temp file.
    static func child(_ arguments: [String]) throws -> Child {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("bench-\(UUID().uuidString).out").path
        defer { unlink(out) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, out, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        let argv = arguments.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid = pid_t()
        let start = now()
        let spawned = posix_spawn(&pid, arguments[0], &actions, nil, argv, environ)
        guard spawned == 0 else { throw CreativeError(.storage, "Could not start \(arguments[0]) (error \(spawned)).") }
        var status: Int32 = 0
        var usage = rusage()
        while wait4(pid, &status, 0, &usage) < 0 && errno == EINTR {}
        let seconds = now() - start
        let output = (try? String(contentsOfFile: out, encoding: .utf8)) ?? ""
        // WIFEXITED && WEXITSTATUS == 0, which Swift cannot import as macros.
        guard status & 0x7f == 0, (status >> 8) & 0xff == 0 else {
            throw CreativeError(.storage, "\(arguments.joined(separator: " ")) failed (status \(status)).")
        }
        return Child(seconds: seconds, peakRSSMiB: Double(usage.ru_maxrss) / 1024, output: output)
    }

    /// This program's own path, to run it again as a child.
    static let selfPath = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? "/proc/self/exe"

    /// A line for the report's machine field: cores, kernel, date.
    static var machine: String {
        "\(ProcessInfo.processInfo.activeProcessorCount) cores, \(ProcessInfo.processInfo.operatingSystemVersionString), \(Timestamp.format(Date()).prefix(10))"
    }
}
