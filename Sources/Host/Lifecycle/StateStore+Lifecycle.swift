import Foundation

/// One persisted ``LifecycleEvent`` of a user, as `xaas status`, `--diff` and `xaas serve` read it back.
public struct DueEvent: Sendable, Equatable {
    public var externalId: String
    public var event: LifecycleEvent
}

/// Lifecycle events in state: every dated change a run found (held hires, coming end dates), by run.
///
/// A run writes its events under its own id. When its read was complete and it was not a dry run, it
/// replaces the events of earlier runs (all of them after a full read; those of the users it saw after an
/// incremental one); a dry run's events serve only its own `--diff` and are dropped by the next run; a
/// failed read keeps the earlier events. The table is created on first use, so older state files work.
extension StateStore {
    static let lifecycleSchema = """
        CREATE TABLE IF NOT EXISTS lifecycle_events(
            tenant TEXT NOT NULL, source TEXT NOT NULL, run_id INTEGER NOT NULL, external_id TEXT NOT NULL,
            action TEXT NOT NULL, due_at REAL NOT NULL, detail TEXT NOT NULL,
            PRIMARY KEY(tenant, source, run_id, external_id)) WITHOUT ROWID;
        """

    /// Creates the table if needed and drops events of earlier dry runs of this source.
    public func beginLifecycle(runId: Int64) throws {
        try withDatabase { db in
            if db.dialect == .sqlite { try db.execute(Self.lifecycleSchema) }   // PostgreSQL: created by migration 1
            _ = try db.run("""
                DELETE FROM lifecycle_events WHERE tenant=? AND source=? AND run_id<>?
                  AND run_id IN (SELECT id FROM runs WHERE dry_run=1)
                """, [.text(tenant), .text(source), .int(runId)])
        }
    }

    /// Ends the lifecycle part of run `runId`: keeps its events and drops those they replace (see the type);
    /// `seenUsers`: the users an incremental read saw (whose earlier events its own replace).
    public func finishLifecycle(runId: Int64, complete: Bool, incremental: Bool, dryRun: Bool,
                                seenUsers: [String] = []) throws {
        try withDatabase { db in
            let mine: [StateValue] = [.text(tenant), .text(source), .int(runId)]
            if !complete {
                _ = try db.run("DELETE FROM lifecycle_events WHERE tenant=$1 AND source=$2 AND run_id=$3", mine)
            } else if !dryRun && !incremental {
                _ = try db.run("DELETE FROM lifecycle_events WHERE tenant=$1 AND source=$2 AND run_id<>$3", mine)
            } else if !dryRun {
                try db.transaction {
                    for id in seenUsers {
                        _ = try db.run("""
                            DELETE FROM lifecycle_events WHERE tenant=$1 AND source=$2 AND run_id<>$3 AND external_id=$4
                            """, mine + [.text(id)])
                    }
                }
            }
        }
    }

    /// The next `limit` events of this source after `after`, soonest first (from runs that were not dry runs).
    public func nextLifecycleEvents(after: Date, limit: Int) throws -> [DueEvent] {
        try lifecycleEvents("""
            SELECT external_id, action, due_at, detail FROM lifecycle_events
            WHERE tenant=? AND source=? AND due_at>? AND run_id IN (SELECT id FROM runs WHERE dry_run=0)
            ORDER BY due_at, external_id LIMIT ?
            """, [.text(tenant), .text(source), .double(after.timeIntervalSince1970), .int(Int64(limit))])
    }

    /// The events run `runId` found, soonest first (for `--diff`).
    public func lifecycleEvents(runId: Int64) throws -> [DueEvent] {
        try lifecycleEvents("""
            SELECT external_id, action, due_at, detail FROM lifecycle_events
            WHERE tenant=? AND source=? AND run_id=? ORDER BY due_at, external_id
            """, [.text(tenant), .text(source), .int(runId)])
    }

    private func lifecycleEvents(_ sql: String, _ bindings: [StateValue]) throws -> [DueEvent] {
        try withDatabase { db in
            if db.dialect == .sqlite { try db.execute(Self.lifecycleSchema) }   // PostgreSQL: created by migration 1
            var out: [DueEvent] = []
            try db.query(sql, bindings) { row in
                guard let action = LifecycleEvent.Action(rawValue: row.text(1) ?? "") else { return }
                out.append(DueEvent(externalId: row.text(0) ?? "", event: LifecycleEvent(
                    action: action, due: Date(timeIntervalSince1970: row.double(2)), detail: row.text(3) ?? "")))
            }
            return out
        }
    }
}

extension StateStore.Batch {
    /// Records a dated change of one user in run `runId`.
    public func appendLifecycleEvent(runId: Int64, externalId: String, _ event: LifecycleEvent) throws {
        _ = try db.run("""
            INSERT INTO lifecycle_events(tenant, source, run_id, external_id, action, due_at, detail)
            VALUES(?,?,?,?,?,?,?) ON CONFLICT(tenant, source, run_id, external_id)
            DO UPDATE SET action=excluded.action, due_at=excluded.due_at, detail=excluded.detail
            """, [.text(store.tenant), .text(store.source), .int(runId), .text(externalId), .text(event.action.rawValue),
                  .double(event.due.timeIntervalSince1970), .text(event.detail)])
    }

    /// Forgets what run `runId` recorded for one user (a later occurrence in an incremental read replaces
    /// it); returns the action it had, if any.
    @discardableResult
    public func removeLifecycleEvent(runId: Int64, externalId: String) throws -> LifecycleEvent.Action? {
        let key: [StateValue] = [.text(store.tenant), .text(store.source), .int(runId), .text(externalId)]
        var action: LifecycleEvent.Action?
        try db.query("SELECT action FROM lifecycle_events WHERE tenant=? AND source=? AND run_id=? AND external_id=?", key) {
            action = LifecycleEvent.Action(rawValue: $0.text(0) ?? "")
        }
        _ = try db.run("DELETE FROM lifecycle_events WHERE tenant=? AND source=? AND run_id=? AND external_id=?", key)
        return action
    }
}
