import Foundation

/// Plans a source's groups and memberships inside the ``Planner``'s read: group records are diffed
/// against state as they stream by (profile hash + status); membership pairs are parked in a temporary
/// table and resolved after the read, once it is known which users and groups are in scope. Nothing
/// proportional to the source stays in memory.
///
/// Membership records (`XAAS_KIND_MEMBERSHIP`): `member` attributes list members of the group (in a full
/// read the union of all records for a group is its whole member list; in an incremental read such a
/// record replaces that group's list); `memberAdded` / `memberRemoved` attributes change single pairs
/// (incremental reads, e.g. a Graph delta or an LDIF `changetype: modify`); `memberGroup` attributes name
/// nested groups, whose members (transitively) become members of this group; cycles are detected and
/// reported, each group's members counted once.
public struct GroupPlanner {
    /// How group records become Okta groups, and the group safeguards.
    public struct Rules {
        /// Groups the filter rejects are out of scope (deleted from Okta if applied).
        public var filter: RecordFilter
        /// The group profile (`displayName`, `description`), empty values omitted.
        public var map: (SourceRecord) -> [(String, String)]
        public var maxDeletePercent: Double?
        public var maxMembershipRemovals: Int?
        /// Why group sync is on, when it was not asked for (a note for the run report).
        public var defaultNote: String?

        public init(filter: RecordFilter?, map: @escaping (SourceRecord) -> [(String, String)],
                    maxDeletePercent: Double? = 20, maxMembershipRemovals: Int? = 5000) {
            self.filter = filter ?? .all
            self.map = map
            self.maxDeletePercent = maxDeletePercent
            self.maxMembershipRemovals = maxMembershipRemovals
        }

        /// Rules from a source's `groups` config (defaults for `nil`).
        public init(config: GroupSyncConfig?) {
            let c = config ?? GroupSyncConfig()
            let displayName = c.displayName
            let description = c.description
            self.init(filter: RecordFilter(c.filter),
                      map: { GroupPlanner.profile($0, displayName: displayName, description: description) },
                      maxDeletePercent: c.maxDeletePercent, maxMembershipRemovals: c.maxMembershipRemovals)
        }
    }

    /// Okta's limits on group fields (contract §2.4).
    static let maxGroupIdLength = 255
    static let maxDisplayNameLength = 255
    static let maxDescriptionLength = 1024

    let store: StateStore
    let runId: Int64
    let rules: Rules

    /// The default group profile: displayName from the connector's name attribute (`displayName`, `cn`,
    /// `name`, else the externalId), description from `description`.
    static func profile(_ record: SourceRecord, displayName: MappingTemplate?, description: MappingTemplate?) -> [(String, String)] {
        let name = displayName.map { $0.evaluate(record) }
            ?? record.firstValue("displayName") ?? record.firstValue("cn") ?? record.firstValue("name") ?? record.externalId
        let text = description.map { $0.evaluate(record) } ?? record.firstValue("description") ?? ""
        var out = [("displayName", name)]
        if !text.isEmpty { out.append(("description", text)) }
        return out
    }

    /// Why `id` cannot be a group or member externalId, or `nil`.
    static func idProblem(_ id: String, max: Int) -> String? {
        if id.isEmpty { return "empty externalId" }
        if id.count > max { return "externalId \"\(id.prefix(40))…\": longer than \(max) characters" }
        if id.contains(MembershipKey.separator) { return "externalId \"\(id.prefix(40))\": contains a control character" }
        return nil
    }

    /// Plans one group or membership record.
    func plan(_ record: SourceRecord, incremental: Bool, batch: StateStore.Batch, seq: inout Int64,
              summary: inout GroupPlanSummary) throws {
        switch record.kind {
        case .group: try planGroup(record, incremental: incremental, batch: batch, seq: &seq, summary: &summary)
        case .membership: try parkMembers(record, incremental: incremental, batch: batch, summary: &summary)
        case .user: break
        }
    }

