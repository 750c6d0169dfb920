/// The deactivation safeguards, checked before anything is written to Okta.
///
/// A plan is blocked when its deactivations exceed `maxDeactivationPercent` of the applied active users
/// or `maxDeactivations`, or when a full read yielded no records at all while users are applied (an empty
/// export is far more often a broken export than a company with no staff; an empty delta is no change). An operator approves a
/// reviewed plan with `--approve-deactivations N`, which lets through a plan of at most N deactivations.
public struct SafeguardCheck: Sendable {
    public var maxDeactivationPercent: Double?
    public var maxDeactivations: Int?
    /// `--approve-deactivations N`.
    public var approvedDeactivations: Int?
    /// See ``changeBlockReason(summary:appliedActiveUsers:)``; `nil` turns the check off.
    public var maxClearingUpdatePercent: Double? = Safeguards.defaultMaxClearingUpdatePercent
    /// See ``changeBlockReason(summary:appliedActiveUsers:)``; `nil` turns the check off.
    public var maxInvalidPercent: Double? = Safeguards.defaultMaxInvalidPercent

    public init(maxDeactivationPercent: Double?, maxDeactivations: Int?, approvedDeactivations: Int?) {
        self.maxDeactivationPercent = maxDeactivationPercent
        self.maxDeactivations = maxDeactivations
        self.approvedDeactivations = approvedDeactivations
    }

    /// `nil` when the plan may proceed, else why it is blocked (without the how-to-approve advice).
    public func blockReason(summary: PlanSummary, appliedActiveUsers: Int) -> String? {
        let count = summary.deactivations
        if let approved = approvedDeactivations {
            if count <= approved { return nil }
            return "the plan deactivates \(count) users, more than the \(approved) approved"
        }
        // An incremental (changes-only) read with nothing in it is a quiet source, not a broken export.
        if summary.recordsRead == 0 && !summary.incremental && appliedActiveUsers > 0 {
            return "the source yielded no records while \(appliedActiveUsers) users are applied"
        }
        if let max = maxDeactivations, count > max {
            return "the plan deactivates \(count) users (maxDeactivations \(max))"
        }
        if let percent = maxDeactivationPercent, count > 0, appliedActiveUsers > 0 {
            let share = Double(count) * 100 / Double(appliedActiveUsers)
            if share > percent {
                let shown = (share * 10).rounded() / 10
                return "the plan deactivates \(count) of \(appliedActiveUsers) active users (\(shown)% > maxDeactivationPercent \(percent.formatted0))"
            }
        }
        return nil
    }
}

extension Double {
    /// "20" for 20.0, "12.5" for 12.5.
    var formatted0: String {
        self == rounded() ? String(Int(self)) : String(self)
    }
}
