import HTTPServer
import Synchronization

/// Set once shutdown begins (`/healthz` then answers 503).
final class StopFlag: Sendable {
    private let flag = Synchronization.Atomic<Bool>(false)
    func set() { flag.store(true, ordering: .relaxed) }
    var isSet: Bool { flag.load(ordering: .relaxed) }
}

/// `GET /metrics` (Prometheus text) and `GET /healthz` (`ok`, or 503 `stopping` during shutdown).
struct MetricsHandler: HTTPHandler {
    let metrics: ServeMetrics
    let stopping: StopFlag
    let budgets: OrgBudgets

    func handle(_ request: HTTPRequest) -> HTTPResponse {
        guard request.method == "GET" || request.method == "HEAD" else { return .text(405, "method not allowed\n") }
        switch request.path {
        case "/metrics": return .text(200, metrics.render(budgets: budgets.statuses()), contentType: "text/plain; version=0.0.4; charset=utf-8")
        case "/healthz": return stopping.isSet ? .text(503, "stopping\n") : .text(200, "ok\n")
        default: return .text(404, "not found (try /metrics or /healthz)\n")
        }
    }
}
