import ArgumentParser
import CreativeAPI
import CreativeCatalog
import CreativeDaemon
import CreativeGeneration
import CreativeLibraries
import Foundation
import Logging
import ServiceLifecycle

struct WatchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "watch",
        abstract: "Watch the library: turn inbox files into jobs, run them, keep the index current.",
        discussion: """
            Drop a prompt into inbox/: a .txt or .prompt file is an image prompt; a .md file may \
            start with YAML front matter (any request field, see docs/SCHEMA.md) above the prompt; \
            a .json file is a full request (image, content, improve, ideas, from-template). Files \
            in inbox/<user>/ run as that user. Results appear under assets/<yyyy-mm>/; rejected \
            files move to inbox/failed/ with NAME.error.txt saying why.

            Several `creative watch` processes (on one machine or several sharing the folder) may \
            run at once: each request runs exactly once. SIGTERM or Ctrl-C lets running jobs finish; \
            after a crash, the next start runs whatever was left.
            """
    )

    @OptionGroup var options: EngineOptions

    func run() async throws {
        let library = try CreativeLibrary.initialize(options.global.libraryPath, removingStrayFiles: false).0
        try await ServiceGroup(
            configuration: .init(
                services: [.init(service: options.engine(library), successTerminationBehavior: .gracefullyShutdownGroup)],
                gracefulShutdownSignals: [.sigterm, .sigint], logger: Logger(label: "creative"))
        ).run()
    }
}

/// The engine's options, shared by `watch` and `serve`.
struct EngineOptions: ParsableArguments {
    @OptionGroup var global: GlobalOptions
    @Option(help: "Worker threads (default: one per core).") var workers: Int?
    @Option(help: "Seconds a job claim lives without renewal; a crashed worker's jobs run again after this.") var lease = 30.0
    @Option(
        help: "Poll every SECONDS instead of using inotify (for NFS and other network filesystems).",
        transform: { text in
            guard let value = Double(text), value > 0 else { throw ValidationError("--poll takes a number of seconds, such as 2.") }
            return value
        }) var poll: Double?
    @Option(help: "Seconds between safety rescans of the inbox and the library.") var rescan = 30.0

