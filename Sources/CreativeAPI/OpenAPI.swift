import CreativeCatalog
import Foundation
import Hummingbird

/// The OpenAPI 3.1 description of the API, served at /openapi.json. Every route is listed in
/// `routes`; a test checks this list against the router, both ways, and calls every entry.
enum OpenAPI {
    struct Route {
        var method: String
        /// OpenAPI path (`/api/creative/asset/{id}`).
        var path: String
        var summary: String
        /// The request body's schema (schemas/NAME.schema.json), if it takes one.
        var body: String?
        /// Query parameters' schema, for listings.
        var query: String?
        var success: Int = 200
        /// For generation routes: the kind the route fixes (whatever the body's `kind` says), so the
        /// schema's per-kind rules do not apply; the route's own are added here.
        var kind: RequestKind?
        /// Fields of the generation request this route needs, and those that must not be blank.
        var requires: [String] = []
        var nonBlank: [String] = []
        /// The body fields the route reads, when fewer than its kind allows.
        var fields: Set<String>?
        /// Where the id this route answers with (a body field) can be used next: OpenAPI links, so
        /// a client generator or a fuzzer's stateful phase can chain create → read → change → delete.
        var links: (field: String, to: [String])?
    }

    /// Operations on one asset, and on one template, by `METHOD path`.
    static let assetOperations = [
        "GET /api/creative/asset/{id}", "PATCH /api/creative/asset/{id}", "DELETE /api/creative/asset/{id}",
        "POST /api/creative/asset/{id}/favorite", "POST /api/creative/asset/{id}/tags",
        "POST /api/creative/image/{id}/regenerate", "GET /api/creative/asset/{id}/file",
        "GET /api/creative/asset/{id}/thumbnail",
    ]
    static let templateOperations = ["GET /api/creative/template/{id}", "PATCH /api/creative/template/{id}", "DELETE /api/creative/template/{id}"]
    /// A job's asset has the job's id, so a job id also names the asset it makes.
    static let jobOperations = ["GET /api/creative/image/{id}/status"] + assetOperations

