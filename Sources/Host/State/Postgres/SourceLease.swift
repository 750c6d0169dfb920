import Foundation
import XaasJSON

/// A host's right to run one source, for `xaas serve` on PostgreSQL: a session-level advisory lock held
/// on a connection of its own, plus the lease row's **generation** (the fencing token), incremented on
/// every acquisition and checked by every write of the run (``LeaseFence``).
///
/// The connection sets `idle_session_timeout` to the lease's time-to-live and ``renew()`` touches it every
/// third of that: a crashed host's connection closes (its lock frees at once on a local network, or when
/// TCP keepalive gives up), and a frozen or partitioned host's session is ended by the server after the
/// time-to-live, so the source can be taken over. Whoever takes it over increments the generation first,
/// so the old holder's writes are rejected from then on. `lock_timeout` and `statement_timeout` (the
/// time-to-live, twice that) keep a lease call from waiting forever behind a frozen writer's row lock.
///
/// ## Threading
/// All calls are serialised by an internal lock (the heartbeat runs on another thread than the run).
public final class SourceLease: @unchecked Sendable {
    public let tenant: String
    public let source: String
    public let holder: String
    public let generation: Int64
    /// When the lease was acquired: the last run the cluster started for this source and whether it ended.
    public let lastRunStartedAt: Double?
    public let lastRunFinished: Bool

    private let connection: PostgresConnection
    private let lockKey: (Int32, Int64)
    private let lock = NSLock()
    private var released = false

    private init(connection: PostgresConnection, tenant: String, source: String, holder: String, generation: Int64,
                 lockKey: (Int32, Int64), lastRunStartedAt: Double?, lastRunFinished: Bool) {
        self.connection = connection
        self.tenant = tenant
        self.source = source
        self.holder = holder
        self.generation = generation
        self.lockKey = lockKey
        self.lastRunStartedAt = lastRunStartedAt
        self.lastRunFinished = lastRunFinished
    }

    /// Takes the lease of `tenant/source` for `holder` if no other session holds it; `nil` when held.
    public static func tryAcquire(conninfo: String, schema: String, tenant: String, source: String, holder: String,
                                  ttlSeconds: Int) throws -> SourceLease? {
        // The state schema must exist (and be current) before the lease table is used.
        _ = try PostgresStateDatabase(conninfo: conninfo, schema: schema)
        let connection = try PostgresConnection(conninfo: conninfo)
        try connection.execute("""
            SET search_path TO \(PostgresSchema.quoteIdentifier(schema));
            SET idle_session_timeout = \(max(1, ttlSeconds) * 1000);
            SET lock_timeout = \(max(1, ttlSeconds) * 1000);
            SET statement_timeout = \(max(1, ttlSeconds) * 2000);
            """)
        let key: [StateValue] = [.text(tenant), .text(source)]
        _ = try connection.exec("INSERT INTO leases(tenant, source) VALUES($1, $2) ON CONFLICT DO NOTHING", key)
        let id = try connection.exec("SELECT id FROM leases WHERE tenant=$1 AND source=$2", key).row(0).int(0)
        let lockKey = (PostgresSchema.lockClass(schema), id)
        let locked = try connection.exec("SELECT pg_try_advisory_lock($1::integer, $2::integer)",
                                         [.int(Int64(lockKey.0)), .int(lockKey.1)])
        guard locked.row(0).text(0) == "t" else { return nil }
        let row = try connection.exec("""
            UPDATE leases SET generation = generation + 1, holder = $3, acquired_at = extract(epoch FROM now()),
                   renewed_at = extract(epoch FROM now()), released_at = NULL
            WHERE tenant=$1 AND source=$2 RETURNING generation, run_started_at, run_finished_at
            """, key + [.text(holder)]).row(0)
        return SourceLease(connection: connection, tenant: tenant, source: source, holder: holder,
                           generation: row.int(0), lockKey: lockKey,
                           lastRunStartedAt: row.isNull(1) ? nil : row.double(1), lastRunFinished: !row.isNull(2))
    }

