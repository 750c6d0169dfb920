import Foundation

/// What the plan does with one entity.
public enum PlanAction: String, Sendable, CaseIterable {
    case create, update, deactivate
}

/// One planned change, persisted so that applying it streams from disk.
public struct PlanEntry: Sendable, Equatable {
    public var seq: Int64
    public var kind: EntityKind
    public var externalId: String
    public var action: PlanAction
    /// The status the entity will have once applied.
    public var status: EntityStatus
    public var hash: Int64
    /// The profile to send (create/update of users and groups).
    public var profile: Profile?
    /// Why (for deactivations: "inactive in source", "absent from a complete read", "filtered out").
    public var reason: String?

    public init(seq: Int64, kind: EntityKind, externalId: String, action: PlanAction, status: EntityStatus, hash: Int64,
                profile: Profile?, reason: String?) {
        self.seq = seq
        self.kind = kind
        self.externalId = externalId
        self.action = action
        self.status = status
        self.hash = hash
        self.profile = profile
        self.reason = reason
    }
}

extension StateStore {
    /// Starts a run in the history and clears the per-run "seen" set; returns the run id.
    /// Plans this source's earlier runs left behind (kept ones, or a crashed run's) are dropped first.
    public func beginRun(dryRun: Bool) throws -> Int64 {
        try withDatabase { db in
            try db.execute("""
                CREATE TEMP TABLE IF NOT EXISTS seen(kind TEXT NOT NULL, external_id TEXT NOT NULL,
                    PRIMARY KEY(kind, external_id))\(db.dialect.withoutRowid);
                DELETE FROM seen;
                """)
            try dropPlans(db, of: nil)
            return try db.scalarInt("INSERT INTO runs(tenant, source, started_at, status, dry_run) VALUES(?,?,?,'running',?) RETURNING id",
                                    [.text(tenant), .text(source), .double(Date().timeIntervalSince1970), .int(dryRun ? 1 : 0)]) ?? 0
        }
    }

    /// Records the end of a run with its JSON report, and drops its plan unless something reads it after
    /// the run (``keepsPlan(status:dryRun:)``), so that the next run does not pay for deleting it.
    public func finishRun(_ id: Int64, status: String, reportJSON: String) throws {
        try withDatabase { db in
            try db.run("UPDATE runs SET finished_at=?, status=?, report=? WHERE id=?",
                       [.double(Date().timeIntervalSince1970), .text(status), .text(reportJSON), .int(id)])
            let dryRun = try db.scalarInt("SELECT dry_run FROM runs WHERE id=$1", [.int(id)]).map { $0 != 0 } ?? false
            if !Self.keepsPlan(status: status, dryRun: dryRun) { try dropPlans(db, of: id) }
        }
    }

    /// Whether a finished run's plan stays until the next run of its source: a dry run's (printed by
    /// `--dry-run --diff` after the run) and a blocked run's (the status page shows it and its counts).
    /// Applied and failed runs are never read again: the next run plans afresh, and crash recovery reads
    /// the session journal, not the plan.
    static func keepsPlan(status: String, dryRun: Bool) -> Bool {
        dryRun || status == "blocked"
    }

    /// Deletes the plan rows of run `runId` (`nil`: of every run of this source) in one transaction.
    /// On SQLite, when they are the only rows in the table (one run at a time, the usual case), the table is
    /// emptied whole, which frees its pages without visiting a million rows one by one; otherwise (another
    /// source's run or kept plan shares the table, or PostgreSQL, where a concurrent run could insert
    /// between the check and the delete) only the matching rows are deleted.
    private func dropPlans(_ main: any StateDatabase, of runId: Int64?) throws {
        // Emptying the table reads each of its pages once: not through this connection's cache either.
        try main.scanning { db in try db.transaction { () throws -> Void in
            _ = try db.discarding { () throws -> Int in
                if db.dialect == .sqlite, try onlyPlannedRun(db, isOurs: runId) {
                    return try db.run("DELETE FROM plan")
                } else if let runId {
                    return try db.run("DELETE FROM plan WHERE run_id=$1", [.int(runId)])
                } else {
                    return try db.run("DELETE FROM plan WHERE run_id IN (SELECT id FROM runs WHERE tenant=$1 AND source=$2)",
                               [.text(tenant), .text(source)])
                }
            }
        } }
    }

