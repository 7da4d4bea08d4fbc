import CreativeCatalog
import CreativeLibraries
import Foundation
import Hummingbird
import Prometheus

/// Prometheus metrics at GET /metrics: requests and latencies by route and status (recorded by
/// a middleware), and — read from the index at scrape time, so every process agrees — jobs by
/// state, failed jobs by provider, and the cost of all assets. A registry per application (no
/// global bootstrap), so several apps in one process (tests) do not collide.
final class APIMetrics: Sendable {
    let registry = PrometheusCollectorRegistry()
    let library: CreativeLibrary

    init(library: CreativeLibrary) {
        self.library = library
    }

    func recordRequest(method: String, route: String, status: Int, seconds: Double) {
        let labels = [("method", method), ("route", route), ("status", String(status))]
        registry.makeCounter(descriptor: Self.name("http_requests", "total", "HTTP requests answered."), labels: labels).increment()
        registry.makeDurationHistogram(
            descriptor: Self.name("http_request_duration", "seconds", "Time to answer HTTP requests."), labels: [("method", method), ("route", route)],
            buckets: [
                .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50),
                .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(5),
            ]
        ).recordNanoseconds(Int64(seconds * 1e9))
    }

    /// `creative_<metric>_<unit>`, with its help line.
    static func name(_ metric: String, _ unit: String, _ help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(namespace: "creative", metricName: metric, unitName: unit, helpText: help)
    }

    func scrape() throws(CreativeError) -> String {
        let counts = try library.index.jobCounts()
        for status in JobStatus.allCases {
            registry.makeGauge(descriptor: Self.name("jobs", "", "Generation jobs by state."), labels: [("status", status.rawValue)])
                .set(Double(counts[status] ?? 0))
        }
        for (provider, failed) in try library.index.failedJobsByProvider() {
            registry.makeGauge(descriptor: Self.name("provider_failed", "jobs", "Jobs that failed, by provider."), labels: [("provider", provider)])
                .set(Double(failed))
        }
        registry.makeGauge(descriptor: Self.name("cost", "usd", "What all assets cost, in US dollars.")).set(try library.index.totalCost())
        return registry.emitToString()
    }
}

/// Times each request and counts it under its route pattern (not the raw path, so ids do not
/// explode the label set).
struct MetricsMiddleware: RouterMiddleware {
    typealias Context = APIContext
    let metrics: APIMetrics

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = DispatchTime.now().uptimeNanoseconds
        let response = try await next(request, context)
        let route = context.endpointPath ?? "unmatched"
        metrics.recordRequest(
            method: request.method.rawValue, route: route, status: response.status.code,
            seconds: Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
        return response
    }
}
