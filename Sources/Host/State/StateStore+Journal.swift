import Foundation

/// A session in our journal: what we opened, what we sent, and how it ended.
public struct JournalSession: Sendable, Equatable {
    /// Our view of the session's life.
    public enum State: String, Sendable {
        /// Created in Okta; bulk requests may have been accepted.
        case open
        /// start-import accepted; waiting for COMPLETED.
        case triggered
        /// COMPLETED and its entities committed to state.
        case committed
        /// Ended without effect (cancelled, expired, ERROR): its entities were never committed.
        case abandoned
    }

    public var id: String
    public var identitySourceId: String
    public var runId: Int64
    public var state: State
    public var requests: Int
    public var createdAt: Double
    public var triggeredAt: Double?
}

/// One entity carried by a bulk request, as recorded before the request is sent.
public struct JournalEntity: Sendable {
    public var kind: EntityKind
    public var externalId: String
    public var status: EntityStatus
    public var hash: Int64
    public var profileJSON: String?

    public init(kind: EntityKind, externalId: String, status: EntityStatus, hash: Int64, profileJSON: String?) {
        self.kind = kind
        self.externalId = externalId
        self.status = status
        self.hash = hash
        self.profileJSON = profileJSON
    }
}

extension StateStore {
    /// Records a session Okta just created for this source.
    public func recordSessionCreated(id: String, identitySourceId: String, runId: Int64) throws {
        try withDatabase { db in
            try db.run("""
                INSERT INTO sessions(id, tenant, source, identity_source_id, run_id, state, created_at)
                VALUES(?,?,?,?,?,'open',?) ON CONFLICT DO NOTHING
                """, [.text(id), .text(tenant), .text(source), .text(identitySourceId), .int(runId),
                      .double(Date().timeIntervalSince1970)])
        }
    }

    /// Records the entities of one bulk request about to be sent in session `id`. Called before the
    /// request, so that a crash after Okta accepted it still knows what the session carries.
    public func recordBulkRequest(sessionId: String, entities: [JournalEntity]) throws {
        try withDatabase { db in
            try db.transaction {
                for e in entities {
                    try db.run("""
                        INSERT INTO session_entities(tenant, source, session_id, kind, external_id, status, hash, profile)
                        VALUES(?,?,?,?,?,?,?,?)
                        ON CONFLICT(tenant, source, session_id, kind, external_id) DO UPDATE SET
                            status=excluded.status, hash=excluded.hash, profile=excluded.profile
                        """, [.text(tenant), .text(source), .text(sessionId), .text(e.kind.rawValue), .text(e.externalId), .text(e.status.rawValue),
                              .int(e.hash), .optional(e.profileJSON)])
                }
                try db.run("UPDATE sessions SET requests = requests + 1 WHERE tenant=? AND source=? AND id=?",
                           [.text(tenant), .text(source), .text(sessionId)])
            }
        }
    }

    /// Marks session `id` as triggered (start-import accepted) at `time` (epoch seconds).
    public func recordSessionTriggered(_ id: String, at time: Double = Date().timeIntervalSince1970) throws {
        try withDatabase { db in
            try db.run("UPDATE sessions SET state='triggered', triggered_at=? WHERE tenant=? AND source=? AND id=?",
                       [.double(time), .text(tenant), .text(source), .text(id)])
        }
    }

    /// Okta reported `COMPLETED` for session `id`: applies its entities to state, atomically.
    public func commitSession(_ id: String, oktaReport: String? = nil) throws {
        try withDatabase { db in
            try db.transaction {
                try db.run("""
                    INSERT INTO entities(tenant, source, kind, external_id, status, hash, updated_at)
                    SELECT ?, ?, kind, external_id, status, hash, ? FROM session_entities
                    WHERE tenant=? AND source=? AND session_id=?
                    ON CONFLICT(tenant, source, kind, external_id) DO UPDATE SET
                        status=excluded.status, hash=excluded.hash, updated_at=excluded.updated_at
                    """, [.text(tenant), .text(source), .double(Date().timeIntervalSince1970),
                          .text(tenant), .text(source), .text(id)])
                try db.run("""
                    INSERT INTO profiles(tenant, source, kind, external_id, profile)
                    SELECT tenant, source, kind, external_id, profile FROM session_entities
                    WHERE tenant=? AND source=? AND session_id=? AND profile IS NOT NULL
                    ON CONFLICT(tenant, source, kind, external_id) DO UPDATE SET profile=excluded.profile
                    """, [.text(tenant), .text(source), .text(id)])
                try pruneGroupState(db, sessionId: id)
                try db.run("DELETE FROM session_entities WHERE tenant=? AND source=? AND session_id=?",
                           [.text(tenant), .text(source), .text(id)])
                try db.run("""
                    UPDATE sessions SET state='committed', okta_status='COMPLETED', finished_at=?, report=?
                    WHERE tenant=? AND source=? AND id=?
                    """, [.double(Date().timeIntervalSince1970), .optional(oktaReport), .text(tenant), .text(source), .text(id)])
            }
        }
    }

