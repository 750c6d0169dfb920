/// The safeguards on what a plan does to the users it keeps (defect #14.4): a mapping typo must not
/// silently strip an attribute from everyone, nor leave most records invalid while the run says `ok`.
///
/// - `maxClearingUpdatePercent`: block when the updates that remove a profile attribute exceed this
///   percentage of the applied active users.
/// - `maxInvalidPercent`: block when invalid records exceed this percentage of the user records read.
///
/// Both block like the deactivation safeguards (nothing is sent, exit 3); they are lifted by raising the
/// key in the source file (or setting it to `null`), not by `--approve-deactivations`.
extension SafeguardCheck {
    /// `nil` when the plan may proceed, else why it is blocked.
    public func changeBlockReason(summary: PlanSummary, appliedActiveUsers: Int) -> String? {
        if let percent = maxClearingUpdatePercent, summary.clearingUpdates > 0, appliedActiveUsers > 0 {
            let share = Double(summary.clearingUpdates) * 100 / Double(appliedActiveUsers)
            if share > percent {
                let attributes = summary.clearedAttributes.sorted { $0.value > $1.value || ($0.value == $1.value && $0.key < $1.key) }
                    .prefix(5).map { "\($0.key) (\($0.value))" }.joined(separator: ", ")
                return "\(summary.clearingUpdates) of \(appliedActiveUsers) active users would lose profile attributes: "
                    + "\(attributes) (\(Self.shown(share))% > maxClearingUpdatePercent \(percent.formatted0))"
            }
        }
        let users = summary.recordsRead - summary.ignoredNonUsers
        if let percent = maxInvalidPercent, summary.invalid > 0, users > 0 {
            let share = Double(summary.invalid) * 100 / Double(users)
            if share > percent {
                return "\(summary.invalid) of \(users) records are invalid (\(Self.shown(share))% > maxInvalidPercent \(percent.formatted0))"
            }
        }
        return nil
    }

    /// What to do about a plan blocked by ``changeBlockReason(summary:appliedActiveUsers:)``.
    public static func changeAdvice(tenant: String, source: String) -> String {
        "Nothing was sent. Check the mapping (see the notes), review with `xaas sync --tenant \(tenant) --source \(source) --dry-run --diff`; "
            + "if the change is intended, raise the safeguard in the source file's \"safeguards\" for this run."
    }

    private static func shown(_ share: Double) -> String { ((share * 10).rounded() / 10).formatted0 }
}
