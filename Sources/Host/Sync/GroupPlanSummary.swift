/// What planning found for a source's groups and memberships (a part of ``PlanSummary``).
public struct GroupPlanSummary: Sendable, Equatable {
    /// Group sync ran for this read (configured or defaulted on).
    public var enabled = false
    public var creates = 0
    public var updates = 0
    public var unchanged = 0
    public var deletes = 0
    public var deletesByReason: [String: Int] = [:]
    /// Group records the group filter rejected that were never applied.
    public var outOfScope = 0
    /// Group or membership records refused (bad externalId, displayName, description); samples name them.
    public var invalid = 0
    public var invalidSamples: [String] = []
    public var membershipAdds = 0
    public var membershipRemovals = 0
    /// Member pairs left out because Okta could not hold them, by reason.
    public var membershipsSkipped = 0
    public var skippedByReason: [String: Int] = [:]
    /// Groups that (through nested groups) contain themselves.
    public var nestingCycles: [String] = []

    public init() {}

    /// The read had group or membership records, or the plan changes applied ones.
    var planned: Bool {
        creates + updates + unchanged + deletes + outOfScope + invalid + membershipAdds + membershipRemovals
            + membershipsSkipped > 0
    }

    mutating func addInvalid(_ message: String) {
        invalid += 1
        if invalidSamples.count < PlanSummary.sampleLimit { invalidSamples.append(message) }
    }

    mutating func addDelete(_ reason: String) {
        deletes += 1
        deletesByReason[reason, default: 0] += 1
    }

    mutating func addSkipped(_ count: Int, _ reason: String) {
        guard count > 0 else { return }
        membershipsSkipped += count
        skippedByReason[reason, default: 0] += count
    }
}
