import XaasJSON

/// The `groups` object of a run report: `{created, updated, unchanged, deleted}`.
public struct GroupCounts: Sendable, Equatable {
    public var created = 0
    public var updated = 0
    public var unchanged = 0
    public var deleted = 0
    public init() {}

    mutating func fill(planned p: GroupPlanSummary) { (created, updated, deleted) = (p.creates, p.updates, p.deletes) }
    mutating func fill(applied r: SessionRunner.Result) { (created, updated, deleted) = (r.groupsCreated, r.groupsUpdated, r.groupsDeleted) }

    var json: JSONValue {
        .object([("created", .number(String(created))), ("updated", .number(String(updated))),
                 ("unchanged", .number(String(unchanged))), ("deleted", .number(String(deleted)))])
    }

    init(json: JSONValue?) {
        created = json?["created"]?.intValue ?? 0
        updated = json?["updated"]?.intValue ?? 0
        unchanged = json?["unchanged"]?.intValue ?? 0
        deleted = json?["deleted"]?.intValue ?? 0
    }
}

/// The `memberships` object of a run report: `{added, removed, skipped}`.
public struct MembershipCounts: Sendable, Equatable {
    public var added = 0
    public var removed = 0
    /// Pairs left out (member not an in-scope user of the source, or group not synced).
    public var skipped = 0
    public init() {}

    mutating func fill(planned p: GroupPlanSummary) { (added, removed) = (p.membershipAdds, p.membershipRemovals) }
    mutating func fill(applied r: SessionRunner.Result) { (added, removed) = (r.membershipsAdded, r.membershipsRemoved) }

    var json: JSONValue {
        .object([("added", .number(String(added))), ("removed", .number(String(removed))),
                 ("skipped", .number(String(skipped)))])
    }

    init(json: JSONValue?) {
        added = json?["added"]?.intValue ?? 0
        removed = json?["removed"]?.intValue ?? 0
        skipped = json?["skipped"]?.intValue ?? 0
    }
}

extension RunReport {
    /// Adds the group planner's problems and skip reasons to ``problems`` and ``notes``.
    mutating func groupProblems(_ g: GroupPlanSummary) {
        problems += g.invalidSamples
        for (reason, count) in g.skippedByReason.sorted(by: { $0.key < $1.key }) {
            notes.append("\(count) group membership(s) left out: \(reason)")
        }
        for (reason, count) in g.deletesByReason.sorted(by: { $0.key < $1.key }) {
            notes.append("\(count) group(s) to delete: \(reason)")
        }
        invalid += g.invalid
        if !g.nestingCycles.isEmpty {
            let shown = g.nestingCycles.prefix(10).map { "\"\($0)\"" }.joined(separator: ", ")
            notes.append("\(g.nestingCycles.count) group(s) contain themselves through nested groups (a cycle): \(shown)\(g.nestingCycles.count > 10 ? ", …" : ""); their members were flattened once")
        }
    }
}

extension RunReport {
    /// `groups: 2 created, … ; memberships: 5 added, …`, or `nil` when the run touched no group.
    public var groupsLine: String? {
        let g = groups, m = memberships
        guard g != GroupCounts() || m != MembershipCounts() else { return nil }
        return "groups: \(g.created) created, \(g.updated) updated, \(g.unchanged) unchanged, \(g.deleted) deleted; "
            + "memberships: \(m.added) added, \(m.removed) removed, \(m.skipped) skipped"
    }
}
