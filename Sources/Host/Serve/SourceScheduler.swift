import Foundation
import Synchronization

/// Decides which scheduled sources run when, for `xaas serve`: a source runs when due, never twice at
/// once, never while another source of its tenant runs (one lane per org), and at most `jobs` at a time.
/// Runs missed while a source (or its tenant) was busy are not piled up: a late source runs once, then
/// its next due time skips every occurrence already past.
///
/// Thread-safe: all state is guarded by one `Mutex`.
final class SourceScheduler: Sendable {
    struct Entry: Sendable {
        var tenant: TenantConfig
        var source: SourceConfig
        var schedule: Schedule
        var due: Date?
        var running = false
        /// An extra run at the source's next lifecycle event (system clock), besides the schedule.
        var extraDue: Date?
        /// When the current run was taken.
        var startedAt: Date?
        var key: String { "\(tenant.name)/\(source.name)" }
    }

    private struct State {
        var entries: [String: Entry] = [:]
        var busyTenants: Set<String> = []
        var running = 0
    }

    private let state = Mutex(State())

    /// Installs the sources of `config` that are enabled and have a schedule (returns the others' keys).
    /// An unchanged source keeps its due time and running flag; a new or re-scheduled one is due afresh.
    @discardableResult
    func load(_ config: ConfigDirectory, now: Date = Date()) -> (scheduled: [String], unscheduled: [String]) {
        var scheduled: [String] = [], unscheduled: [String] = []
        state.withLock { s in
            var next: [String: Entry] = [:]
            for tenant in config.tenants {
                for source in tenant.sources {
                    let key = "\(tenant.name)/\(source.name)"
                    guard source.enabled, let schedule = source.schedule else { unscheduled.append(key); continue }
                    scheduled.append(key)
                    var entry = Entry(tenant: tenant, source: source, schedule: schedule, due: schedule.firstDue(now: now))
                    if let old = s.entries[key] {
                        entry.running = old.running
                        entry.extraDue = old.extraDue
                        if old.schedule == schedule { entry.due = old.due }
                    }
                    next[key] = entry
                }
            }
            // A running source that was removed stays until it finishes (then it is dropped).
            for (key, old) in s.entries where old.running && next[key] == nil {
                var gone = old
                gone.due = nil
                next[key] = gone
            }
            s.entries = next
        }
        return (scheduled.sorted(), unscheduled.sorted())
    }

    /// Marks and returns the due sources that may start now (at most `jobs` running in all).
    func takeDue(now: Date = Date(), jobs: Int) -> [Entry] {
        state.withLock { s in
            var started: [Entry] = []
            for key in s.entries.keys.sorted() {
                guard s.running < jobs else { break }
                guard var e = s.entries[key], !e.running, let due = e.due, min(due, e.extraDue ?? due) <= now,
                      !s.busyTenants.contains(e.tenant.name) else { continue }
                e.running = true
                e.startedAt = now
                s.entries[key] = e
                s.busyTenants.insert(e.tenant.name)
                s.running += 1
                started.append(e)
            }
            return started
        }
    }

    /// Records that `entry`'s run ended at `now` and schedules its next one.
    func finished(_ entry: Entry, now: Date = Date()) {
        state.withLock { s in
            s.busyTenants.remove(entry.tenant.name)
            s.running -= 1
            guard var e = s.entries[entry.key] else { return }
            e.running = false
            e.extraDue = nil
            if e.due == nil {
                s.entries[entry.key] = nil
                return
            }
            // A run taken early for a lifecycle event leaves the schedule's due time as it was.
            let early = entry.due.map { due in entry.startedAt.map { due > $0 } ?? false } ?? false
            if !early { e.due = e.schedule.nextDue(after: entry.due ?? now, now: now) }
            s.entries[entry.key] = e
        }
    }

    /// Gives back a taken `entry` that did not run (its lease was busy, or another host already ran this
    /// occurrence): it is due again at `due` and counts as neither running nor finished.
    func putBack(_ entry: Entry, due: Date) {
        state.withLock { s in
            s.busyTenants.remove(entry.tenant.name)
            s.running -= 1
            guard var e = s.entries[entry.key] else { return }
            e.running = false
            if e.due == nil { s.entries[entry.key] = nil; return }
            e.due = due
            if let extra = e.extraDue, extra <= due { e.extraDue = nil }
            s.entries[entry.key] = e
        }
    }

    /// Sets (or clears) the extra run of `key` at its next lifecycle event.
    func setExtraDue(_ key: String, _ date: Date?) {
        state.withLock { s in s.entries[key]?.extraDue = date }
    }

    /// Runs in progress.
    var running: Int { state.withLock { $0.running } }

    /// The next due time of `key` (for tests and logs).
    func due(_ key: String) -> Date? { state.withLock { $0.entries[key]?.due } }
}
