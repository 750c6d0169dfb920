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