    /// Whether every plan row belongs to one run that is `runId` (`nil`: any run of this source); two
    /// index lookups (min and max of the key's first column), whatever the plan's size.
    private func onlyPlannedRun(_ db: any StateDatabase, isOurs runId: Int64?) throws -> Bool {
        guard let low = try db.scalarInt("SELECT min(run_id) FROM plan"),
              let high = try db.scalarInt("SELECT max(run_id) FROM plan"), low == high else { return false }
        if let runId { return low == runId }
        return try db.scalarInt("SELECT count(*) FROM runs WHERE id=$1 AND tenant=$2 AND source=$3",
                                [.int(low), .text(tenant), .text(source)]) == 1
    }

    /// Reports of the latest finished runs of this source, newest first.
    public func recentRunReports(limit: Int = 10) throws -> [String] {
        try withDatabase { db in
            var out: [String] = []
            try db.query("""
                SELECT report FROM runs WHERE tenant=? AND source=? AND report IS NOT NULL ORDER BY id DESC LIMIT ?
                """, [.text(tenant), .text(source), .int(Int64(limit))]) { if let r = $0.text(0) { out.append(r) } }
            return out
        }
    }

    /// Runs `body` in one write transaction (the planner batches records through it).
    public func batch<T>(_ body: (StateStore.Batch) throws -> T) throws -> T {
        try withDatabase { db in try db.transaction { try body(Batch(db: db, store: self)) } }
    }

    /// Writes of the planner inside one transaction.
    public struct Batch {
        let db: any StateDatabase
        let store: StateStore

        /// Marks an entity as seen in this read; `false` when it was already seen (a duplicate).
        public func markSeen(kind: EntityKind, externalId: String) throws -> Bool {
            try markSeen(kind: kind.rawValue, externalId: externalId)
        }

        /// ``markSeen(kind:externalId:)`` under a raw key: an entity kind's raw value, or a planner's own
        /// marker (``GroupPlanner``'s `members-listed`).
        public func markSeen(kind: String, externalId: String) throws -> Bool {
            try db.run("INSERT INTO seen(kind, external_id) VALUES(?,?) ON CONFLICT DO NOTHING",
                       [.text(kind), .text(externalId)]) == 1
        }

        /// The applied state of an entity.
        public func applied(kind: EntityKind, externalId: String) throws -> AppliedEntity? {
            var result: AppliedEntity?
            try db.query(
                "SELECT status, hash FROM entities WHERE tenant=$1 AND source=$2 AND kind=$3 AND external_id=$4",
                [.text(store.tenant), .text(store.source), .text(kind.rawValue), .text(externalId)]
            ) { row in
                // The profile is not read here: the planner compares hashes only.
                result = AppliedEntity(status: EntityStatus(rawValue: row.text(0) ?? "") ?? .inactive,
                                       hash: row.int(1), profileJSON: nil)
            }
            return result
        }

        /// Removes what run `runId` planned for one entity; returns the action (and reason) it had, if any.
        public func removePlan(runId: Int64, kind: EntityKind, externalId: String) throws -> (action: PlanAction, reason: String?)? {
            let key: [SQLiteValue] = [.int(runId), .text(kind.rawValue), .text(externalId)]
            var action: (PlanAction, String?)?
            try db.query("SELECT action, reason FROM plan WHERE run_id=$1 AND kind=$2 AND external_id=$3", key) { row in
                action = PlanAction(rawValue: row.text(0) ?? "").map { ($0, row.text(1)) }
            }
            try db.run("DELETE FROM plan WHERE run_id=$1 AND kind=$2 AND external_id=$3", key)
            return action
        }

        /// The profile JSON last applied for an entity, or `nil`.
        public func appliedProfile(kind: EntityKind, externalId: String) throws -> String? {
            var profile: String?
            try db.query("SELECT profile FROM profiles WHERE tenant=$1 AND source=$2 AND kind=$3 AND external_id=$4",
                         [.text(store.tenant), .text(store.source), .text(kind.rawValue), .text(externalId)]) { row in
                profile = row.text(0)
            }
            return profile
        }

        /// Appends a plan entry of run `runId`.
        public func appendPlan(runId: Int64, _ e: PlanEntry) throws {
            try db.run("""
                INSERT INTO plan(run_id, seq, kind, external_id, action, status, hash, profile, reason)
                VALUES($1, $2, $3, $4, $5, $6, $7, $8, $9)
                """, [.int(runId), .int(e.seq), .text(e.kind.rawValue), .text(e.externalId), .text(e.action.rawValue),
                      .text(e.status.rawValue), .int(e.hash), .optional(e.profile?.json), .optional(e.reason)])
        }
    }

