import Foundation

/// The SQLite backend of ``StateDatabase``: a ``SQLiteDatabase`` whose statements may use `$N` parameters
/// (rewritten once per distinct statement to SQLite's `?N`, which binds by number).
public final class SQLiteStateDatabase: StateDatabase {
    public let sqlite: SQLiteDatabase
    private var placeholders = SQLPlaceholderCache(SQLPlaceholders.sqlite)

    public init(_ sqlite: SQLiteDatabase) { self.sqlite = sqlite }

    public var dialect: SQLDialect { .sqlite }

    private func native(_ sql: String) -> String { placeholders.native(sql) }

    public func execute(_ sql: String) throws { try sqlite.execute(sql) }

    @discardableResult
    public func run(_ sql: String, _ bindings: [StateValue]) throws -> Int {
        try sqlite.run(native(sql), bindings)
    }

    public func query(_ sql: String, _ bindings: [StateValue], row: (any StateRow) throws -> Void) throws {
        try sqlite.query(native(sql), bindings) { statement in try row(statement) }
    }

    public func transaction<T>(_ body: () throws -> T) throws -> T { try sqlite.transaction(body) }

    /// The page cache of a ``scanning(_:)`` connection: enough for one cursor's B-tree path.
    static let scanCacheKiB = 1024

    /// Runs `body` on a short-lived second connection to the same file with a 1 MiB page cache (this one's
    /// cache, and what it holds, stay as they are); on this connection for an in-memory database.
    public func scanning<T>(_ body: (any StateDatabase) throws -> T) throws -> T {
        guard sqlite.filePath != nil else { return try body(self) }
        let side = SQLiteStateDatabase(try sqlite.sibling(cacheKiB: Self.scanCacheKiB))
        return try body(side)
    }

    public func discarding<T>(_ body: () throws -> T) throws -> T { try sqlite.withFastSecureDelete(body) }
}
