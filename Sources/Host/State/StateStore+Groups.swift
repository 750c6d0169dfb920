import Foundation

/// Membership changes planned after a read (see ``StateStore/planMembershipChanges(runId:firstSeq:removals:incremental:)``).
struct MembershipChanges {
    var adds = 0
    var removals = 0
    /// Pairs left out because their group is not synced.
    var groupOutOfScope = 0
    /// Pairs left out because their member is not an in-scope user of the source.
    var memberOutOfScope = 0
    /// Groups that contain themselves through nested groups.
    var groupsInCycles: [String] = []
}

extension StateStore {
    /// Clears the per-run tables of group planning (membership pairs read; in-scope sets).
    func prepareGroupPlanning() throws {
        try withDatabase { db in
            let w = db.dialect.withoutRowid
            try db.execute("""
                CREATE TEMP TABLE IF NOT EXISTS member_seen(group_id TEXT NOT NULL, member_id TEXT NOT NULL,
                    op TEXT NOT NULL, PRIMARY KEY(group_id, member_id))\(w);
                CREATE TEMP TABLE IF NOT EXISTS member_want(group_id TEXT NOT NULL, member_id TEXT NOT NULL,
                    PRIMARY KEY(group_id, member_id))\(w);
                CREATE TEMP TABLE IF NOT EXISTS scope_in(kind TEXT NOT NULL, external_id TEXT NOT NULL,
                    PRIMARY KEY(kind, external_id))\(w);
                CREATE TEMP TABLE IF NOT EXISTS scope_out(kind TEXT NOT NULL, external_id TEXT NOT NULL,
                    PRIMARY KEY(kind, external_id))\(w);
                CREATE TEMP TABLE IF NOT EXISTS group_edge(parent TEXT NOT NULL, child TEXT NOT NULL,
                    PRIMARY KEY(parent, child))\(w);
                DELETE FROM group_edge;
                DELETE FROM member_seen; DELETE FROM member_want;
                DELETE FROM scope_in; DELETE FROM scope_out;
                """)
        }
    }

    /// Resolves the parked membership pairs into plan entries numbered from `firstSeq`: adds for wanted
    /// pairs not applied and, when `removals`, removals of applied pairs no longer wanted (in an
    /// incremental read only pairs named as removed or of groups whose list was given in full). A pair is
    /// wanted only when its group and its member are in scope after this run (planned upsert, or applied
    /// active and not planned for deactivation/deletion). Pairs of a group being deleted are not removed
    /// one by one: deleting the group drops them (``pruneGroupState(_:sessionId:)``).
    func planMembershipChanges(runId: Int64, firstSeq: Int64, removals: Bool, incremental: Bool) throws -> MembershipChanges {
        let t = StateValue.text(tenant), s = StateValue.text(source), run = StateValue.int(runId)
        return try withDatabase { db in
            try db.transaction {
                var out = MembershipChanges()
                out.groupsInCycles = try flattenNestedGroups(db)
                try db.run("""
                    INSERT INTO scope_in SELECT kind, external_id FROM plan
                    WHERE run_id=? AND kind IN ('user','group') AND action IN ('create','update')
                    ON CONFLICT DO NOTHING
                    """, [run])
                try db.run("""
                    INSERT INTO scope_out SELECT kind, external_id FROM plan
                    WHERE run_id=? AND kind IN ('user','group') AND action='deactivate'
                    ON CONFLICT DO NOTHING
                    """, [run])
                func inScope(_ entityKind: EntityKind, _ column: String) -> String {
                    let kind = entityKind.rawValue
                    return """
                    (EXISTS (SELECT 1 FROM scope_in i WHERE i.kind='\(kind)' AND i.external_id=\(column))
                     OR (EXISTS (SELECT 1 FROM entities e WHERE e.tenant=?1 AND e.source=?2 AND e.kind='\(kind)'
                                 AND e.external_id=\(column) AND e.status='active')
                         AND NOT EXISTS (SELECT 1 FROM scope_out o WHERE o.kind='\(kind)' AND o.external_id=\(column))))
                    """
                }
                let wanted = "m.op IN ('list','add')"
                out.groupOutOfScope = Int(try db.scalarInt(
                    "SELECT count(*) FROM member_seen m WHERE \(wanted) AND NOT \(inScope(.group, "m.group_id"))", [t, s]) ?? 0)
                out.memberOutOfScope = Int(try db.scalarInt("""
                    SELECT count(*) FROM member_seen m WHERE \(wanted) AND \(inScope(.group, "m.group_id"))
                      AND NOT \(inScope(.user, "m.member_id"))
                    """, [t, s]) ?? 0)
                try db.run("""
                    INSERT INTO member_want SELECT m.group_id, m.member_id FROM member_seen m
                    WHERE \(wanted) AND \(inScope(.group, "m.group_id")) AND \(inScope(.user, "m.member_id"))
                    """, [t, s])
                out.adds = try db.run("""
                    INSERT INTO plan(run_id, seq, kind, external_id, action, status, hash, profile, reason)
                    SELECT ?3, ?4 + row_number() OVER (ORDER BY w.group_id, w.member_id) - 1, 'membership',
                           w.group_id || '\u{1F}' || w.member_id, 'create', 'active', 0, NULL, NULL
                    FROM member_want w
                    WHERE NOT EXISTS (SELECT 1 FROM entities e WHERE e.tenant=?1 AND e.source=?2 AND e.kind='membership'
                                      AND e.external_id = w.group_id || '\u{1F}' || w.member_id AND e.status='active')
                    """, [t, s, run, .int(firstSeq)])
                guard removals else { return out }
                let named = incremental
                    ? """
                      AND (EXISTS (SELECT 1 FROM seen l WHERE l.kind='\(MemberOp.listedKind)' AND l.external_id=a.g)
                           OR EXISTS (SELECT 1 FROM member_seen r WHERE r.group_id=a.g AND r.member_id=a.m AND r.op='remove'))
                      """
                    : ""
                out.removals = try db.run("""
                    INSERT INTO plan(run_id, seq, kind, external_id, action, status, hash, profile, reason)
                    SELECT ?3, ?4 + row_number() OVER (ORDER BY a.g, a.m) - 1, 'membership', a.key, 'deactivate',
                           'inactive', 0, NULL, 'no longer a member'
                    FROM (SELECT e.external_id AS key, substr(e.external_id, 1, instr(e.external_id, '\u{1F}') - 1) AS g,
                                 substr(e.external_id, instr(e.external_id, '\u{1F}') + 1) AS m
                          FROM entities e WHERE e.tenant=?1 AND e.source=?2 AND e.kind='membership' AND e.status='active') a
                    WHERE NOT EXISTS (SELECT 1 FROM member_want w WHERE w.group_id=a.g AND w.member_id=a.m)
                      AND NOT EXISTS (SELECT 1 FROM scope_out o WHERE o.kind='group' AND o.external_id=a.g)
                      \(named)
                    """, [t, s, run, .int(firstSeq + Int64(out.adds))])
                return out
            }
        }
    }

