import ArgumentParser
import CreativeAPI
import CreativeCatalog
import CreativeGeneration
import Foundation
import Logging
import ServiceLifecycle

extension BenchCommand {
    struct Gallery: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "The gallery's first page at scale: server time and bytes, next to the same page as JSON.",
            discussion: """
                Seeds DIR with COUNT synthetic assets, all of one user (reused when DIR holds them), serves \
                it on 127.0.0.1 in this process and times over real HTTP: the first page of the grid (`GET /`), \
                the same 48 assets from the API (`GET /api/creative/assets?limit=48`, the baseline), a search \
                page, an asset page and the first page after a change empties the sidebar's cache. Reports \
                p50/p99 of each, the ratio of the page to the JSON, and the page's weight without thumbnails \
                (HTML, style sheet, script, icon).
                """
        )
        @Option(help: "Library folder to seed and measure.") var dir = "/tmp/creative-bench-gallery"
        @Option(help: "Number of synthetic assets.") var count = 100_000
        @Option(help: "Requests per measurement.") var requests = 300
        @Flag(help: "Print JSON.") var json = false

        struct Report: Encodable {
            var machine: String
            var assets: Int
            var firstPageP50Ms, firstPageP99Ms: Double
            var jsonPageP50Ms, jsonPageP99Ms: Double
            var pageOverJSON: Double
            var searchPageP50Ms, assetPageP50Ms, firstPageAfterChangeP50Ms: Double
            var coldFirstPageMs: Double
            var htmlBytes, pageWeightBytes: Int
        }

        func run() async throws {
            try SyntheticAssets.seed(dir, count: count, owner: "local", json: json)
            let library = try CreativeLibrary.open(dir)
            // Seeding writes sidecars behind the index's back: take them in, as `creative serve` does at start.
            _ = try library.index.reconcile()
            var configuration = APIConfiguration()
            configuration.port = 0
            var logger = Logger(label: "creative.api")
            logger.logLevel = .warning
            let (ports, sink) = AsyncStream.makeStream(of: Int.self)
            let app = try buildApplication(library: library, configuration: configuration, logger: logger) { sink.yield($0) }
            let group = ServiceGroup(configuration: .init(services: [.init(service: app)], logger: logger))
            let report = try await withThrowingTaskGroup(of: Void.self) { tasks -> Report in
                tasks.addTask { try await group.run() }
                var iterator = ports.makeAsyncIterator()
                let base = "http://127.0.0.1:\(await iterator.next() ?? 0)"
                do {
                    let report = try await measure(base, library: library)
                    await group.triggerGracefulShutdown()
                    return report
                } catch {
                    await group.triggerGracefulShutdown()
                    throw error
                }
            }
            Output.emit(report, json: json) {
                [
                    "machine: \(report.machine)",
                    "\(report.assets) assets of one user; \(requests) requests each, over HTTP on 127.0.0.1",
                    String(
                        format: "first page (GET /):            p50 %6.2f ms  p99 %6.2f ms  (cold %.1f ms)", report.firstPageP50Ms, report.firstPageP99Ms,
                        report.coldFirstPageMs),
                    String(format: "same assets as JSON (baseline): p50 %6.2f ms  p99 %6.2f ms", report.jsonPageP50Ms, report.jsonPageP99Ms),
                    String(format: "page ÷ JSON:                    %6.2f×", report.pageOverJSON),
                    String(
                        format: "search page p50 %.2f ms, asset page p50 %.2f ms, first page after a change p50 %.2f ms", report.searchPageP50Ms,
                        report.assetPageP50Ms, report.firstPageAfterChangeP50Ms),
                    "first page: \(report.htmlBytes) bytes of HTML, \(report.pageWeightBytes) bytes with style, script and icon (no thumbnails)",
                ].joined(separator: "\n")
            }
        }

        func measure(_ base: String, library: CreativeLibrary) async throws -> Report {
            func get(_ path: String) async throws -> (ms: Double, body: Data) {
                let start = Measure.now()
                guard case .success(let response) = await HTTPClient.perform(HTTPRequest(method: "GET", url: base + path)), response.status == 200 else {
                    throw CreativeError(.storage, "GET \(path) failed.")
                }
                return ((Measure.now() - start) * 1000, response.body)
            }
            func times(_ path: (Int) -> String) async throws -> [Double] {
                var all: [Double] = []
                for n in 0..<requests { all.append(try await get(path(n)).ms) }
                return all
            }
            let cold = try await get("/")
            let cards = String(decoding: cold.body, as: UTF8.self).components(separatedBy: "data-asset-id=").count - 1
            // The gallery shows 48 cards a page: a page without them would measure nothing.
            guard cards == min(48, count) else { throw CreativeError(.storage, "The first page shows \(cards) cards.") }
            let page = try await times { _ in "/" }
            let api = try await times { _ in "/api/creative/assets?limit=\(48)" }
            let words = SyntheticAssets.searchWords
            let search = try await times { "/?text=\(words[$0 % words.count])" }
            var first = AssetFilters()
            first.limit = 200
            let ids = try library.assets.listAssets(userId: "local", filters: first).items.map(\.id)
            guard ids.count == min(200, count) else { throw CreativeError(.storage, "The library at \(dir) lists \(ids.count) assets of the user local.") }
            let assetPages = try await times { "/assets/\(ids[$0 % ids.count])" }
            // A change to the user's assets empties the sidebar's cache: the next first page counts the collections again.
            var afterChange: [Double] = []
            for n in 0..<min(requests, 30) {
                _ = try library.assets.toggleFavorite(ids[n % ids.count], userId: "local")
                try await Task.sleep(for: .milliseconds(20))
                afterChange.append(try await get("/").ms)
            }
            var weight = cold.body.count
            for file in ["/static/gallery.css", "/static/gallery.js", "/static/icon.svg"] { weight += try await get(file).body.count }
            return Report(
                machine: Measure.machine, assets: count, firstPageP50Ms: Measure.median(page), firstPageP99Ms: Measure.percentile(page, 0.99),
                jsonPageP50Ms: Measure.median(api), jsonPageP99Ms: Measure.percentile(api, 0.99), pageOverJSON: Measure.median(page) / Measure.median(api),
                searchPageP50Ms: Measure.median(search), assetPageP50Ms: Measure.median(assetPages), firstPageAfterChangeP50Ms: Measure.median(afterChange),
                coldFirstPageMs: cold.ms, htmlBytes: cold.body.count, pageWeightBytes: weight)
        }
    }
}
