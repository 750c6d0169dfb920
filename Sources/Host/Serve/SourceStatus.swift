import Foundation
import XaasJSON

/// One source as the status page and `/api/v1/status` show it, read from config, state and the live
/// ``StatusBoard`` (no network). Nothing in it is secret: names, counts, statuses, session ids.
struct SourceStatus: Sendable {
    var tenant: String
    var source: String
    var enabled: Bool
    var state: String
    var lastRun: RunReport?
    var lastRunFinishedAt: Double?
    var nextRunAt: Double?
    var openSessions: [JournalSession] = []
    var progress: SyncProgress?
    var recentRuns: [RunReport] = []
    /// The planned deactivations of the latest run when it was blocked (what "Approve N" approves).
    var blockedDeactivations: Int?
    var blockedRunId: Int64?
    var pendingApproval: Int?

    var key: String { "\(tenant)/\(source)" }

    /// Reads every configured source.
    static func all(config: ConfigDirectory, stateDirectory: URL, state: StateBackend, board: StatusBoard,
                    due: (String) -> Date?, recent: Int = 5) -> [SourceStatus] {
        let approvals = ApprovalStore(stateDirectory: stateDirectory, backend: state)
        return config.sources.map { s in
            var status = SourceStatus(tenant: s.tenant, source: s.name, enabled: s.enabled, state: "never run")
            status.nextRunAt = due(status.key)?.timeIntervalSince1970
            if let store = StateStore.existing(state, tenant: s.tenant, source: s.name) {
                status.recentRuns = ((try? store.recentRunReports(limit: recent)) ?? [])
                    .compactMap { try? JSONValue.parse($0) }.compactMap(RunReport.init(json:))
                status.lastRun = status.recentRuns.first
                status.openSessions = (try? store.unfinishedSessions()) ?? []
                if let latest = try? store.latestRun() {
                    status.lastRunFinishedAt = latest.finishedAt
                    status.state = latest.status
                    if latest.status == "blocked" {
                        status.blockedRunId = latest.id
                        status.blockedDeactivations = (try? store.planCounts(runId: latest.id))?[.deactivate] ?? 0
                    }
                }
            }
            let live = board.live(status.key)
            if live.running { status.state = "running" }
            status.progress = live.progress
            status.pendingApproval = approvals.pending(tenant: s.tenant, source: s.name)
            return status
        }
    }

    var json: JSONValue {
        func time(_ t: Double?) -> JSONValue { t.map { .string(Date(timeIntervalSince1970: $0).formatted(.iso8601)) } ?? .null }
        return .object([
            ("tenant", .string(tenant)), ("source", .string(source)), ("enabled", .bool(enabled)),
            ("state", .string(state)), ("lastRun", lastRun?.json ?? .null), ("lastRunFinishedAt", time(lastRunFinishedAt)),
            ("nextRunAt", time(nextRunAt)),
            ("openSessions", .array(openSessions.map {
                .object([("id", .string($0.id)), ("state", .string($0.state.rawValue)),
                         ("oktaStatus", .string(Self.oktaStatus($0))), ("requests", .number(String($0.requests)))])
            })),
            ("progress", progress?.json ?? .null),
            ("blockedDeactivations", blockedDeactivations.map { .number(String($0)) } ?? .null),
            ("pendingApproval", pendingApproval.map { .number(String($0)) } ?? .null),
            ("recentRuns", .array(recentRuns.map(\.json))),
        ])
    }

    /// The Okta status the journal implies for an unfinished session (`CREATED`/`IN_PROGRESS` or `TRIGGERED`).
    static func oktaStatus(_ s: JournalSession) -> String {
        s.state == .triggered ? "TRIGGERED" : "CREATED or IN_PROGRESS"
    }
}