    /// Inside ``commitSession(_:oktaReport:)``: a group deleted by session `sessionId` takes its memberships
    /// with it, and removed memberships leave state.
    func pruneGroupState(_ db: any StateDatabase, sessionId: String) throws {
        try db.run("""
            DELETE FROM entities WHERE tenant=?1 AND source=?2 AND kind='membership'
              AND substr(external_id, 1, instr(external_id, '\u{1F}') - 1) IN
                  (SELECT external_id FROM session_entities WHERE tenant=?1 AND source=?2 AND session_id=?3
                   AND kind='group' AND status='inactive')
            """, [.text(tenant), .text(source), .text(sessionId)])
        try db.run("DELETE FROM entities WHERE tenant=? AND source=? AND kind='membership' AND status='inactive'",
                   [.text(tenant), .text(source)])
    }

    /// Applied active groups and memberships of this source (for `xaas status` and the safeguards).
    public func groupCounts() throws -> (groups: Int, memberships: Int) {
        (try appliedCount(kind: .group, status: .active),
         try appliedCount(kind: .membership, status: .active))
    }

    /// The applied members of every applied active group, sorted (for tests and inspection).
    public func appliedMemberships() throws -> [String: [String]] {
        try withDatabase { db in
            var out: [String: [String]] = [:]
            try db.query("""
                SELECT external_id FROM entities WHERE tenant=? AND source=? AND kind='membership' AND status='active'
                ORDER BY external_id
                """, [.text(tenant), .text(source)]) { row in
                if let pair = MembershipKey.split(row.text(0) ?? "") { out[pair.group, default: []].append(pair.member) }
            }
            return out
        }
    }
}

extension StateStore {
    /// Nested groups: every (transitive) member of a child group is listed as a member of each ancestor.
    /// The recursive query keeps distinct (ancestor, group) rows, so a cycle ends; returns the groups that
    /// reach themselves.
    fileprivate func flattenNestedGroups(_ db: any StateDatabase) throws -> [String] {
        let reach = """
            WITH RECURSIVE reach(top, g) AS (
                SELECT parent, child FROM group_edge
                UNION SELECT r.top, e.child FROM reach r JOIN group_edge e ON e.parent = r.g)
            """
        var cycles: [String] = []
        try db.query("\(reach) SELECT DISTINCT top FROM reach WHERE top = g ORDER BY top") { if let g = $0.text(0) { cycles.append(g) } }
        try db.run("""
            \(reach)
            INSERT INTO member_seen(group_id, member_id, op)
            SELECT DISTINCT r.top, m.member_id, 'list' FROM reach r
            JOIN member_seen m ON m.group_id = r.g AND m.op IN ('list','add') WHERE r.top <> r.g
            ON CONFLICT DO NOTHING
            """)
        return cycles
    }
}

extension StateStore.Batch {
    /// Parks one nested-group edge (`child` is a member of `parent`).
    func parkNestedGroup(parent: String, child: String) throws {
        try db.run("INSERT INTO group_edge(parent, child) VALUES(?,?) ON CONFLICT DO NOTHING", [.text(parent), .text(child)])
    }

    /// Parks one membership pair read from the source; a later mention of the same pair replaces it.
    func parkMember(group: String, member: String, op: MemberOp) throws {
        try db.run("""
            INSERT INTO member_seen(group_id, member_id, op) VALUES(?,?,?)
            ON CONFLICT(group_id, member_id) DO UPDATE SET op=excluded.op
            """,
                   [.text(group), .text(member), .text(op.rawValue)])
    }
}
