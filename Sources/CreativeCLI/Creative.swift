import ArgumentParser
import CreativeCatalog
import Foundation
import Logging

#if canImport(Glibc)
import Glibc
#endif

/// `creative`: the command-line door onto a library folder.
@main
struct Creative: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "creative",
        abstract: "Generate and keep creative content in a folder.",
        discussion: """
            A library is a folder: every asset, template and job is a directory with a JSON sidecar \
            (see docs/SCHEMA.md). This command reads and changes it safely, even while other \
            processes do the same.

            The library is ./library unless --library or CREATIVE_LIBRARY says otherwise; you act as \
            the user `local` unless --user or CREATIVE_USER says otherwise.

            Exit status: 0 on success, 1 when the operation failed, 2 on bad usage. Errors are one \
            sentence on stderr, prefixed with a stable code: error[not_found]: …
            """,
        subcommands: [
            InitCommand.self, WatchCommand.self, ServeCommand.self, TokenCommand.self, GenerateCommand.self, RegenerateCommand.self, ImagesCommand.self,
            ContentCommand.self, AssetCommand.self, ImportCommand.self, ExportCommand.self, TemplateCommand.self, JobCommand.self, SearchCommand.self,
            IndexCommand.self, BenchCommand.self,
        ]
    )

    /// Runs the command; maps failures to the documented exit codes.
    static func main() async {
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = .notice
            return handler
        }
        let command: ParsableCommand
        do {
            command = try parseAsRoot()
        } catch {
            // --help and --version print and exit 0; any other parse error is bad usage: exit 2.
            if exitCode(for: error) == .success { exit(withError: error) }
            FileHandle.standardError.write(fullMessage(for: error) + "\n")
            Glibc.exit(2)
        }
        do {
            if var command = command as? AsyncParsableCommand {
                try await command.run()
            } else {
                var command = command
                try command.run()
            }
        } catch let error as CreativeError {
            Output.fail(error, json: (command as? JSONOutput)?.global.json ?? false)
            Glibc.exit(1)
        } catch {
            let code = exitCode(for: error)
            if code == .success { exit(withError: error) }
            FileHandle.standardError.write(fullMessage(for: error) + "\n")
            Glibc.exit(code == .validationFailure ? 2 : 1)
        }
    }
}
