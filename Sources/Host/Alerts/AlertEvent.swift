import Foundation
import XaasJSON

/// One alert: what happened to which source, as the JSON body of the webhook POST.
///
/// `text` is a one-line summary, so the body can go straight to a Slack or Teams incoming webhook;
/// `report` is the run's report (`xaas sync --json` format). No secrets: names, counts and messages
/// that are built without them.
public struct AlertEvent: Sendable {
    public enum Kind: String, Sendable {
        case failed = "run.failed"
        case blocked = "run.blocked"
        case recovered = "run.recovered"
        case notSucceeded = "source.notSucceeded"
    }

    public var kind: Kind
    public var tenant: String
    public var source: String
    public var text: String
    public var report: RunReport?
    public var at = Date()

    /// The events a finished run raises, given the status of the source's run before it: a failure, a
    /// safeguard block, or the first ok run after a failed or blocked one. Dry runs raise none.
    public static func events(for report: RunReport, previousStatus: String?) -> [AlertEvent] {
        guard !report.dryRun else { return [] }
        let key = "\(report.tenant)/\(report.source)"
        func event(_ kind: Kind, _ text: String) -> AlertEvent {
            AlertEvent(kind: kind, tenant: report.tenant, source: report.source, text: text, report: report)
        }
        switch report.status {
        case .failed: return [event(.failed, "xaas: \(key) failed — \(report.error ?? "no details")")]
        case .blocked: return [event(.blocked, "xaas: \(key) blocked by a safeguard — \(report.error ?? "")")]
        case .ok:
            guard previousStatus == "failed" || previousStatus == "blocked" else { return [] }
            return [event(.recovered, "xaas: \(key) recovered — \(report.created) created, \(report.updated) updated, \(report.deactivated) deactivated")]
        }
    }

    public var json: JSONValue {
        .object([
            ("event", .string(kind.rawValue)), ("tenant", .string(tenant)), ("source", .string(source)),
            ("text", .string(text)), ("at", .string(at.formatted(.iso8601))), ("report", report?.json ?? .null),
        ])
    }
}
