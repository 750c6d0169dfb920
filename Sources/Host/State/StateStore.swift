import Foundation

/// The persistent state of one config directory: what was last applied to Okta per entity, the plan of
/// the current run, a journal of import sessions, connector checkpoints and run history.
///
/// State for an entity changes only when the Okta session that carried it reached `COMPLETED`
/// (``commitSession(_:)``). A crash at any point therefore leaves either the old state (the next run
/// resends, and bulk-upsert is idempotent on externalId) or the new one.
///
/// ## Backends
/// SQLite (`state.sqlite` in the state directory, the default) or PostgreSQL (``StateBackend``), through
/// ``StateDatabase``; the SQL is the subset both accept.
///
/// ## Threading
/// Each instance owns one connection guarded by a lock; use one instance per source run.
/// Several processes may open the same file (WAL; writers wait on a busy timeout) or database.
public final class StateStore: @unchecked Sendable {
    /// Guards `db`.
    private let lock = NSLock()
    private let db: any StateDatabase
    /// The SQLite file, or the PostgreSQL server (password redacted) and schema.
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
        let sqlite = try SQLiteDatabase(path: path)
        db = SQLiteStateDatabase(sqlite)
        try db.execute(StateStore.schema)
        let version = try db.scalarInt("SELECT CAST(value AS INTEGER) FROM meta WHERE key='schema_version'") ?? 0
        guard version == Int64(StateStore.schemaVersion) else {
            throw StateError("\(path) has state schema \(version); this xaas uses \(StateStore.schemaVersion). Move the state directory aside to start over (the next run then re-applies every user).")
        }
    }

    /// Opens the state of one source in PostgreSQL (see ``PostgresStateDatabase``); with `fence`, every
    /// write is checked against the source's lease generation.
    public init(postgres database: PostgresStateDatabase, tenant: String, source: String) {
        path = "\(database.connection.server) schema \(database.schema)"
        self.tenant = tenant
        self.source = source
        db = database
    }

    /// The state of one source for a reader that must not create it (status page, alerts, lifecycle
    /// schedule): nil when SQLite has no `state.sqlite` yet or the database cannot be opened.
    public static func existing(_ backend: StateBackend, tenant: String, source: String) -> StateStore? {
        if case .sqlite(let directory) = backend,
           !FileManager.default.fileExists(atPath: directory.appendingPathComponent("state.sqlite").path) { return nil }
        return try? open(backend, tenant: tenant, source: source)
    }

    /// Opens the state of one source in `backend` (`fence`: PostgreSQL only, see ``LeaseFence``).
    public static func open(_ backend: StateBackend, tenant: String, source: String, fence: LeaseFence? = nil) throws -> StateStore {
        switch backend {
        case .sqlite(let directory):
            return try StateStore(directory: directory, tenant: tenant, source: source)
        case .postgres(let conninfo, let schema):
            let database = try PostgresStateDatabase(conninfo: conninfo, schema: schema)
            database.fence = fence
            return StateStore(postgres: database, tenant: tenant, source: source)
        }
    }

    /// Which engine holds this state.
    public var dialect: SQLDialect { withDatabase { $0.dialect } }

    /// Runs `body` with the connection, under the lock.
    @discardableResult
    func withDatabase<T>(_ body: (any StateDatabase) throws -> T) rethrows -> T {
        lock.lock()
        defer { lock.unlock() }
        return try body(db)
    }

    static let schema = """
    CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT);
    INSERT INTO meta(key, value) VALUES('schema_version', '3') ON CONFLICT DO NOTHING;
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
