import Foundation

/// The persistent state of one config directory: what was last applied to Okta per entity, the plan of
/// the current run, a journal of import sessions, connector checkpoints and run history.
///
/// State for an entity changes only when the Okta session that carried it reached `COMPLETED`
/// (``commitSession(_:)``). A crash at any point therefore leaves either the old state (the next run
/// resends, and bulk-upsert is idempotent on externalId) or the new one.
///
/// ## Threading
/// Each instance owns one SQLite connection guarded by a lock; use one instance per source run.
/// Several processes may open the same file (WAL; writers wait on a busy timeout).
public final class StateStore: @unchecked Sendable {
    /// Guards `db`.
    private let lock = NSLock()
    private let db: SQLiteDatabase
    public let path: String
    public let tenant: String
    public let source: String

    public static let schemaVersion = 3

    /// Opens the state database `state.sqlite` in `directory` (created 0700 if needed) for one source.
    ///
    /// Session ids are unique only within one Okta org, so the journal is keyed by (tenant, source, id).
    /// Applied profiles live in their own table, apart from the (status, hash) rows the planner looks up
    /// for every record, so that the lookup B-tree of a million users stays small enough to be cached.
    public init(directory: URL, tenant: String, source: String) throws {
        try FileManager.default.createDirectory(
            at: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        path = directory.appendingPathComponent("state.sqlite").path
        self.tenant = tenant
        self.source = source
        db = try SQLiteDatabase(path: path)
        try db.execute(StateStore.schema)
        let version = try db.scalarInt("SELECT CAST(value AS INTEGER) FROM meta WHERE key='schema_version'") ?? 0
        guard version == Int64(StateStore.schemaVersion) else {
            throw StateError("\(path) has state schema \(version); this xaas uses \(StateStore.schemaVersion). Move the state directory aside to start over (the next run then re-applies every user).")
        }
    }

    /// Runs `body` with the connection, under the lock.
    @discardableResult
    func withDatabase<T>(_ body: (SQLiteDatabase) throws -> T) rethrows -> T {
        lock.lock()
        defer { lock.unlock() }
        return try body(db)
    }

    static let schema = """
    CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT);
    INSERT OR IGNORE INTO meta(key, value) VALUES('schema_version', '3');
    CREATE TABLE IF NOT EXISTS entities(
        tenant TEXT NOT NULL, source TEXT NOT NULL, kind TEXT NOT NULL, external_id TEXT NOT NULL,
        status TEXT NOT NULL, hash INTEGER NOT NULL, updated_at REAL NOT NULL,
        PRIMARY KEY(tenant, source, kind, external_id)) WITHOUT ROWID;
    CREATE TABLE IF NOT EXISTS profiles(
        tenant TEXT NOT NULL, source TEXT NOT NULL, kind TEXT NOT NULL, external_id TEXT NOT NULL,
        profile TEXT NOT NULL, PRIMARY KEY(tenant, source, kind, external_id)) WITHOUT ROWID;
    CREATE TABLE IF NOT EXISTS runs(
        id INTEGER PRIMARY KEY, tenant TEXT NOT NULL, source TEXT NOT NULL, started_at REAL NOT NULL,
        finished_at REAL, status TEXT NOT NULL, dry_run INTEGER NOT NULL, report TEXT);
    CREATE TABLE IF NOT EXISTS plan(
        run_id INTEGER NOT NULL, seq INTEGER NOT NULL, kind TEXT NOT NULL, external_id TEXT NOT NULL,
        action TEXT NOT NULL, status TEXT NOT NULL, hash INTEGER NOT NULL, profile TEXT, reason TEXT,
        PRIMARY KEY(run_id, seq)) WITHOUT ROWID;
    CREATE TABLE IF NOT EXISTS sessions(
        id TEXT NOT NULL, tenant TEXT NOT NULL, source TEXT NOT NULL, identity_source_id TEXT NOT NULL,
        run_id INTEGER NOT NULL, state TEXT NOT NULL, requests INTEGER NOT NULL DEFAULT 0,
        created_at REAL NOT NULL, triggered_at REAL, finished_at REAL, okta_status TEXT, report TEXT,
        PRIMARY KEY(tenant, source, id));
    CREATE TABLE IF NOT EXISTS session_entities(
        tenant TEXT NOT NULL, source TEXT NOT NULL, session_id TEXT NOT NULL, kind TEXT NOT NULL,
        external_id TEXT NOT NULL, status TEXT NOT NULL, hash INTEGER NOT NULL, profile TEXT,
        PRIMARY KEY(tenant, source, session_id, kind, external_id)) WITHOUT ROWID;
    CREATE TABLE IF NOT EXISTS checkpoints(
        tenant TEXT NOT NULL, source TEXT NOT NULL, checkpoint TEXT NOT NULL, updated_at REAL NOT NULL,
        PRIMARY KEY(tenant, source));
    """
}