    /// The number of applied entities of `kind`, then every one of them (externalId as UTF-8 bytes, valid
    /// for the call only; status; profile hash) in externalId order: what the planner's ``StateIndex`` is
    /// loaded from, once per run, without a `String` per row and without filling the database's page cache.
    func forEachApplied(kind: EntityKind, count: (Int) -> Void,
                        _ body: (_ externalId: UnsafeRawBufferPointer, _ status: EntityStatus, _ hash: Int64) -> Void) throws {
        try withDatabase { main in
            let key: [SQLiteValue] = [.text(tenant), .text(source), .text(kind.rawValue)]
            try main.scanning { db in
                count(Int(try db.scalarInt("SELECT count(*) FROM entities WHERE tenant=$1 AND source=$2 AND kind=$3", key) ?? 0))
                try db.query("""
                    SELECT external_id, status, hash FROM entities WHERE tenant=$1 AND source=$2 AND kind=$3
                    ORDER BY external_id
                    """, key) { row in
                    let status: EntityStatus = row.withText(1) { $0.elementsEqual(Self.activeBytes) } ? .active : .inactive
                    let hash = row.int(2)
                    row.withText(0) { body($0, status, hash) }
                }
            }
        }
    }

    /// `active` as stored in the status column.
    private static let activeBytes = Array(EntityStatus.active.rawValue.utf8)

    /// Drops the deactivations planned by run `runId` (a failed or partial read never deactivates).
    func dropPlannedDeactivations(runId: Int64) throws {
        try withDatabase { db in
            _ = try db.run("DELETE FROM plan WHERE run_id=$1 AND action='deactivate'", [.int(runId)])
        }
    }

    /// Plans a deactivation for every applied active entity of `kind` not seen in this (complete) read;
    /// numbers them from `firstSeq`. Returns how many were planned.
    public func planAbsentDeactivations(runId: Int64, kind: EntityKind, firstSeq: Int64) throws -> Int {
        try withDatabase { db in
            try db.transaction {
                try db.run("""
                    INSERT INTO plan(run_id, seq, kind, external_id, action, status, hash, profile, reason)
                    SELECT ?, ? + row_number() OVER (ORDER BY e.external_id) - 1, e.kind, e.external_id,
                           'deactivate', 'inactive', e.hash, NULL, 'absent from a complete read'
                    FROM entities e
                    WHERE e.tenant=? AND e.source=? AND e.kind=? AND e.status='active'
                      AND NOT EXISTS (SELECT 1 FROM seen s WHERE s.kind=e.kind AND s.external_id=e.external_id)
                    """, [.int(runId), .int(firstSeq), .text(tenant), .text(source), .text(kind.rawValue)])
            }
        }
    }

    /// Up to `limit` plan entries of run `runId` with `action` in `actions` (and of `kind`, when given) and
    /// seq > `afterSeq`, in order.
    public func planEntries(runId: Int64, actions: [PlanAction], kind: EntityKind? = nil, afterSeq: Int64,
                            limit: Int) throws -> [PlanEntry] {
        let list = actions.map { "'\($0.rawValue)'" }.joined(separator: ",")
        let kindFilter = kind.map { " AND kind='\($0.rawValue)'" } ?? ""
        return try withDatabase { db in
            var out: [PlanEntry] = []
            try db.query("""
                SELECT seq, kind, external_id, action, status, hash, profile, reason FROM plan
                WHERE run_id=? AND seq>? AND action IN (\(list))\(kindFilter) ORDER BY seq LIMIT ?
                """, [.int(runId), .int(afterSeq), .int(Int64(limit))]) { row in
                let hash = row.int(5)
                out.append(PlanEntry(
                    seq: row.int(0), kind: EntityKind(rawValue: row.text(1) ?? "") ?? .user, externalId: row.text(2) ?? "",
                    action: PlanAction(rawValue: row.text(3) ?? "") ?? .update,
                    status: EntityStatus(rawValue: row.text(4) ?? "") ?? .active, hash: hash,
                    profile: row.text(6).map { Profile(json: $0, hash: hash) }, reason: row.text(7)))
            }
            return out
        }
    }

    /// How many entries of each action the plan of `runId` holds.
    public func planCounts(runId: Int64) throws -> [PlanAction: Int] {
        try withDatabase { db in
            var out: [PlanAction: Int] = [:]
            try db.query("SELECT action, count(*) FROM plan WHERE run_id=? GROUP BY action", [.int(runId)]) { row in
                if let a = PlanAction(rawValue: row.text(0) ?? "") { out[a] = Int(row.int(1)) }
            }
            return out
        }
    }
}