    /// Whether the cluster owes `schedule` a run of this source at `now`: never run, an unfinished run (its
    /// host died or stopped mid-run: resume it), or the schedule's next time after the last start has come.
    /// Returns `nil` when due, else when it next is.
    public func nextDue(schedule: Schedule, now: Date) -> Date? {
        guard let started = lastRunStartedAt, lastRunFinished else { return nil }
        let start = Date(timeIntervalSince1970: started)
        guard let next = schedule.nextDue(after: start, now: start), next > now else { return nil }
        return next
    }

    /// Records that this host starts the source's run (fenced by generation).
    public func runStarted(at time: Date = Date()) throws {
        try update("UPDATE leases SET run_started_at=$4, run_finished_at=NULL WHERE tenant=$1 AND source=$2 AND generation=$3",
                   [.double(time.timeIntervalSince1970)])
    }

    /// Records that the run ended (fenced by generation).
    public func runFinished(at time: Date = Date()) throws {
        try update("UPDATE leases SET run_finished_at=$4 WHERE tenant=$1 AND source=$2 AND generation=$3",
                   [.double(time.timeIntervalSince1970)])
    }

    /// Proves the session is alive (and resets the server's idle timer); throws ``LeaseError/lost`` when the
    /// connection is gone or another host took the source over.
    public func renew() throws {
        try update("UPDATE leases SET renewed_at=extract(epoch FROM now()) WHERE tenant=$1 AND source=$2 AND generation=$3", [])
    }

    /// Unlocks and closes the lease connection (clean stop). Safe to call twice.
    public func release() {
        lock.lock()
        defer { lock.unlock() }
        guard !released else { return }
        released = true
        _ = try? connection.exec("""
            UPDATE leases SET released_at=extract(epoch FROM now()) WHERE tenant=$1 AND source=$2 AND generation=$3
            """, [.text(tenant), .text(source), .int(generation)])
        _ = try? connection.exec("SELECT pg_advisory_unlock($1::integer, $2::integer)",
                                 [.int(Int64(lockKey.0)), .int(lockKey.1)])
    }

    private func update(_ sql: String, _ extra: [StateValue]) throws {
        lock.lock()
        defer { lock.unlock() }
        guard !released else { throw LeaseError.lost(tenant: tenant, source: source, generation: generation, reason: "released") }
        let changed: Int
        do {
            changed = try connection.exec(sql, [.text(tenant), .text(source), .int(generation)] + extra).changedRows
        } catch {
            throw LeaseError.lost(tenant: tenant, source: source, generation: generation, reason: "\(error)")
        }
        guard changed == 1 else {
            throw LeaseError.lost(tenant: tenant, source: source, generation: generation, reason: "another host holds a newer generation")
        }
    }
}

/// Who holds each source's lease, for `xaas status` and the status page.
public struct LeaseHolder: Sendable, Equatable {
    public var holder: String?
    public var generation: Int64
    /// Held now (the lock's session is alive), as far as PostgreSQL knows.
    public var held: Bool

    /// `{"holder", "generation", "held"}` for `xaas status --json`.
    var json: JSONValue {
        .object([("holder", holder.map { .string($0) } ?? .null), ("generation", .number(String(generation))),
                 ("held", .bool(held))])
    }

    /// `host-a gen 3 (held)`, `host-a gen 3 (free)`, or `-` when the source never had a lease.
    public static func describe(_ lease: LeaseHolder?) -> String {
        guard let lease, let holder = lease.holder else { return "-" }
        return "\(holder) gen \(lease.generation) (\(lease.held ? "held" : "free"))"
    }

    /// Every lease row of the schema, keyed by `tenant/source`.
    public static func all(conninfo: String, schema: String) throws -> [String: LeaseHolder] {
        let database = try PostgresStateDatabase(conninfo: conninfo, schema: schema)
        let lockClass = PostgresSchema.lockClass(schema)
        var out: [String: LeaseHolder] = [:]
        try database.query("""
            SELECT l.tenant, l.source, l.holder, l.generation,
                   EXISTS (SELECT 1 FROM pg_locks k WHERE k.locktype='advisory' AND k.granted
                           AND k.classid::bigint = $1 AND k.objid::bigint = l.id)
            FROM leases l
            """, [.int(Int64(lockClass))]) { row in
            out["\(row.text(0) ?? "")/\(row.text(1) ?? "")"] = LeaseHolder(
                holder: row.text(2), generation: row.int(3), held: row.int(4) != 0)
        }
        return out
    }
}