    /// Session `id` ended without effect (`oktaStatus` says how): its entities are forgotten.
    public func abandonSession(_ id: String, oktaStatus: String) throws {
        try withDatabase { db in
            try db.transaction {
                try db.run("DELETE FROM session_entities WHERE tenant=? AND source=? AND session_id=?",
                           [.text(tenant), .text(source), .text(id)])
                try db.run("UPDATE sessions SET state='abandoned', okta_status=?, finished_at=? WHERE tenant=? AND source=? AND id=?",
                           [.text(oktaStatus), .double(Date().timeIntervalSince1970), .text(tenant), .text(source), .text(id)])
            }
        }
    }

    /// Sessions of this source that are neither committed nor abandoned.
    public func unfinishedSessions() throws -> [JournalSession] {
        try sessions(where: "state IN ('open','triggered')")
    }

    /// The latest sessions of this source, newest first.
    public func recentSessions(limit: Int = 20) throws -> [JournalSession] {
        try sessions(where: "1=1", limit: limit)
    }

    /// When this source last triggered an import (for the cool-down between sessions).
    public func lastTriggeredAt() throws -> Double? {
        try withDatabase { db in
            var result: Double?
            try db.query("SELECT max(triggered_at) FROM sessions WHERE tenant=? AND source=?",
                         [.text(tenant), .text(source)]) { row in
                if !row.isNull(0) { result = row.double(0) }
            }
            return result
        }
    }

    private func sessions(where condition: String, limit: Int = 1000) throws -> [JournalSession] {
        try withDatabase { db in
            var out: [JournalSession] = []
            try db.query("""
                SELECT id, identity_source_id, run_id, state, requests, created_at, triggered_at FROM sessions
                WHERE tenant=? AND source=? AND \(condition) ORDER BY created_at DESC LIMIT ?
                """, [.text(tenant), .text(source), .int(Int64(limit))]) { row in
                out.append(JournalSession(
                    id: row.text(0) ?? "", identitySourceId: row.text(1) ?? "", runId: row.int(2),
                    state: JournalSession.State(rawValue: row.text(3) ?? "") ?? .abandoned,
                    requests: Int(row.int(4)), createdAt: row.double(5),
                    triggeredAt: row.isNull(6) ? nil : row.double(6)))
            }
            return out
        }
    }
}

extension StateStore {
    /// The entities recorded for session `id` (to resend them after the session ended in ERROR).
    public func sessionEntities(_ id: String) throws -> [JournalEntity] {
        try withDatabase { db in
            var out: [JournalEntity] = []
            try db.query("""
                SELECT kind, external_id, status, hash, profile FROM session_entities
                WHERE tenant=? AND source=? AND session_id=?
                """, [.text(tenant), .text(source), .text(id)]) { row in
                // Only xaas writes the journal: a kind it does not know is passed over (never resent).
                guard let kind = EntityKind(rawValue: row.text(0) ?? "") else { return }
                out.append(JournalEntity(
                    kind: kind, externalId: row.text(1) ?? "",
                    status: EntityStatus(rawValue: row.text(2) ?? "") ?? .active, hash: row.int(3),
                    profileJSON: row.text(4)))
            }
            return out
        }
    }

    private var pendingCreateKey: String { "pending_create:\(tenant)/\(source)" }

    /// Notes that a create-session call is about to be sent (so that after a crash between Okta creating
    /// the session and us recording it, recovery can recognise the session as ours).
    public func markSessionCreatePending(at time: Double) throws {
        try withDatabase { db in
            try db.run("INSERT INTO meta(key, value) VALUES(?,?) ON CONFLICT(key) DO UPDATE SET value=excluded.value",
                       [.text(pendingCreateKey), .text(String(time))])
        }
    }

    /// Clears the pending-create note.
    public func clearSessionCreatePending() throws {
        try withDatabase { db in try db.run("DELETE FROM meta WHERE key=?", [.text(pendingCreateKey)]) }
    }

    /// When a create-session call was last sent without its session being recorded, if ever.
    public func sessionCreatePendingSince() throws -> Double? {
        try withDatabase { db in
            var result: Double?
            try db.query("SELECT value FROM meta WHERE key=?", [.text(pendingCreateKey)]) { row in
                result = row.text(0).flatMap(Double.init)
            }
            return result
        }
    }
}
