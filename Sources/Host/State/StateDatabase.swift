import Foundation

/// A value bound to a statement parameter of a ``StateDatabase`` (SQLite's value type, shared by both backends).
public typealias StateValue = SQLiteValue

/// One result row of a ``StateDatabase`` query (valid only inside the row callback).
public protocol StateRow {
    func int(_ column: Int32) -> Int64
    func double(_ column: Int32) -> Double
    func isNull(_ column: Int32) -> Bool
    func text(_ column: Int32) -> String?
    /// The UTF-8 bytes of a text column, valid only inside `body` (empty for NULL): for hot loops that
    /// must not make a `String` per row (loading the planner's ``StateIndex``).
    func withText<R>(_ column: Int32, _ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R
}

extension SQLiteStatement: StateRow {}

/// The SQL flavour behind a ``StateDatabase``: the few places where SQLite and PostgreSQL cannot share text.
public enum SQLDialect: String, Sendable {
    case sqlite, postgres

    /// `" WITHOUT ROWID"` on SQLite (tables keyed by text), nothing on PostgreSQL.
    public var withoutRowid: String { self == .sqlite ? " WITHOUT ROWID" : "" }
}

/// What ``StateStore`` needs from a database: statements with positional parameters, queries, and
/// transactions. Two implementations: ``SQLiteStateDatabase`` (the default, one file per state
/// directory) and ``PostgresStateDatabase`` (several `xaas serve` hosts sharing one database).
///
/// ## SQL
/// Statements use the subset both engines accept: `$1, $2…` placeholders (`?` and `?N` are accepted too
/// and rewritten), `INSERT … ON CONFLICT (…) DO UPDATE/DO NOTHING`, temporary tables named without a
/// schema, no `rowid` and no PRAGMA. Schema text that must differ (types, `WITHOUT ROWID`) asks ``dialect``.
///
/// ## Threading
/// One connection, used by one thread at a time (``StateStore`` serialises access with its lock).
public protocol StateDatabase: AnyObject {
    var dialect: SQLDialect { get }
    /// Runs one or more SQL statements without parameters or results.
    func execute(_ sql: String) throws
    /// Runs `sql` with `bindings`; returns the number of changed rows.
    @discardableResult
    func run(_ sql: String, _ bindings: [StateValue]) throws -> Int
    /// Runs a query and calls `row` for each result row.
    func query(_ sql: String, _ bindings: [StateValue], row: (any StateRow) throws -> Void) throws
    /// Runs `body` in one write transaction, rolling back if it throws.
    func transaction<T>(_ body: () throws -> T) throws -> T
    /// Runs `body` with the database to use for one pass over many rows read once (the index load, a
    /// count, emptying the plan table): SQLite hands over a short-lived second connection with a small page
    /// cache, so those pages neither grow the process nor evict what this connection's cache holds;
    /// PostgreSQL hands over itself. `body` must not need this connection's open transaction or temp tables.
    func scanning<T>(_ body: (any StateDatabase) throws -> T) throws -> T
    /// Runs `body`, deletes of many rows whose content is kept elsewhere in state too (a finished run's
    /// plan): SQLite frees their pages without overwriting each one (`secure_delete=FAST`).
    func discarding<T>(_ body: () throws -> T) throws -> T
}

extension StateDatabase {
    @discardableResult
    public func run(_ sql: String) throws -> Int { try run(sql, []) }

    public func query(_ sql: String, row: (any StateRow) throws -> Void) throws { try query(sql, [], row: row) }

    /// The first column of the first row, as an integer (or `nil` when there is no row or it is NULL).
    public func scalarInt(_ sql: String, _ bindings: [StateValue] = []) throws -> Int64? {
        var result: Int64?
        var first = true
        try query(sql, bindings) { row in
            if first { result = row.isNull(0) ? nil : row.int(0) }
            first = false
        }
        return result
    }
}
