import Foundation
import Synchronization

/// The PostgreSQL backend of ``StateDatabase``: one connection whose `search_path` is the state schema
/// (migrated on first use per process), `?` parameters rewritten to `$N`, and — when it carries a
/// ``LeaseFence`` — every write checked against the source's lease generation in its own transaction.
public final class PostgresStateDatabase: StateDatabase {
    public let connection: PostgresConnection
    public let schema: String
    /// When set, every write transaction first checks (and share-locks) the source's lease row: a write
    /// with an older generation than the lease's is rejected before anything changes.
    public var fence: LeaseFence?
    private var inTransaction = false
    private var placeholders = SQLPlaceholderCache(SQLPlaceholders.postgres)

    private static let migrated = Mutex<Set<String>>([])

    /// Connects, migrates schema `schema` if this process has not yet, and selects it.
    /// `idleTransactionSeconds` ends a transaction left idle that long (a frozen process must not hold
    /// row locks that a successor waits on).
    public init(conninfo: String, schema: String = "xaas", idleTransactionSeconds: Int = 60) throws {
        connection = try PostgresConnection(conninfo: conninfo)
        self.schema = schema
        let key = "\(conninfo)\u{1F}\(schema)"
        if !Self.migrated.withLock({ $0.contains(key) }) {
            try PostgresSchema.migrate(connection, schema: schema)
            _ = Self.migrated.withLock { $0.insert(key) }
        }
        try connection.execute("""
            SET search_path TO \(PostgresSchema.quoteIdentifier(schema));
            SET idle_in_transaction_session_timeout = \(idleTransactionSeconds * 1000);
            """)
    }

    public var dialect: SQLDialect { .postgres }

    private func native(_ sql: String) -> String { placeholders.native(sql) }

    public func execute(_ sql: String) throws { try connection.execute(sql) }

    @discardableResult
    public func run(_ sql: String, _ bindings: [StateValue]) throws -> Int {
        if fence != nil && !inTransaction { return try transaction { try run(sql, bindings) } }
        return try connection.exec(native(sql), bindings).changedRows
    }

    public func query(_ sql: String, _ bindings: [StateValue], row: (any StateRow) throws -> Void) throws {
        if fence != nil && !inTransaction && Self.writes(sql) {
            return try transaction { try query(sql, bindings, row: row) }
        }
        let result = try connection.exec(native(sql), bindings)
        for i in 0..<result.rowCount { try row(result.row(i)) }
    }

    public func transaction<T>(_ body: () throws -> T) throws -> T {
        try connection.execute("BEGIN")
        inTransaction = true
        defer { inTransaction = false }
        do {
            if let fence { try fence.check(connection) }
            let value = try body()
            try connection.execute("COMMIT")
            return value
        } catch {
            try? connection.execute("ROLLBACK")
            throw error
        }
    }

    /// The server keeps its own cache: nothing to change for a scan.
    public func scanning<T>(_ body: (any StateDatabase) throws -> T) throws -> T { try body(self) }

    /// Deleted tuples are reclaimed by VACUUM: nothing to change.
    public func discarding<T>(_ body: () throws -> T) throws -> T { try body() }

    /// Whether a statement run through `query` changes data (`INSERT … RETURNING` and the like).
    static func writes(_ sql: String) -> Bool {
        let head = sql.drop(while: { $0.isWhitespace }).prefix(6).uppercased()
        return head.hasPrefix("INSERT") || head.hasPrefix("UPDATE") || head.hasPrefix("DELETE")
    }
}
