import Foundation

/// Status-page approvals kept in shared (PostgreSQL) state: see ``ApprovalStore``, which uses these when
/// several hosts share the sources, so that an approval given on one host's status page reaches the run of
/// whichever host takes the source next.
extension StateStore {
    /// Records an approval of `count` deactivations for this source's next run (replacing an earlier one).
    func recordApproval(_ count: Int, at time: Double) throws {
        _ = try withDatabase { db in
            try db.run("""
                INSERT INTO approvals(tenant, source, deactivations, approved_at) VALUES($1, $2, $3, $4)
                ON CONFLICT(tenant, source) DO UPDATE SET deactivations=excluded.deactivations, approved_at=excluded.approved_at
                """, [.text(tenant), .text(source), .int(Int64(count)), .double(time)])
        }
    }

    /// The approved count waiting for this source's next run, if any.
    func pendingApproval() throws -> Int? {
        try withDatabase { db in
            try db.scalarInt("SELECT deactivations FROM approvals WHERE tenant=$1 AND source=$2",
                             [.text(tenant), .text(source)]).map(Int.init)
        }
    }

    /// Removes this source's approval (its run used it).
    func consumeApproval() throws {
        _ = try withDatabase { db in
            try db.run("DELETE FROM approvals WHERE tenant=$1 AND source=$2", [.text(tenant), .text(source)])
        }
    }
}
