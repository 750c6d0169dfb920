import Foundation

/// `xaas serve`'s lifecycle hook: each scheduled source with a `lifecycle` key gets an extra run at its
/// next dated event (a hire coming due, an end date), read from state, so a termination at 17:00 takes
/// effect at 17:00 rather than at the next tick of the schedule.
enum LifecycleSchedule {
    /// Sets the extra run of every lifecycle source of `tenants` (or only of the source named `only`).
    static func refresh(_ scheduler: SourceScheduler, _ tenants: [TenantConfig], only: String? = nil,
                        state: StateBackend, log: LogWriter, clock: LifecycleClock = .current) {
        for tenant in tenants {
            for source in tenant.sources where source.lifecycle != nil && (only == nil || source.name == only) {
                let key = "\(tenant.name)/\(source.name)"
                let next = nextDue(tenant: tenant.name, source: source.name, state: state, clock: clock)
                scheduler.setExtraDue(key, next.map { clock.systemDate(for: $0.event.due) })
                if let next {
                    log.log(tenant: tenant.name, source: source.name,
                            "next lifecycle event: \(next.externalId) \(next.event.detail); an extra run is scheduled then")
                }
            }
        }
    }

    /// The source's next event after the clock's now, from its state (none before its first run).
    static func nextDue(tenant: String, source: String, state: StateBackend, clock: LifecycleClock) -> DueEvent? {
        guard let store = StateStore.existing(state, tenant: tenant, source: source) else { return nil }
        return (try? store.nextLifecycleEvents(after: clock.now(), limit: 1))?.first
    }
}
