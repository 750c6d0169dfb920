import Foundation
import HTTPServer
import Synchronization
import XaasCrypto
import XaasJSON

/// The status page of `xaas serve` beside `/metrics` (same listen address):
///
/// - `GET /` — every source: state, last and next run, counts, open sessions, live progress.
/// - `GET /sources/<tenant>/<source>` — recent runs and, for a blocked run, its plan's diff and the
///   **Approve N deactivations** form.
/// - `POST /sources/<tenant>/<source>/approve` — records the approval (``ApprovalStore``).
/// - `GET /api/v1/status` — the same data as JSON.
///
/// Protection: read-only views need no token only when the server listens on loopback; otherwise (and
/// for every action) the bearer token of `xaas.json`'s `serve.token` (header `Authorization: Bearer …`,
/// or the form's `token` field). Actions also need the CSRF token embedded in the page (an HMAC of the
/// action under a key made at startup). Without a configured token, actions are refused.
struct StatusHandler: HTTPHandler {
    let metrics: MetricsHandler
    let stateDirectory: URL
    /// Where the runs' state is (SQLite in ``stateDirectory`` or PostgreSQL).
    let state: StateBackend
    let board: StatusBoard
    let due: @Sendable (String) -> Date?
    let token: String?
    let loopback: Bool
    let csrfKey: [UInt8]
    let onApprove: @Sendable (String) -> Void

    static let maxDiffLines = 2000

    func handle(_ request: HTTPRequest) -> HTTPResponse {
        let path = request.path
        if path == "/metrics" || path == "/healthz" { return metrics.handle(request) }
        let parts = path.split(separator: "/", omittingEmptySubsequences: true).map { HTTPRequest.percentDecode(String($0)) }
        if request.method == "POST", parts.count == 4, parts[0] == "sources", parts[3] == "approve" {
            return approve(request, tenant: parts[1], source: parts[2])
        }
        guard request.method == "GET" || request.method == "HEAD" else { return .text(405, "method not allowed\n") }
        guard loopback || authorized(request, form: [:]) else {
            return .text(401, "a bearer token is required (the status page listens beyond loopback)\n")
        }
        let sources = SourceStatus.all(config: board.config, stateDirectory: stateDirectory, state: state, board: board, due: due)
        switch parts.count {
        case 0:
            return html(StatusPage.overview(sources))
        case 3 where parts[0] == "api" && parts[1] == "v1" && parts[2] == "status":
            let body = JSONValue.object([("sources", .array(sources.map(\.json)))]).serialized
            return secured(.text(200, body + "\n", contentType: "application/json"))
        case 3 where parts[0] == "sources":
            guard let s = sources.first(where: { $0.tenant == parts[1] && $0.source == parts[2] }) else {
                return .text(404, "no such source\n")
            }
            var lines: [String] = []
            var truncated = false
            if let runId = s.blockedRunId,
               let store = StateStore.existing(state, tenant: s.tenant, source: s.source) {
                try? PlanPrinter.diff(store: store, runId: runId) { line in
                    if lines.count < Self.maxDiffLines { lines.append(line) } else { truncated = true }
                }
            }
            return html(StatusPage.source(s, diff: lines, truncated: truncated, csrf: csrf(s.tenant, s.source),
                                          actionsEnabled: token != nil))
        default:
            return .text(404, "not found (try /, /api/v1/status, /metrics or /healthz)\n")
        }
    }

    private func approve(_ request: HTTPRequest, tenant: String, source: String) -> HTTPResponse {
        let form = Self.form(request.body)
        guard token != nil else { return .text(403, "approving needs serve.token in xaas.json\n") }
        guard authorized(request, form: form) else { return .text(401, "missing or wrong token\n") }
        guard let given = form["csrf"], Self.same(given, csrf(tenant, source)) else {
            return .text(403, "missing or wrong CSRF token (reload the page)\n")
        }
        let sources = SourceStatus.all(config: board.config, stateDirectory: stateDirectory, state: state, board: board, due: due)
        guard let s = sources.first(where: { $0.tenant == tenant && $0.source == source }) else {
            return .text(404, "no such source\n")
        }
        guard let planned = s.blockedDeactivations else { return .text(409, "the latest run of \(s.key) is not blocked\n") }
        guard let count = form["count"].flatMap(Int.init), count == planned else {
            return .text(409, "the plan changed: it now deactivates \(planned) users; review it again\n")
        }
        do {
            try ApprovalStore(stateDirectory: stateDirectory, backend: state).approve(tenant: tenant, source: source, count: count)
        } catch {
            return .text(500, "cannot record the approval: \(error)\n")
        }
        onApprove("\(s.key): \(count) deactivation(s) approved on the status page; the next run proceeds")
        return html(StatusPage.page(title: "approved", refresh: false, """
            <p>Approved \(count) deactivations for \(StatusPage.escape(s.key)); the next run proceeds as with
            <code>--approve-deactivations \(count)</code>.</p><p><a href="/">back</a></p>
            """))
    }

    private func authorized(_ request: HTTPRequest, form: [String: String]) -> Bool {
        guard let token else { return false }
        if let header = request.headers["Authorization"], header.hasPrefix("Bearer ") {
            return Self.same(String(header.dropFirst(7)), token)
        }
        if let given = form["token"] { return Self.same(given, token) }
        return false
    }

    func csrf(_ tenant: String, _ source: String) -> String {
        SHA256.hexString(SHA256.hmac(key: csrfKey, Array("approve|\(tenant)|\(source)".utf8)))
    }

    /// Compares in time independent of where the strings differ.
    static func same(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        guard x.count == y.count else { return false }
        return zip(x, y).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
    }

    /// `application/x-www-form-urlencoded` fields.
    static func form(_ body: [UInt8]) -> [String: String] {
        var out: [String: String] = [:]
        for pair in String(decoding: body, as: UTF8.self).split(separator: "&") {
            let kv = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            out[HTTPRequest.percentDecode(String(kv[0]))] = kv.count > 1 ? HTTPRequest.percentDecode(String(kv[1])) : ""
        }
        return out
    }

    private func html(_ text: String) -> HTTPResponse {
        secured(.text(200, text, contentType: "text/html; charset=utf-8"))
    }

    private func secured(_ response: HTTPResponse) -> HTTPResponse {
        var r = response
        r.headers.set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'")
        r.headers.set("X-Frame-Options", "DENY")
        r.headers.set("Cache-Control", "no-store")
        r.headers.set("Referrer-Policy", "no-referrer")
        return r
    }
}