    static let routes: [Route] = [
        Route(
            method: "POST", path: "/api/creative/image/generate", summary: "Generate an image (ImageGenerator.generateImage); 202 with Location, or ?wait=true",
            body: "generation-request", success: 202,
            kind: .image, requires: ["prompt"], nonBlank: ["prompt"], links: ("jobId", jobOperations)),
        Route(method: "GET", path: "/api/creative/image/{id}/status", summary: "A generation job with its progress (getImageStatus)"),
        Route(
            method: "POST", path: "/api/creative/audio/generate", summary: "Speak a text as an audio asset; 202 with Location, or ?wait=true",
            body: "generation-request", success: 202,
            kind: .audio, requires: ["prompt"], nonBlank: ["prompt"], links: ("jobId", jobOperations)),
        Route(
            method: "POST", path: "/api/creative/video/generate", summary: "Make a video (scenes, crossfades, narration); 202 with Location, or ?wait=true",
            body: "generation-request", success: 202,
            kind: .video, nonBlank: ["prompt"], links: ("jobId", jobOperations)),
        Route(
            method: "POST", path: "/api/creative/image/{id}/regenerate", summary: "A new image from an asset with modifications (regenerateImage)",
            body: "image-modifications", success: 202,
            links: ("jobId", jobOperations)),
        Route(method: "GET", path: "/api/creative/images", summary: "The user's images (listUserImages)", query: "asset-filters"),
        Route(
            method: "POST", path: "/api/creative/content/generate", summary: "Write copy and save it as a text asset (generateContent)",
            body: "generation-request",
            kind: .content, requires: ["prompt", "contentType"], nonBlank: ["prompt"], links: ("assetId", assetOperations)),
        Route(
            method: "POST", path: "/api/creative/content/improve", summary: "Improve copy toward a goal (improveCopy)", body: "generation-request",
            kind: .improve, requires: ["original"], nonBlank: ["original"], fields: GenerationController.improveFields),
        Route(
            method: "POST", path: "/api/creative/content/ideas", summary: "Exactly count ideas for a topic (generateIdeas)", body: "generation-request",
            kind: .ideas, requires: ["topic"], nonBlank: ["topic"], fields: GenerationController.ideasFields),
        Route(
            method: "POST", path: "/api/creative/content/from-template", summary: "Fill a template and run it (createFromTemplate)", body: "generation-request",
            kind: .fromTemplate, requires: ["templateId"], fields: GenerationController.fromTemplateFields),
        Route(
            method: "POST", path: "/api/creative/template", summary: "Create a template (createTemplate)", body: "template-input", success: 201,
            links: ("templateId", templateOperations)),
        Route(method: "GET", path: "/api/creative/template/{id}", summary: "A template (getTemplate)"),
        Route(method: "GET", path: "/api/creative/templates", summary: "Templates the user can see (listTemplates)", query: "template-filters"),
        Route(method: "PATCH", path: "/api/creative/template/{id}", summary: "Change a template (updateTemplate)", body: "template-updates"),
        Route(method: "DELETE", path: "/api/creative/template/{id}", summary: "Move a template to the trash (deleteTemplate; ?force=true for defaults)"),
        Route(method: "GET", path: "/api/creative/asset/{id}", summary: "An asset (getAsset)"),
        Route(method: "GET", path: "/api/creative/assets", summary: "The user's assets (listAssets)", query: "asset-filters"),
        Route(method: "PATCH", path: "/api/creative/asset/{id}", summary: "Change an asset (updateAsset)", body: "asset-updates"),
        Route(method: "DELETE", path: "/api/creative/asset/{id}", summary: "Move an asset to the trash (deleteAsset)"),
        Route(method: "POST", path: "/api/creative/asset/{id}/favorite", summary: "Toggle favorite (toggleFavorite)"),
        Route(method: "POST", path: "/api/creative/asset/{id}/tags", summary: "Add tags (addTags)", body: "tags-request"),
        Route(method: "POST", path: "/api/creative/asset/{id}/restore", summary: "Bring a deleted asset back from the trash (restoreAsset)"),
        Route(
            method: "POST", path: "/api/creative/asset/upload",
            summary:
                "Store a file as an asset (source uploaded): the raw bytes as the body, ?name=FILE.EXT; at most 64 MiB, streamed to disk; 503 busy with Retry-After past the server's upload budget",
            success: 201,
            links: ("assetId", assetOperations)),
        Route(method: "GET", path: "/api/creative/trash", summary: "The user's deleted assets, most recently changed first"),
        Route(method: "GET", path: "/api/creative/jobs", summary: "The user's jobs, newest first (?status=&limit=&cursor=)"),
        Route(method: "POST", path: "/api/creative/job/{id}/cancel", summary: "Cancel a queued or running job"),
        Route(
            method: "GET", path: "/api/creative/events",
            summary:
                "Server-Sent Events (text/event-stream) of the user's changes: `event: asset` or `template` with data {id, change: stored|removed}; `event: job` with the job as the status route answers it; a `: ping` comment every 15 s"
        ),
        Route(method: "GET", path: "/api/creative/asset/{id}/file", summary: "The asset's media (ETag, Range)"),
        Route(method: "GET", path: "/api/creative/asset/{id}/thumbnail", summary: "The asset's thumbnail (ETag, Range)"),
        Route(
            method: "GET", path: "/",
            summary: "Gallery (HTML): the grid of the user's assets, filtered by the asset-filters names; ?fragment=cards for more cards"),
        Route(method: "GET", path: "/cards/{id}", summary: "Gallery (HTML): one asset's card, for live updates"),
        Route(method: "GET", path: "/assets/{id}", summary: "Gallery (HTML): one asset with its player, details, lineage and edit forms"),
        Route(method: "GET", path: "/trash", summary: "Gallery (HTML): deleted assets, with restore"),
        Route(method: "GET", path: "/jobs", summary: "Gallery (HTML): jobs with live progress and cancel"),
        Route(method: "GET", path: "/templates", summary: "Gallery (HTML): templates, a form to create one and a form to use each"),
        Route(method: "GET", path: "/generate", summary: "Gallery (HTML): the generate form with live progress"),
        Route(method: "GET", path: "/signin", summary: "Gallery (HTML): sign in with a token (token mode)"),
        Route(
            method: "POST", path: "/signin",
            summary: "Exchange a token (form field `token`) for a signed HttpOnly, SameSite=Strict session cookie (Secure behind TLS or beyond "
                + "loopback); 303 to /; 429 with Retry-After after too many wrong tokens from one address"),
        Route(method: "POST", path: "/signout", summary: "End the session; 303 to /signin"),
        Route(method: "GET", path: "/static/{file}", summary: "The gallery's script, style sheet and icon (ETag)"),
        Route(method: "GET", path: "/favicon.ico", summary: "The gallery's icon (SVG)"),
        Route(
            method: "GET", path: "/healthz",
            summary: "Liveness: {status: ok, ready, degraded?}; ready once the engine's start-up pass is done; degraded: \"disk full\" while "
                + "writes wait for space"),
        Route(method: "GET", path: "/openapi.json", summary: "This document"),
        Route(method: "GET", path: "/schemas/{file}", summary: "A JSON Schema file of the contract (docs/SCHEMA.md)"),
        Route(method: "GET", path: "/metrics", summary: "Prometheus metrics: requests, latencies, jobs by state, provider failures, cost"),
    ]

