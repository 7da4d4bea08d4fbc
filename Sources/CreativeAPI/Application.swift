import CreativeCatalog
import CreativeGeneration
import CreativeLibraries
import Foundation
import Hummingbird
import Logging

/// Builds the REST API on a library: the one function `creative serve` and the tests both call.
/// - Throws: `invalid_input` when the configuration would expose the library without tokens.
public func buildApplication(
    library: CreativeLibrary, configuration: APIConfiguration, runner: JobRunner? = nil,
    logger: Logger = Logger(label: "creative.api"), onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
) throws(CreativeError) -> some ApplicationProtocol {
    try configuration.check()
    let (limits, idle) = (configuration.limits, IdleConnections(logger: logger))
    return Application(
        router: buildRouter(library: library, configuration: configuration, runner: runner),
        server: .http1(configuration: .init(additionalChannelHandlers: [RequestTimeouts(limits: limits, idle: idle)])),
        configuration: .init(
            address: .hostname(configuration.host, port: configuration.port), serverName: "creative", backlog: 1024,
            availableConnectionsDelegate: ConnectionCeiling(ceiling: limits.connectionCeiling(), idle: idle)),
        onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? 0) },
        logger: logger
    )
}

/// The router with every route; `OpenAPI.routes` documents exactly these (a test checks).
public func buildRouter(library: CreativeLibrary, configuration: APIConfiguration, runner: JobRunner? = nil) -> Router<APIContext> {
    let configuration = configuration.fixingTokenMode()
    let router = Router(context: APIContext.self)
    let metrics = APIMetrics(library: library)
    // The install's key signs sessions, so they survive a restart; read once at start-up.
    let key = configuration.requiresTokens ? (try? configuration.tokenFile?.key()) ?? nil : nil
    let credentials = Credentials(tokens: configuration.tokens, file: configuration.tokenFile, key: key)
    router.add(middleware: MetricsMiddleware(metrics: metrics))
    router.add(middleware: SecurityHeadersMiddleware())
    router.add(middleware: ErrorMiddleware())
    router.add(middleware: LogRequestsMiddleware(.info))
    router.add(middleware: AuthMiddleware(configuration: configuration, credentials: credentials))
    // Live as soon as it answers; `ready` once the engine's start-up pass is done.
    router.get("/healthz") { _, _ in Health(ready: configuration.isReady(), degraded: configuration.degraded()) }
    router.get("/openapi.json") { _, _ in OpenAPI.response() }
    router.get("/schemas/:file") { _, context in
        let file = try context.parameters.require("file")
        guard file.hasSuffix(".schema.json"), let data = SchemaFiles.data(String(file.dropLast(".schema.json".count))) else {
            throw CreativeError(.notFound, "There is no schema \(file).")
        }
        return Response(status: .ok, headers: [.contentType: "application/schema+json"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
    router.get("/metrics") { _, _ in
        let text = try await BlockingPool.io.run { () throws(CreativeError) in try metrics.scrape() }
        return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4"], body: .init(byteBuffer: ByteBuffer(string: text)))
    }
    let generation = Generation(library: library, runner: runner)
    let api = router.group("api/creative")
    let responses = AssetResponses()
    AssetController(assets: AssetManager(library: library), responses: responses, uploads: UploadBudget(limits: configuration.limits), root: library.store.root)
        .add(to: api)
    MediaController(library: library).add(to: api)
    EventsController(library: library).add(to: api)
    JobController(generation: generation).add(to: api)
    TemplateController(templates: TemplateManager(library: library)).add(to: api)
    let generating = api.group()
    if let perMinute = configuration.generationsPerMinute { generating.add(middleware: RateLimitMiddleware(limiter: RateLimiter(perMinute: perMinute))) }
    GenerationController(
        images: ImageGenerator(generation: generation), content: ContentCreator(generation: generation),
        responses: responses
    ).add(to: generating)
    do {
        GalleryController(
            library: library, assets: AssetManager(library: library), pages: try GalleryPages.load(), credentials: credentials, configuration: configuration,
            collections: CollectionCache(events: library.index.events)
        ).add(to: router)
    } catch {
        // A build without the gallery's resources still serves the API, and says what is wrong at `/`.
        router.get("/") { _, _ -> Response in throw error }
    }
    return router
}

/// The /healthz body.
struct Health: ResponseEncodable {
    var status = "ok"
    var ready: Bool
    /// What keeps the engine from working fully (`disk full`); absent when nothing does.
    var degraded: String?
}

/// `METHOD /path/{param}` for each route of a router, for comparing with the document.
public func routeList(_ router: Router<APIContext>) -> [String] {
    router.routes.map { route in
        let path = route.path.description.split(separator: "/").map { part in
            part.hasPrefix(":") ? "{\(part.dropFirst())}" : String(part)
        }.joined(separator: "/")
        return "\(route.method.rawValue) /\(path)"
    }.sorted()
}

/// `METHOD /path` for each documented route.
public func documentedRoutes() -> [String] {
    OpenAPI.routes.map { "\($0.method) \($0.path)" }.sorted()
}

/// Turns thrown errors into the one JSON error shape.
struct ErrorMiddleware: RouterMiddleware {
    typealias Context = APIContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as any HTTPResponseError where !(error is HTTPError) {
            return try error.response(from: request, context: context)
        } catch is CancellationError {
            // The client hung up while its request waited; nobody reads this answer.
            context.logger.info("request cancelled: the client went away")
            return APIError.response(CreativeError(.cancelled, "The request was cancelled."))
        } catch let error as HTTPError {
            let code: CreativeError.Code = error.status == .notFound ? .notFound : (error.status == .contentTooLarge ? .tooLarge : .invalidInput)
            let message = error.body ?? (error.status == .notFound ? "There is no such route." : "The request could not be read.")
            return APIError.response(CreativeError(code, message), status: error.status)
        } catch {
            context.logger.error("unexpected error: \(error)")
            return APIError.response(CreativeError(.storage, "internal"), status: .internalServerError)
        }
    }
}
