import Foundation
import Synchronization

/// The counters and gauges `xaas serve` exports at `GET /metrics` in the Prometheus text format (0.0.4).
///
/// Fed with each finished run's ``WorkerResult``. Thread-safe: all state is guarded by one `Mutex`.
/// Labels hold tenant and source names only — never settings or tokens.
final class ServeMetrics: Sendable {
    private struct SourceKey: Hashable, Comparable {
        var tenant: String, source: String
        static func < (a: Self, b: Self) -> Bool { (a.tenant, a.source) < (b.tenant, b.source) }
    }

    private struct State {
        var runs: [SourceKey: [String: Int]] = [:]
        var records: [SourceKey: [String: Int]] = [:]
        /// "groups/created", …, "memberships/added", … per source.
        var groupRecords: [SourceKey: [String: Int]] = [:]
        var bulkRequests: [SourceKey: Int] = [:]
        var sessions: [SourceKey: Int] = [:]
        var durations: [SourceKey: (buckets: [Int], sum: Double, count: Int)] = [:]
        var lastSuccess: [SourceKey: Double] = [:]
        var lastRun: [SourceKey: Double] = [:]
        var rateLimited: [String: Int] = [:]
        var rateRemaining: [String: Int] = [:]
        var rateLimit: [String: Int] = [:]
        var rateWaits: [String: Int] = [:]
        var rateSecondsWaited: [String: Double] = [:]
        var reloads: [String: Int] = [:]
        /// Lease events by source (`gained`, `lost`, `busy`: held by another host), PostgreSQL state only.
        var leases: [SourceKey: [String: Int]] = [:]
        var running = 0
    }

    /// Upper bounds (seconds) of the run duration histogram.
    static let durationBuckets: [Double] = [1, 5, 15, 60, 300, 900, 3600]
    static let actions = ["created", "updated", "unchanged", "deactivated", "invalid"]

    private let state = Mutex(State())

    /// Counts a finished run.
    func record(_ result: WorkerResult, finishedAt now: Date = Date()) {
        let r = result.report
        let key = SourceKey(tenant: r.tenant, source: r.source)
        state.withLock { s in
            s.runs[key, default: [:]][r.status.rawValue, default: 0] += 1
            let counts = [r.created, r.updated, r.unchanged, r.deactivated, r.invalid]
            for (action, count) in zip(Self.actions, counts) { s.records[key, default: [:]][action, default: 0] += count }
            for (name, count) in Self.groupCounts(r) { s.groupRecords[key, default: [:]][name, default: 0] += count }
            s.bulkRequests[key, default: 0] += r.bulkRequests
            s.sessions[key, default: 0] += r.sessions
            let seconds = Double(r.durationMs) / 1000
            var d = s.durations[key] ?? (Array(repeating: 0, count: Self.durationBuckets.count), 0, 0)
            for (i, bound) in Self.durationBuckets.enumerated() where seconds <= bound { d.buckets[i] += 1 }
            d.sum += seconds
            d.count += 1
            s.durations[key] = d
            s.lastRun[key] = now.timeIntervalSince1970
            if r.status == .ok { s.lastSuccess[key] = now.timeIntervalSince1970 }
            s.rateLimited[r.tenant, default: 0] += result.rate.rateLimited
            if let remaining = result.rate.remaining { s.rateRemaining[r.tenant] = remaining }
            if let limit = result.rate.limit { s.rateLimit[r.tenant] = limit }
            s.rateWaits[r.tenant, default: 0] += result.rate.waits
            s.rateSecondsWaited[r.tenant, default: 0] += result.rate.secondsWaited
        }
    }

    func runStarted() { state.withLock { $0.running += 1 } }
    func runFinished() { state.withLock { $0.running -= 1 } }
    /// Counts a lease event of `tenant/source`: `gained`, `lost` (while running) or `busy` (another host holds it).
    func lease(_ event: String, tenant: String, source: String) {
        state.withLock { $0.leases[SourceKey(tenant: tenant, source: source), default: [:]][event, default: 0] += 1 }
    }

