import Foundation

/// The lifecycle part of `xaas sync --dry-run --diff`: one line per dated event the run found, soonest
/// first, e.g. `@ emp-10101 creates on 2026-12-07 (7 days before start 2026-12-14)`.
enum LifecycleDiff {
    /// Calls `emit` with each event line of run `runId` (nothing when the source has no lifecycle).
    static func lines(store: StateStore, runId: Int64, emit: (String) -> Void) throws {
        for due in try store.lifecycleEvents(runId: runId) {
            emit("@ \(due.externalId) \(due.event.detail)")
        }
    }
}
