/// The group safeguards, checked with the user safeguards before anything is written to Okta.
///
/// A plan is blocked when its group deletions exceed `maxDeletePercent` of the source's applied groups,
/// or its membership removals exceed `maxMembershipRemovals`. `--approve-group-deletions N` (or
/// `--approve-deactivations N`, when the former is not given) lets through a plan of at most N group
/// deletions; either approval also lifts the membership-removal limit, since the reviewed `--diff` lists
/// every removal.
public struct GroupSafeguardCheck: Sendable {
    public var maxDeletePercent: Double?
    public var maxMembershipRemovals: Int?
    public var approvedGroupDeletions: Int?

    public init(maxDeletePercent: Double?, maxMembershipRemovals: Int?, approvedGroupDeletions: Int?) {
        self.maxDeletePercent = maxDeletePercent
        self.maxMembershipRemovals = maxMembershipRemovals
        self.approvedGroupDeletions = approvedGroupDeletions
    }

    /// `nil` when the plan may proceed, else why it is blocked.
    public func blockReason(_ plan: GroupPlanSummary, appliedActiveGroups: Int) -> String? {
        let count = plan.deletes
        if let approved = approvedGroupDeletions {
            if count <= approved { return nil }
            return "the plan deletes \(count) groups, more than the \(approved) approved"
        }
        if let percent = maxDeletePercent, count > 0, appliedActiveGroups > 0 {
            let share = Double(count) * 100 / Double(appliedActiveGroups)
            if share > percent {
                let shown = (share * 10).rounded() / 10
                return "the plan deletes \(count) of \(appliedActiveGroups) groups (\(shown)% > groups.safeguards.maxDeletePercent \(percent.formatted0))"
            }
        }
        if let max = maxMembershipRemovals, plan.membershipRemovals > max {
            return "the plan removes \(plan.membershipRemovals) memberships (groups.safeguards.maxMembershipRemovals \(max))"
        }
        return nil
    }
}

extension SyncEngine {
    /// The group rules of this read: the job's, unless they are defaults and the connector does not
    /// declare the groups capability.
    static func groupRules(_ job: Job, _ source: any RecordSource) -> GroupPlanner.Rules? {
        guard var rules = job.groups else { return nil }
        guard job.groupsByCapability else { return rules }
        guard let plugin = (source as? PluginInstance)?.plugin, plugin.capabilities.contains(.groups) else { return nil }
        rules.defaultNote = "groups: synced because connector \(plugin.name) reads groups and the source has no \"groups\" key (set \"groups\": false to turn this off)"
        return rules
    }

    /// The group safeguards' verdict on a plan (`nil` when group sync is off or the plan may proceed).
    func groupBlockReason(_ job: Job, _ summary: PlanSummary, _ store: StateStore) throws -> String? {
        guard summary.groups.enabled, let rules = job.groups else { return nil }
        let check = GroupSafeguardCheck(maxDeletePercent: rules.maxDeletePercent, maxMembershipRemovals: rules.maxMembershipRemovals,
                                        approvedGroupDeletions: job.approvedGroupDeletions ?? job.safeguards.approvedDeactivations)
        return check.blockReason(summary.groups, appliedActiveGroups: try store.groupCounts().groups)
    }
}