    /// Served by this API (the module's own schema files), so tools can resolve every $ref.
    static let schemaBase = "/schemas/"

    /// A generation route's body: the request schema's fields for the route's kind only (the
    /// schema's own per-kind rules key on `kind`, which these routes set themselves).
    static func fixedKindBody(_ kind: RequestKind, requires: [String], nonBlank: [String], fields: Set<String>?) -> [String: Any] {
        let base = SchemaFiles.data("generation-request").flatMap { try? JSONSerialization.jsonObject(with: $0) as? [String: Any] } ?? [:]
        var properties = (base["properties"] as? [String: Any] ?? [:]).filter { field, _ in
            !GenerationRequest.refusedFields(kind).contains(field) && fields.map { $0.contains(field) } ?? true
        }
        properties["kind"] = ["const": kind.rawValue, "description": "Optional: this route makes \(kind.rawValue) requests."]
        for field in nonBlank {
            var property = properties[field] as? [String: Any] ?? [:]
            property["pattern"] = "\\S"
            properties[field] = property
        }
        return ["type": "object", "additionalProperties": false, "required": requires, "properties": properties]
    }

    static func operationId(_ method: String, _ path: String) -> String {
        (method.lowercased() + path).replacingOccurrences(of: "[^A-Za-z0-9]+", with: "_", options: .regularExpression)
    }

    /// A route's success response, with its links.
    static func success(_ route: Route) -> [String: Any] {
        guard let (field, targets) = route.links else { return ["description": "Success"] }
        var links: [String: Any] = [:]
        for target in targets {
            let parts = target.split(separator: " ", maxSplits: 1).map(String.init)
            links[operationId(parts[0], parts[1])] = ["operationId": operationId(parts[0], parts[1]), "parameters": ["id": "$response.body#/\(field)"]]
        }
        return ["description": "Success", "links": links]
    }

    /// The document. Request bodies point at the project's JSON Schema files (2020-12, as
    /// OpenAPI 3.1 uses), the same contract the inbox and the CLI follow.
    static func document() -> [String: Any] {
        var paths: [String: [String: Any]] = [:]
        for route in routes {
            var operation: [String: Any] = [
                "summary": route.summary,
                "operationId": operationId(route.method, route.path),
                "responses": [
                    String(route.success): success(route),
                    "default": ["description": "Error", "content": ["application/json": ["schema": ["$ref": "#/components/schemas/Error"]]]],
                ],
            ]
            var parameters: [[String: Any]] = []
            if route.path.contains("{file}") {
                parameters.append([
                    "name": "file", "in": "path", "required": true,
                    "schema": [
                        "type": "string",
                        "enum": route.path.hasPrefix("/static/") ? ["gallery.js", "gallery.css", "icon.svg"] : SchemaFiles.names.map { $0 + ".schema.json" },
                    ],
                ])
            }
            if route.path.contains("{id}") {
                parameters.append([
                    "name": "id", "in": "path", "required": true,
                    "schema": ["type": "string", "pattern": "^[0-9A-HJKMNP-TV-Z]{26}$"],
                ])
            }
            if let query = route.query {
                parameters.append([
                    "name": "filters", "in": "query", "style": "form", "explode": true,
                    "schema": ["$ref": schemaBase + query + ".schema.json"],
                ])
            }
            if !parameters.isEmpty { operation["parameters"] = parameters }
            if let body = route.body {
                var schema: [String: Any] = ["$ref": schemaBase + body + ".schema.json"]
                if let kind = route.kind { schema = fixedKindBody(kind, requires: route.requires, nonBlank: route.nonBlank, fields: route.fields) }
                operation["requestBody"] = ["required": true, "content": ["application/json": ["schema": schema]]]
            }
            paths[route.path, default: [:]][route.method.lowercased()] = operation
        }
        return [
            "openapi": "3.1.0",
            "info": [
                "title": "Creative Engine", "version": "1.0.0",
                "description": "The 19 seed endpoints of Creative Engine, plus media, health and this document.",
            ],
            "servers": [["url": "/"]],
            "paths": paths,
            "components": [
                "schemas": [
                    "Error": [
                        "type": "object", "required": ["success", "error"],
                        "properties": [
                            "success": ["const": false],
                            "error": [
                                "type": "object", "required": ["code", "message"],
                                "properties": [
                                    "code": ["type": "string", "enum": CreativeError.Code.allCases.map(\.rawValue)],
                                    "message": ["type": "string"],
                                    "details": ["type": "object"],
                                ],
                            ],
                        ],
                    ]
                ],
                "securitySchemes": ["bearer": ["type": "http", "scheme": "bearer"]],
            ],
        ]
    }

    static func response() -> Response {
        let data = (try? JSONSerialization.data(withJSONObject: document(), options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data()
        return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}
