import Foundation
import XaasJSON

/// A snapshot of one source's run for the live terminal line and the status page: the phase, what was
/// read, what was sent of what is planned, and the estimated time to the end of the run.
///
/// Built by ``ProgressTracker`` in the worker and sent to the parent as one JSON line (``json``).
public struct SyncProgress: Sendable, Equatable {
    public enum Phase: String, Sendable {
        case reading, planning, sending
        case waitingForOkta = "waiting for Okta"
        case coolingDown = "cooling down"
    }

    public var tenant: String
    public var source: String
    public var phase: Phase = .reading
    public var recordsRead = 0
    public var requestsSent = 0
    /// Bulk requests the plan needs (an estimate from the plan's counts until everything is sent).
    public var requestsPlanned = 0
    public var sessionsDone = 0
    public var sessionsPlanned = 0
    /// Seconds until the run ends, when it can be estimated (after planning).
    public var etaSeconds: Double?
    /// When this snapshot was taken (Unix time), so a reader can age the ETA.
    public var at: Double = Date().timeIntervalSince1970

    public init(tenant: String, source: String) {
        self.tenant = tenant
        self.source = source
    }

    /// The ETA as seen `now` (the snapshot's ETA minus its age), never below zero.
    public func eta(now: Double = Date().timeIntervalSince1970) -> Double? {
        etaSeconds.map { max(0, $0 - max(0, now - at)) }
    }

    public var json: JSONValue {
        func n(_ i: Int) -> JSONValue { .number(String(i)) }
        return .object([
            ("tenant", .string(tenant)), ("source", .string(source)), ("phase", .string(phase.rawValue)),
            ("recordsRead", n(recordsRead)), ("requestsSent", n(requestsSent)), ("requestsPlanned", n(requestsPlanned)),
            ("sessionsDone", n(sessionsDone)), ("sessionsPlanned", n(sessionsPlanned)),
            ("etaSeconds", etaSeconds.map { .number(String(format: "%.3f", $0)) } ?? .null),
            ("at", .number(String(format: "%.3f", at))),
        ])
    }

    public init?(json: JSONValue) {
        guard let tenant = json["tenant"]?.stringValue, let source = json["source"]?.stringValue,
              let phase = json["phase"]?.stringValue.flatMap(Phase.init) else { return nil }
        self.init(tenant: tenant, source: source)
        self.phase = phase
        recordsRead = json["recordsRead"]?.intValue ?? 0
        requestsSent = json["requestsSent"]?.intValue ?? 0
        requestsPlanned = json["requestsPlanned"]?.intValue ?? 0
        sessionsDone = json["sessionsDone"]?.intValue ?? 0
        sessionsPlanned = json["sessionsPlanned"]?.intValue ?? 0
        etaSeconds = json["etaSeconds"]?.doubleValue
        at = json["at"]?.doubleValue ?? Date().timeIntervalSince1970
    }

    /// `reading — 12,000 read` / `sending — 20,500 read · 30/103 requests · session 1/3 · ETA 1m05s`.
    public func line(now: Double = Date().timeIntervalSince1970) -> String {
        var parts = ["\(phase.rawValue) — \(recordsRead.formatted()) read"]
        if requestsPlanned > 0 || requestsSent > 0 {
            parts.append("\(requestsSent)/\(max(requestsPlanned, requestsSent)) requests")
            parts.append("session \(min(sessionsDone + 1, max(sessionsPlanned, 1)))/\(max(sessionsPlanned, 1))")
        }
        if let eta = eta(now: now) { parts.append("ETA \(Self.duration(eta))") }
        return "\(tenant)/\(source): " + parts.joined(separator: " · ")
    }

    /// `42s`, `5m07s`, `8h03m`.
    public static func duration(_ seconds: Double) -> String {
        let s = Int(seconds.rounded())
        if s < 60 { return "\(s)s" }
        if s < 3600 { return String(format: "%dm%02ds", s / 60, s % 60) }
        return String(format: "%dh%02dm", s / 3600, (s % 3600) / 60)
    }
}

extension SyncProgress {
    /// Reads a worker's stderr line `{"progress":{…}}`; `nil` for any other line (a log record).
    init?(workerLine line: String) {
        guard line.hasPrefix("{\"progress\":"), let record = try? JSONValue.parse(line),
              let body = record["progress"] else { return nil }
        self.init(json: body)
    }
}