    private func planGroup(_ record: SourceRecord, incremental: Bool, batch: StateStore.Batch, seq: inout Int64,
                           summary: inout GroupPlanSummary) throws {
        let id = record.externalId
        if let problem = Self.idProblem(id, max: Self.maxGroupIdLength) {
            summary.addInvalid("group: \(problem)")
            return
        }
        let kind = EntityKind.group
        if try !batch.markSeen(kind: kind, externalId: id) {
            guard incremental else {
                summary.addInvalid("group \"\(id)\": duplicate in this read (the first occurrence wins)")
                return
            }
            // A later occurrence in a changes-only feed replaces what the earlier one planned.
            switch try batch.removePlan(runId: runId, kind: kind, externalId: id)?.action {
            case .create?: summary.creates -= 1
            case .update?: summary.updates -= 1
            case .deactivate?: summary.deletes -= 1
            case nil: if summary.unchanged > 0 { summary.unchanged -= 1 }
            }
        }
        let applied = try batch.applied(kind: kind, externalId: id)
        func delete(_ reason: String) throws {
            seq += 1
            try batch.appendPlan(runId: runId, PlanEntry(seq: seq, kind: kind, externalId: id, action: .deactivate,
                                                         status: .inactive, hash: applied?.hash ?? 0, profile: nil, reason: reason))
            summary.addDelete(reason)
        }
        if !rules.filter.admits(record) {
            if applied?.status == .active { try delete("filtered out") } else { summary.outOfScope += 1 }
            return
        }
        if record.status != .active {
            if applied?.status == .active { try delete(record.status == .deleted ? "deleted in source" : "inactive in source") }
            return
        }
        let profile = rules.map(record)
        if let problem = Self.profileProblem(profile) {
            summary.addInvalid("group \"\(id)\": \(problem)")
            return
        }
        let mapped = Profile(profile)
        if let applied, applied.status == .active, applied.hash == mapped.hash {
            summary.unchanged += 1
            return
        }
        seq += 1
        let action: PlanAction = applied?.status == .active ? .update : .create
        try batch.appendPlan(runId: runId, PlanEntry(seq: seq, kind: kind, externalId: id, action: action, status: .active,
                                                     hash: mapped.hash, profile: mapped, reason: nil))
        if action == .create { summary.creates += 1 } else { summary.updates += 1 }
    }

    static func profileProblem(_ profile: [(String, String)]) -> String? {
        let name = profile.first { $0.0 == "displayName" }?.1 ?? ""
        if name.isEmpty { return "field displayName: empty (Okta needs 1–\(maxDisplayNameLength) characters)" }
        if name.count > maxDisplayNameLength { return "field displayName: \(name.count) characters, more than \(maxDisplayNameLength)" }
        if let text = profile.first(where: { $0.0 == "description" })?.1, text.count > maxDescriptionLength {
            return "field description: \(text.count) characters, more than \(maxDescriptionLength)"
        }
        return nil
    }

    private func parkMembers(_ record: SourceRecord, incremental: Bool, batch: StateStore.Batch,
                             summary: inout GroupPlanSummary) throws {
        let group = record.externalId
        if let problem = Self.idProblem(group, max: Self.maxGroupIdLength) {
            summary.addInvalid("membership: group \(problem)")
            return
        }
        var delta = false
        for attribute in record.attributes {
            let op: MemberOp
            switch attribute.name {
            case "member": op = .list
            case "memberAdded": op = .add; delta = true
            case "memberRemoved": op = .remove; delta = true
            case "memberGroup":
                // A nested group: its members become members of this group (flattened after the read).
                if Self.idProblem(attribute.value, max: Self.maxGroupIdLength) == nil {
                    try batch.parkNestedGroup(parent: group, child: attribute.value)
                }
                continue
            default: continue
            }
            if let problem = Self.idProblem(attribute.value, max: Mapping.maxExternalIdLength) {
                summary.addInvalid("membership of group \"\(group)\": member \(problem)")
                continue
            }
            try batch.parkMember(group: group, member: attribute.value, op: op)
        }
        // A list (not a delta) in a changes-only read replaces that group's members.
        if incremental, !delta { _ = try batch.markSeen(kind: MemberOp.listedKind, externalId: group) }
    }

    /// After the read: plans group deletions (complete full reads), then membership adds and, for a
    /// complete read, removals. Call after user deactivations are planned (or dropped for a failed read).
    func finish(complete: Bool, incremental: Bool, seq: inout Int64, summary: inout GroupPlanSummary) throws {
        if complete, !incremental {
            let absent = try store.planAbsentDeactivations(runId: runId, kind: .group, firstSeq: seq + 1)
            for _ in 0..<absent { summary.addDelete(Planner.absentReason) }
            seq += Int64(absent)
        }
        if !complete {
            // The Planner dropped every planned deletion of a failed read; so do the counts.
            summary.deletes = 0
            summary.deletesByReason = [:]
        }
        let changes = try store.planMembershipChanges(runId: runId, firstSeq: seq + 1, removals: complete,
                                                      incremental: incremental)
        summary.nestingCycles = changes.groupsInCycles
        summary.membershipAdds = changes.adds
        summary.membershipRemovals = changes.removals
        summary.addSkipped(changes.groupOutOfScope, "group not synced (filtered out, invalid, deleted or unknown)")
        summary.addSkipped(changes.memberOutOfScope, "member is not an in-scope user of this source")
        seq += Int64(changes.adds + changes.removals)
    }
}

/// What a membership attribute does with its pair.
enum MemberOp: String {
    case list, add, remove
    /// The `seen` kind marking a group whose member list an incremental read gave in full.
    static let listedKind = "members-listed"
}

extension Planner {
    /// The group planner of this read, with its temporary tables cleared; `nil` when groups are off.
    func makeGroupPlanner(_ summary: inout PlanSummary) throws -> GroupPlanner? {
        guard let groups else { return nil }
        try store.prepareGroupPlanning()
        summary.groups.enabled = true
        return GroupPlanner(store: store, runId: runId, rules: groups)
    }
}
