import Foundation

/// Wires a ``ProgressTracker`` to one run once its plan is known: the session rules, the last trigger
/// and the import time this source observed recently (from state), and the planned counts.
enum ProgressHooks {
    static func configure(_ tracker: ProgressTracker?, options: SessionRunner.Options, store: StateStore,
                          summary: PlanSummary) {
        guard let tracker else { return }
        let lastTrigger = try? store.lastTriggeredAt()
        let observed = try? store.recentImportSeconds()
        tracker.configure({ rules in
            rules.cooldownSeconds = options.cooldownSeconds
            rules.maxRequestsPerSession = options.maxRequestsPerSession
            rules.maxEntitiesPerRequest = options.maxEntitiesPerRequest
            if let observed { rules.importSeconds = observed }
        }, lastTriggerAt: lastTrigger ?? nil)
        tracker.planned(deactivations: summary.deactivations, upserts: summary.creates + summary.updates)
    }
}
