import Foundation

extension StateStore {
    /// The mean import time (trigger → COMPLETED, seconds) of this source's last `limit` committed
    /// sessions, or `nil` when there are none (the ETA's first guess for the next run).
    public func recentImportSeconds(limit: Int = 10) throws -> Double? {
        try withDatabase { db in
            var result: Double?
            try db.query("""
                SELECT avg(finished_at - triggered_at) FROM (SELECT finished_at, triggered_at FROM sessions
                WHERE tenant=? AND source=? AND state='committed' AND triggered_at IS NOT NULL AND finished_at IS NOT NULL
                ORDER BY finished_at DESC LIMIT ?)
                """, [.text(tenant), .text(source), .int(Int64(limit))]) { row in
                if !row.isNull(0) { result = row.double(0) }
            }
            return result
        }
    }
}

extension StateStore {
    /// The latest run of this source: its id, status and when it finished (`nil` while running).
    public func latestRun() throws -> (id: Int64, status: String, finishedAt: Double?, dryRun: Bool)? {
        try withDatabase { db in
            var result: (Int64, String, Double?, Bool)?
            try db.query("SELECT id, status, finished_at, dry_run FROM runs WHERE tenant=? AND source=? ORDER BY id DESC LIMIT 1",
                         [.text(tenant), .text(source)]) { row in
                result = (row.int(0), row.text(1) ?? "", row.isNull(2) ? nil : row.double(2), row.int(3) != 0)
            }
            return result
        }
    }

    /// When this source's last ok (non-dry) run finished, if ever.
    public func lastSuccessAt() throws -> Double? {
        try withDatabase { db in
            var result: Double?
            try db.query("SELECT max(finished_at) FROM runs WHERE tenant=? AND source=? AND status='ok' AND dry_run=0",
                         [.text(tenant), .text(source)]) { row in
                if !row.isNull(0) { result = row.double(0) }
            }
            return result
        }
    }
}
