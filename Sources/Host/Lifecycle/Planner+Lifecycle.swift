import Foundation

extension Planner {
    /// The lifecycle step of planning one in-scope record (``LifecyclePolicy`` at one instant).
    ///
    /// Held users stay "seen" (never absent) and are counted as pending; users whose end date has passed
    /// are deactivated with reason ``LifecyclePolicy/endedReason`` like any other deactivation (so the
    /// safeguards count them); date problems are invalid records, which are never deactivated.
    public struct LifecycleRule {
        public var policy: LifecyclePolicy
        /// The instant dates are compared with (one per run).
        public var now: Date

        public init(policy: LifecyclePolicy, now: Date) {
            self.policy = policy
            self.now = now
        }

        /// The record attribute in which a connector may give a record's position (e.g. `users.csv line 7`),
        /// quoted in per-record problems.
        public static let positionAttribute = "xaas.position"

        /// What the dates decide for one record; the planner counts it and plans the deactivation.
        struct Outcome {
            /// The record is fully handled (no status/mapping/compare step).
            var handled = false
            /// Deactivate the applied user (reason ``LifecyclePolicy/endedReason``).
            var deactivate = false
            var pending = false
            var unchanged = false
            var inactiveNotApplied = false
            var invalid: String?
            var note: String?
        }

        /// Decides what the dates mean for `record` and records its dated event, if any.
        func plan(_ record: SourceRecord, applied: AppliedEntity?, runId: Int64, batch: StateStore.Batch) throws -> Outcome {
            let id = record.externalId
            let active = applied?.status == .active
            var out = Outcome(handled: true)
            switch policy.evaluate(record, now: now) {
            case .problem(let message):
                let at = record.firstValue(Self.positionAttribute).map { "\($0): " } ?? ""
                out.invalid = "\(at)externalId \"\(id)\": \(message)"
            case .ended:
                out.deactivate = active
                out.inactiveNotApplied = applied == nil
                out.unchanged = applied != nil && !active
            case .held(let event, let afterEnd):
                out.pending = true
                if active && !afterEnd {
                    let hold = policy.holdEvent(replacing: event)
                    out.note = "externalId \"\(id)\": \(hold.detail)"
                    try batch.appendLifecycleEvent(runId: runId, externalId: id, hold)
                } else {
                    out.deactivate = active
                    try batch.appendLifecycleEvent(runId: runId, externalId: id, event)
                }
            case .proceed(let next):
                out.handled = false
                if let next, record.status == .active {
                    try batch.appendLifecycleEvent(runId: runId, externalId: id, next)
                }
            }
            return out
        }

        /// Undoes the pending count of an earlier occurrence of `externalId` in this (incremental) read.
        func supersede(_ externalId: String, runId: Int64, batch: StateStore.Batch, summary: inout PlanSummary) throws {
            if let action = try batch.removeLifecycleEvent(runId: runId, externalId: externalId), action != .deactivate {
                summary.pending -= 1
            }
        }
    }
}

extension PlanSummary {
    /// Counts what the lifecycle step decided (the deactivation itself is counted when it is planned).
    mutating func count(_ outcome: Planner.LifecycleRule.Outcome) {
        if outcome.pending { pending += 1 }
        if outcome.unchanged { unchanged += 1 }
        if outcome.inactiveNotApplied { inactiveNotApplied += 1 }
        if let invalid = outcome.invalid { addInvalid(invalid) }
        if let note = outcome.note { addNotes([note]) }
    }
}
