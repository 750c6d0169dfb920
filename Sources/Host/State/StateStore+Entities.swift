import Foundation

/// What state remembers of one entity: the status and profile last applied to Okta.
public struct AppliedEntity: Sendable, Equatable {
    public var status: EntityStatus
    public var hash: Int64
    public var profileJSON: String?
}

/// An entity's status as applied to Okta.
public enum EntityStatus: String, Sendable {
    case active, inactive
}

extension StateStore {
    /// The applied state of one entity, or `nil` when it was never applied.
    public func applied(kind: EntityKind, externalId: String) throws -> AppliedEntity? {
        try withDatabase { db in
            var result: AppliedEntity?
            try db.query(
                """
                SELECT e.status, e.hash, p.profile FROM entities e LEFT JOIN profiles p
                  ON p.tenant=e.tenant AND p.source=e.source AND p.kind=e.kind AND p.external_id=e.external_id
                WHERE e.tenant=? AND e.source=? AND e.kind=? AND e.external_id=?
                """,
                [.text(tenant), .text(source), .text(kind.rawValue), .text(externalId)]
            ) { row in
                result = AppliedEntity(
                    status: EntityStatus(rawValue: row.text(0) ?? "") ?? .inactive, hash: row.int(1),
                    profileJSON: row.text(2))
            }
            return result
        }
    }

    /// Counts applied entities of `kind` (optionally only those with `status`): a scan of the kind's rows,
    /// kept out of the page cache (``StateDatabase/scanning(_:)``).
    public func appliedCount(kind: EntityKind, status: EntityStatus? = nil) throws -> Int {
        try withDatabase { main in try main.scanning { db in
            if let status {
                return Int(try db.scalarInt(
                    "SELECT count(*) FROM entities WHERE tenant=? AND source=? AND kind=? AND status=?",
                    [.text(tenant), .text(source), .text(kind.rawValue), .text(status.rawValue)]) ?? 0)
            }
            return Int(try db.scalarInt(
                "SELECT count(*) FROM entities WHERE tenant=? AND source=? AND kind=?",
                [.text(tenant), .text(source), .text(kind.rawValue)]) ?? 0)
        } }
    }

    /// Every applied entity of this source (for tests and `status`), keyed by "kind/externalId".
    public func allApplied() throws -> [String: AppliedEntity] {
        try withDatabase { db in
            var out: [String: AppliedEntity] = [:]
            try db.query(
                """
                SELECT e.kind, e.external_id, e.status, e.hash, p.profile FROM entities e LEFT JOIN profiles p
                  ON p.tenant=e.tenant AND p.source=e.source AND p.kind=e.kind AND p.external_id=e.external_id
                WHERE e.tenant=? AND e.source=?
                """,
                [.text(tenant), .text(source)]
            ) { row in
                out["\(row.text(0) ?? "")/\(row.text(1) ?? "")"] = AppliedEntity(
                    status: EntityStatus(rawValue: row.text(2) ?? "") ?? .inactive, hash: row.int(3),
                    profileJSON: row.text(4))
            }
            return out
        }
    }

    /// The last persisted connector checkpoint of this source.
    public func checkpoint() throws -> String? {
        try withDatabase { db in
            var result: String?
            try db.query("SELECT checkpoint FROM checkpoints WHERE tenant=? AND source=?",
                         [.text(tenant), .text(source)]) { result = $0.text(0) }
            return result
        }
    }

    /// Persists (or, with `nil`, forgets) the connector checkpoint.
    public func saveCheckpoint(_ checkpoint: String?) throws {
        try withDatabase { db in
            if let checkpoint {
                try db.run("""
                    INSERT INTO checkpoints(tenant, source, checkpoint, updated_at) VALUES(?,?,?,?)
                    ON CONFLICT(tenant, source) DO UPDATE SET checkpoint=excluded.checkpoint, updated_at=excluded.updated_at
                    """, [.text(tenant), .text(source), .text(checkpoint), .double(Date().timeIntervalSince1970)])
            } else {
                try db.run("DELETE FROM checkpoints WHERE tenant=? AND source=?", [.text(tenant), .text(source)])
            }
        }
    }
}