    func reloaded(ok: Bool) { state.withLock { $0.reloads[ok ? "ok" : "failed", default: 0] += 1 } }

    /// The exposition text; `budgets` is each org's live rate-limit status (read from the shared budget file).
    func render(budgets: [String: RateLimitStatus] = [:]) -> String {
        let s = state.withLock { $0 }
        var out = ""
        func family(_ name: String, _ type: String, _ help: String) {
            out += "# HELP \(name) \(help)\n# TYPE \(name) \(type)\n"
        }
        func labels(_ pairs: [(String, String)]) -> String {
            "{" + pairs.map { "\($0.0)=\"\(Self.escape($0.1))\"" }.joined(separator: ",") + "}"
        }
        func source(_ k: SourceKey, _ more: [(String, String)] = []) -> String {
            labels([("tenant", k.tenant), ("source", k.source)] + more)
        }
        if !s.leases.isEmpty {
            family("xaas_lease_events_total", "counter", "Source leases gained, lost while running, or found busy (held by another host).")
            for (k, events) in s.leases.sorted(by: { $0.key < $1.key }) {
                for event in ["gained", "lost", "busy"] { out += "xaas_lease_events_total\(source(k, [("event", event)])) \(events[event] ?? 0)\n" }
            }
        }
        family("xaas_runs_total", "counter", "Finished source runs by result (ok, failed, blocked).")
        for (k, results) in s.runs.sorted(by: { $0.key < $1.key }) {
            for (result, n) in results.sorted(by: { $0.key < $1.key }) { out += "xaas_runs_total\(source(k, [("result", result)])) \(n)\n" }
        }
        family("xaas_records_total", "counter", "Records by planned/applied action.")
        for (k, actions) in s.records.sorted(by: { $0.key < $1.key }) {
            for action in Self.actions { out += "xaas_records_total\(source(k, [("action", action)])) \(actions[action] ?? 0)\n" }
        }
        family("xaas_groups_total", "counter", "Groups by planned/applied action (created, updated, unchanged, deleted).")
        for (k, counts) in s.groupRecords.sorted(by: { $0.key < $1.key }) {
            for name in Self.groupActions { out += "xaas_groups_total\(source(k, [("action", name)])) \(counts["groups/" + name] ?? 0)\n" }
        }
        family("xaas_memberships_total", "counter", "Group memberships by planned/applied action (added, removed, skipped).")
        for (k, counts) in s.groupRecords.sorted(by: { $0.key < $1.key }) {
            for name in Self.membershipActions {
                out += "xaas_memberships_total\(source(k, [("action", name)])) \(counts["memberships/" + name] ?? 0)\n"
            }
        }
        family("xaas_bulk_requests_total", "counter", "Bulk upload requests sent to Okta.")
        for (k, n) in s.bulkRequests.sorted(by: { $0.key < $1.key }) { out += "xaas_bulk_requests_total\(source(k)) \(n)\n" }
        family("xaas_import_sessions_total", "counter", "Import sessions used.")
        for (k, n) in s.sessions.sorted(by: { $0.key < $1.key }) { out += "xaas_import_sessions_total\(source(k)) \(n)\n" }
        family("xaas_rate_limited_responses_total", "counter", "HTTP 429 answers seen from the org.")
        for (t, n) in s.rateLimited.sorted(by: { $0.key < $1.key }) { out += "xaas_rate_limited_responses_total\(labels([("tenant", t)])) \(n)\n" }
        family("xaas_rate_limit_remaining", "gauge", "X-Rate-Limit-Remaining of the org's last answer (budget left in the window).")
        for (t, n) in s.rateRemaining.sorted(by: { $0.key < $1.key }) { out += "xaas_rate_limit_remaining\(labels([("tenant", t)])) \(n)\n" }
        family("xaas_rate_limit_limit", "gauge", "X-Rate-Limit-Limit of the org's last answer.")
        for (t, n) in s.rateLimit.sorted(by: { $0.key < $1.key }) { out += "xaas_rate_limit_limit\(labels([("tenant", t)])) \(n)\n" }
        family("xaas_rate_limit_waits_total", "counter", "Requests that waited in the org's rate limiter.")
        for (t, n) in s.rateWaits.sorted(by: { $0.key < $1.key }) { out += "xaas_rate_limit_waits_total\(labels([("tenant", t)])) \(n)\n" }
        family("xaas_rate_limit_wait_seconds_total", "counter", "Seconds requests spent waiting in the org's rate limiter.")
        for (t, n) in s.rateSecondsWaited.sorted(by: { $0.key < $1.key }) {
            out += "xaas_rate_limit_wait_seconds_total\(labels([("tenant", t)])) \(String(format: "%.3f", n))\n"
        }
        family("xaas_rate_limit_budget_remaining", "gauge", "Requests xaas may still send to the org in the current window, all processes together (-1: limit not known yet).")
        for (t, status) in budgets.sorted(by: { $0.key < $1.key }) {
            out += "xaas_rate_limit_budget_remaining\(labels([("tenant", t)])) \(status.budgetRemaining)\n"
        }
        family("xaas_run_duration_seconds", "histogram", "Duration of source runs (all their import sessions).")
        for (k, d) in s.durations.sorted(by: { $0.key < $1.key }) {
            for (i, bound) in Self.durationBuckets.enumerated() {
                out += "xaas_run_duration_seconds_bucket\(source(k, [("le", String(format: "%g", bound))])) \(d.buckets[i])\n"
            }
            out += "xaas_run_duration_seconds_bucket\(source(k, [("le", "+Inf")])) \(d.count)\n"
            out += "xaas_run_duration_seconds_sum\(source(k)) \(String(format: "%.3f", d.sum))\n"
            out += "xaas_run_duration_seconds_count\(source(k)) \(d.count)\n"
        }
        family("xaas_last_success_timestamp_seconds", "gauge", "When the source's last ok run finished (Unix time).")
        for (k, t) in s.lastSuccess.sorted(by: { $0.key < $1.key }) { out += "xaas_last_success_timestamp_seconds\(source(k)) \(String(format: "%.3f", t))\n" }
        family("xaas_last_run_timestamp_seconds", "gauge", "When the source's last run finished, whatever its result (Unix time).")
        for (k, t) in s.lastRun.sorted(by: { $0.key < $1.key }) { out += "xaas_last_run_timestamp_seconds\(source(k)) \(String(format: "%.3f", t))\n" }
        family("xaas_runs_in_progress", "gauge", "Source runs (worker processes) running now.")
        out += "xaas_runs_in_progress \(s.running)\n"
        family("xaas_config_reloads_total", "counter", "SIGHUP reloads of connectors.d by result.")
        for result in ["ok", "failed"] { out += "xaas_config_reloads_total\(labels([("result", result)])) \(s.reloads[result] ?? 0)\n" }
        return out
    }

    static let groupActions = ["created", "updated", "unchanged", "deleted"]
    static let membershipActions = ["added", "removed", "skipped"]

    /// A run's group and membership counts keyed "groups/<action>" and "memberships/<action>".
    static func groupCounts(_ r: RunReport) -> [(String, Int)] {
        let g = r.groups, m = r.memberships
        return Array(zip(groupActions.map { "groups/" + $0 }, [g.created, g.updated, g.unchanged, g.deleted]))
            + Array(zip(membershipActions.map { "memberships/" + $0 }, [m.added, m.removed, m.skipped]))
    }

    /// Escapes a label value (backslash, double quote, newline).
    static func escape(_ value: String) -> String {
        value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            .replacingOccurrences(of: "\n", with: "\\n")
    }
}