    func engine(_ library: CreativeLibrary) -> Engine {
        var options = Engine.Options()
        options.workers = workers ?? options.workers
        options.lease = lease
        options.pollInterval = poll
        options.rescanInterval = rescan
        options.defaultUser = global.userId
        return Engine(library: library, options: options)
    }
}

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the REST API together with the watcher and workers (everything `watch` does).",
        discussion: """
            Zero-config: binds 127.0.0.1, one user `local`, no token, loopback Host names only. \
            To serve other hosts, make tokens with `creative token add USER` (kept hashed in \
            ~/.config/creative/tokens or CREATIVE_TOKENS_FILE) or set \
            CREATIVE_API_TOKENS=token:user,token:user, and pass --host; binding beyond loopback \
            without tokens is refused.
            """
    )

    @OptionGroup var engine: EngineOptions
    @Option(help: "Address to bind.") var host = "127.0.0.1"
    @Option(help: "Port to listen on (0: any free port, named in the log).") var port = 8080
    @Option(name: .customLong("rate-limit"), help: "Generation requests per minute per user (others answer 429 with Retry-After); default: no limit.")
    var rateLimit: Int?
    @Option(help: "Open connections at most; at the ceiling the longest-idle ones are closed (default: half the descriptor limit less 128).")
    var maxConnections: Int?
    @Option(help: "Seconds a client has to send a request's head (nginx's client_header_timeout).") var headerTimeout = 60.0
    @Option(help: "Seconds a request body may pause between reads (client_body_timeout).") var bodyTimeout = 60.0
    @Option(help: "Seconds a kept-alive connection may wait for its next request (keepalive_timeout).") var idleTimeout = 75.0
    @Option(help: "Seconds a client may take nothing of an answer before it is closed (send_timeout).") var sendTimeout = 60.0
    @Option(help: "MiB of uploads received at once over all clients; past it uploads answer 503 with Retry-After.") var uploadBudget = 512
    @Option(help: "Uploads received at once over all clients.") var maxUploads = 16
    @Flag(help: "Believe X-Forwarded-For and X-Forwarded-Proto from the TLS proxy in front (never set it without one).")
    var trustProxy = false
    @Flag(help: "Leave Secure off session cookies when bound beyond loopback without TLS (a trusted LAN).")
    var insecureCookies = false

    func validate() throws {
        if let rateLimit, rateLimit < 1 {
            throw ValidationError("--rate-limit is generation requests per minute per user and must be at least 1.")
        }
        if let maxConnections, maxConnections < 1 { throw ValidationError("--max-connections must be at least 1.") }
        for (name, value) in [("header", headerTimeout), ("body", bodyTimeout), ("idle", idleTimeout), ("send", sendTimeout)]
        where !(value > 0 && value <= 86_400) {
            throw ValidationError("--\(name)-timeout is seconds, more than 0 and at most a day.")
        }
        if uploadBudget < 64 || maxUploads < 1 { throw ValidationError("--upload-budget is at least 64 (MiB, one upload) and --max-uploads at least 1.") }
    }

    var limits: ServerLimits {
        var limits = ServerLimits()
        limits.maxConnections = maxConnections
        (limits.headerTimeout, limits.bodyTimeout, limits.idleTimeout) = (.seconds(headerTimeout), .seconds(bodyTimeout), .seconds(idleTimeout))
        limits.sendTimeout = .seconds(sendTimeout)
        (limits.uploadBytes, limits.uploads) = (uploadBudget << 20, maxUploads)
        return limits
    }

    func run() async throws {
        let library = try CreativeLibrary.initialize(engine.global.libraryPath, removingStrayFiles: false).0
        var api = APIConfiguration()
        (api.host, api.port, api.generationsPerMinute) = (host, port, rateLimit)
        (api.limits, api.trustProxy, api.insecureCookies) = (limits, trustProxy, insecureCookies)
        // systemd and most shells start a process with a soft limit of 1,024 descriptors.
        ServerLimits.raiseDescriptorLimit()
        api.tokens = try APIConfiguration.tokens(from: ProcessInfo.processInfo.environment)
        let (tokens, root) = (TokenFile.defaultPath(), library.store.root)
        let fromEnvironment = !api.tokens.isEmpty
        let tokenFile = try await BlockingPool.io.run { () throws(CreativeError) in
            let file = try TokenFile(path: tokens, library: root)
            // Read (or made) here, off the cooperative pool: it signs sessions and keys digests.
            if !file.isEmpty || fromEnvironment { _ = try file.key() }
            return file
        }
        api.tokenFile = tokenFile
        let service = engine.engine(library)
        api.isReady = { [readiness = service.readiness] in readiness.isReady }
        api.degraded = { [disk = library.disk] in disk.isFull ? "disk full" : nil }
        let logger = Logger(label: "creative.api")
        let address = host.contains(":") ? "[\(host)]" : host
        let app = try buildApplication(library: library, configuration: api, runner: service.runner, logger: logger) { port in
            // With --port 0 the kernel picks one: this line says which (scripts and tests read it).
            logger.notice("serving http://\(address):\(port)/ (the gallery at /, the API under /api/creative)")
        }
        try await ServiceGroup(
            configuration: .init(
                services: [
                    .init(service: service, successTerminationBehavior: .gracefullyShutdownGroup),
                    .init(service: app, successTerminationBehavior: .gracefullyShutdownGroup),
                ],
                gracefulShutdownSignals: [.sigterm, .sigint], logger: Logger(label: "creative"))
        ).run()
    }
}

struct TokenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "token", abstract: "Manage API tokens (kept hashed outside the library).", subcommands: [Add.self, Remove.self])

    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Make a token for USER and print it once.",
            discussion: """
                Its keyed hash (HMAC-SHA-256 under the install's key, tokens.key beside the file) is \
                appended to CREATIVE_TOKENS_FILE or ~/.config/creative/tokens (mode 0600).
                """)
        @Argument(help: "The user id the token acts as.") var user: String

        func run() throws {
            print(try TokenFile.add(user: user, path: TokenFile.defaultPath()))
        }
    }

    struct Remove: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Remove every token of USER.",
            discussion: "A running server notices within 2 s: the tokens stop working and the gallery sessions signed in with them end.")
        @Argument(help: "The user id whose tokens go.") var user: String

        func run() throws {
            let removed = try TokenFile.remove(user: user, path: TokenFile.defaultPath())
            print(removed == 0 ? "\(user) had no tokens." : "Removed \(removed) token\(removed == 1 ? "" : "s") of \(user).")
        }
    }
}
