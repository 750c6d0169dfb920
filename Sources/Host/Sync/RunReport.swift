import XaasJSON

/// The outcome of one source's run; printed as a summary row or as JSON (`xaas sync --json`).
///
/// The JSON keys `tenant`, `source`, `status`, `created`, `updated`, `unchanged`, `deactivated`, `invalid`,
/// `bulkRequests`, `sessions`, `durationMs` and `error` are a contract; further keys may be added.
public struct RunReport: Sendable {
    public enum Status: String, Sendable {
        case ok, failed, blocked
    }

    public var tenant: String
    public var source: String
    public var status: Status = .ok
    public var dryRun = false
    public var created = 0
    public var updated = 0
    public var unchanged = 0
    public var deactivated = 0
    public var invalid = 0
    public var bulkRequests = 0
    public var sessions = 0
    public var durationMs = 0
    public var error: String?
    public var outOfScope = 0
    /// Inactive records that were never in Okta (nothing to do).
    public var inactiveNotApplied = 0
    public var skippedByConnector = 0
    public var incremental = false
    public var deactivationsByReason: [String: Int] = [:]
    public var problems: [String] = []
    public var notes: [String] = []
    /// Users held until their start date comes due (lifecycle).
    public var pending = 0
    /// `groups: {created, updated, unchanged, deleted}` (see RunReport+Groups.swift).
    public var groups = GroupCounts()
    /// `memberships: {added, removed, skipped}`.
    public var memberships = MembershipCounts()

    public init(tenant: String, source: String) {
        self.tenant = tenant
        self.source = source
    }

    /// The report as a JSON object.
    public var json: JSONValue {
        func n(_ i: Int) -> JSONValue { .number(String(i)) }
        var members: [(key: String, value: JSONValue)] = [
            ("tenant", .string(tenant)), ("source", .string(source)), ("status", .string(status.rawValue)),
            ("created", n(created)), ("updated", n(updated)), ("unchanged", n(unchanged)),
            ("deactivated", n(deactivated)), ("invalid", n(invalid)), ("bulkRequests", n(bulkRequests)),
            ("sessions", n(sessions)), ("durationMs", n(durationMs)),
            ("error", error.map { .string($0) } ?? .null),
            ("dryRun", .bool(dryRun)), ("outOfScope", n(outOfScope)), ("inactiveNotApplied", n(inactiveNotApplied)), ("skipped", n(skippedByConnector)),
            ("incremental", .bool(incremental)), ("pending", n(pending)),
        ]
        members.append(("deactivationsByReason", .object(
            deactivationsByReason.sorted { $0.key < $1.key }.map { ($0.key, n($0.value)) })))
        members.append(("problems", .array(problems.map { .string($0) })))
        members.append(("notes", .array(notes.map { .string($0) })))
        members.append(("groups", groups.json))
        members.append(("memberships", memberships.json))
        return .object(members)
    }

    /// Rebuilds a report from ``json`` (for `xaas status`, and from a worker process's result).
    public init?(json: JSONValue) {
        guard let tenant = json["tenant"]?.stringValue, let source = json["source"]?.stringValue else { return nil }
        self.init(tenant: tenant, source: source)
        status = json["status"]?.stringValue.flatMap(Status.init) ?? .failed
        dryRun = json["dryRun"]?.boolValue ?? false
        created = json["created"]?.intValue ?? 0
        updated = json["updated"]?.intValue ?? 0
        unchanged = json["unchanged"]?.intValue ?? 0
        deactivated = json["deactivated"]?.intValue ?? 0
        invalid = json["invalid"]?.intValue ?? 0
        bulkRequests = json["bulkRequests"]?.intValue ?? 0
        sessions = json["sessions"]?.intValue ?? 0
        durationMs = json["durationMs"]?.intValue ?? 0
        error = json["error"]?.stringValue
        outOfScope = json["outOfScope"]?.intValue ?? 0
        inactiveNotApplied = json["inactiveNotApplied"]?.intValue ?? 0
        skippedByConnector = json["skipped"]?.intValue ?? 0
        incremental = json["incremental"]?.boolValue ?? false
        for member in json["deactivationsByReason"]?.objectValue ?? [] {
            deactivationsByReason[member.key] = member.value.intValue ?? 0
        }
        problems = json["problems"]?.arrayValue?.compactMap(\.stringValue) ?? []
        notes = json["notes"]?.arrayValue?.compactMap(\.stringValue) ?? []
        pending = json["pending"]?.intValue ?? 0
        groups = GroupCounts(json: json["groups"])
        memberships = MembershipCounts(json: json["memberships"])
    }
}
