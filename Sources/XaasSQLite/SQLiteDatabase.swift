import CSQLite
import Foundation

/// An error from SQLite, with the statement that failed.
public struct SQLiteError: Error, CustomStringConvertible, Sendable {
    public var code: Int32
    public var message: String
    public var description: String { "SQLite error \(code): \(message)" }
}

/// A thin wrapper over one SQLite connection (WAL mode, foreign keys on, busy timeout): the one SQLite
/// wrapper of xaas, used by the host's state (`StateStore`) and the emulator's state file (`EmulatorStore`).
///
/// What was internal when it lived in Host (the raw handle, statement stepping) is `package`: Host sees
/// the same API as before.
///
/// ## Threading
/// A connection is used by one thread at a time (the owner serialises access); SQLite is built
/// thread-safe, so different connections may be used from different threads.
public final class SQLiteDatabase {
    package let handle: OpaquePointer
    private var statements: [String: SQLiteStatement] = [:]

    /// Opens (creating if needed) the database at `path`.
    public init(path: String) throws(SQLiteError) {
        var db: OpaquePointer?
        let flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX
        let rc = sqlite3_open_v2(path, &db, flags, nil)
        guard rc == SQLITE_OK, let db else {
            let message = db.map { String(cString: sqlite3_errmsg($0)) } ?? "cannot open"
            if let db { sqlite3_close_v2(db) }
            throw SQLiteError(code: rc, message: "\(path): \(message)")
        }
        handle = db
        sqlite3_busy_timeout(db, 30_000)
        try execute("PRAGMA journal_mode=WAL")
        try execute("PRAGMA synchronous=NORMAL")
        try execute("PRAGMA foreign_keys=ON")
        try execute("PRAGMA temp_store=FILE")
        // A bounded page cache (64 MiB): the planner's lookups of a million entities stay in memory
        // while the process does not grow with the source.
        try execute("PRAGMA cache_size=-\(Self.cacheKiB)")
    }

    /// The page cache of a connection, in KiB (`PRAGMA cache_size=-cacheKiB`).
    public static let cacheKiB = 65536

    /// The file this connection opened, `nil` for an in-memory or temporary database.
    public var filePath: String? {
        guard let name = sqlite3_db_filename(handle, "main") else { return nil }
        let path = String(cString: name)
        return path.isEmpty ? nil : path
    }

    /// A second connection to the same file with its page cache limited to `cacheKiB`: for one pass over
    /// many pages read once (loading the planner's index, a count, emptying a large table), which on this
    /// connection would fill its cache — and the process — with pages nobody reads again, or evict the ones
    /// it still needs. Let it go when done (closing frees its cache).
    public func sibling(cacheKiB: Int) throws(SQLiteError) -> SQLiteDatabase {
        guard let path = filePath else {
            throw SQLiteError(code: SQLITE_MISUSE, message: "an in-memory database has no second connection")
        }
        let side = try SQLiteDatabase(path: path)
        try side.execute("PRAGMA cache_size=-\(cacheKiB)")
        return side
    }

    /// Runs `body` with `PRAGMA secure_delete=FAST` (the Debian build defaults to ON), then restores the
    /// setting: deleted rows are still zeroed where that costs no extra write, but freed pages are not
    /// overwritten, so emptying a large table frees its pages without writing each one. For deletes of rows
    /// whose content is kept elsewhere in the same file anyway.
    public func withFastSecureDelete<T>(_ body: () throws -> T) throws -> T {
        let previous = try scalarInt("PRAGMA secure_delete") ?? 1
        try execute("PRAGMA secure_delete=FAST")
        defer { try? execute("PRAGMA secure_delete=\(previous)") }
        return try body()
    }

    deinit {
        statements.removeAll()
        sqlite3_close_v2(handle)
    }

    /// Runs one or more SQL statements without results.
    ///
    /// SQLite answers some lock conflicts with `SQLITE_BUSY` at once instead of calling the busy handler —
    /// notably switching a new database to WAL while another process opens it too (several workers
    /// starting on a fresh state directory). Those are retried with backoff for up to 30 s.
    public func execute(_ sql: String) throws(SQLiteError) {
        var delay: UInt32 = 2_000
        var waited: UInt32 = 0
        while true {
            var error: UnsafeMutablePointer<CChar>?
            let rc = sqlite3_exec(handle, sql, nil, nil, &error)
            if rc == SQLITE_OK { return }
            let message = error.map { String(cString: $0) } ?? "error"
            sqlite3_free(error)
            let primary = rc & 0xFF
            guard primary == SQLITE_BUSY || primary == SQLITE_LOCKED, waited < 30_000_000 else {
                throw SQLiteError(code: rc, message: message)
            }
            usleep(delay)
            waited += delay
            delay = min(delay * 2, 200_000)
        }
    }

    /// A cached prepared statement for `sql`, reset and with its bindings cleared.
    public func prepare(_ sql: String) throws(SQLiteError) -> SQLiteStatement {
        if let cached = statements[sql] {
            cached.reset()
            return cached
        }
        let statement = try SQLiteStatement(database: self, sql: sql)
        statements[sql] = statement
        return statement
    }

    /// Runs `sql` with `bindings` and no result rows; returns the number of changed rows.
    @discardableResult
    public func run(_ sql: String, _ bindings: [SQLiteValue] = []) throws(SQLiteError) -> Int {
        do {
            return try retryingBusy {
                let statement = try prepare(sql)
                try statement.bind(bindings)
                while try statement.step() {}
                return Int(sqlite3_changes(handle))
            }
        } catch let error as SQLiteError {
            throw error
        } catch {
            throw SQLiteError(code: SQLITE_ERROR, message: "\(error)")
        }
    }

    /// Runs a query and calls `row` for each result row.
    public func query(_ sql: String, _ bindings: [SQLiteValue] = [], row: (SQLiteStatement) throws -> Void) throws {
        var delivered = false
        // Rows already handed out are not handed out twice: only a query that failed before its first row
        // is retried.
        try retryingBusy(canRetry: { !delivered }) { () throws in
            let statement = try prepare(sql)
            try statement.bind(bindings)
            defer { statement.reset() }
            while try statement.step() {
                delivered = true
                try row(statement)
            }
        }
    }

    /// Retries `body` on an immediate `SQLITE_BUSY` outside an explicit transaction (where nothing is lost by
    /// running the statement again), with backoff for up to 30 s.
    private func retryingBusy<T>(canRetry: () -> Bool = { true }, _ body: () throws -> T) throws -> T {
        var delay: UInt32 = 2_000
        var waited: UInt32 = 0
        while true {
            do {
                return try body()
            } catch let error as SQLiteError {
                let primary = error.code & 0xFF
                guard primary == SQLITE_BUSY, sqlite3_get_autocommit(handle) != 0, canRetry(), waited < 30_000_000
                else { throw error }
                usleep(delay)
                waited += delay
                delay = min(delay * 2, 200_000)
            }
        }
    }

    /// The first column of the first row, as an integer (or `nil` when there is no row).
    public func scalarInt(_ sql: String, _ bindings: [SQLiteValue] = []) throws -> Int64? {
        var result: Int64?
        try query(sql, bindings) { if result == nil { result = $0.int(0) } }
        return result
    }

    /// Runs `body` inside `BEGIN IMMEDIATE … COMMIT`, rolling back if it throws.
    public func transaction<T>(_ body: () throws -> T) throws -> T {
        try execute("BEGIN IMMEDIATE")
        do {
            let value = try body()
            try execute("COMMIT")
            return value
        } catch {
            try? execute("ROLLBACK")
            throw error
        }
    }

    package func lastError(_ rc: Int32) -> SQLiteError {
        SQLiteError(code: rc, message: String(cString: sqlite3_errmsg(handle)))
    }
}

/// A value bound to a statement parameter.
public enum SQLiteValue: Sendable {
    case null
    case int(Int64)
    case double(Double)
    case text(String)
    case blob([UInt8])

    public static func optional(_ s: String?) -> SQLiteValue { s.map { .text($0) } ?? .null }
}

private let SQLITE_TRANSIENT = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

/// A prepared statement owned by a ``SQLiteDatabase``.
public final class SQLiteStatement {
    package let statement: OpaquePointer
    package unowned let database: SQLiteDatabase

    package init(database: SQLiteDatabase, sql: String) throws(SQLiteError) {
        var statement: OpaquePointer?
        let rc = sqlite3_prepare_v2(database.handle, sql, -1, &statement, nil)
        guard rc == SQLITE_OK, let statement else { throw database.lastError(rc) }
        self.statement = statement
        self.database = database
    }

    deinit { sqlite3_finalize(statement) }

    package func reset() {
        sqlite3_reset(statement)
        sqlite3_clear_bindings(statement)
    }

    package func bind(_ values: [SQLiteValue]) throws(SQLiteError) {
        for (i, value) in values.enumerated() {
            let index = Int32(i + 1)
            let rc: Int32
            switch value {
            case .null: rc = sqlite3_bind_null(statement, index)
            case .int(let v): rc = sqlite3_bind_int64(statement, index, v)
            case .double(let v): rc = sqlite3_bind_double(statement, index, v)
            case .text(let v): rc = sqlite3_bind_text(statement, index, v, -1, SQLITE_TRANSIENT)
            case .blob(let v):
                rc = v.withUnsafeBytes { sqlite3_bind_blob(statement, index, $0.baseAddress, Int32($0.count), SQLITE_TRANSIENT) }
            }
            guard rc == SQLITE_OK else { throw database.lastError(rc) }
        }
    }

    /// Advances to the next row; `false` when done.
    package func step() throws(SQLiteError) -> Bool {
        let rc = sqlite3_step(statement)
        if rc == SQLITE_ROW { return true }
        if rc == SQLITE_DONE { return false }
        throw database.lastError(rc)
    }

    public func int(_ column: Int32) -> Int64 { sqlite3_column_int64(statement, column) }
    public func double(_ column: Int32) -> Double { sqlite3_column_double(statement, column) }
    public func isNull(_ column: Int32) -> Bool { sqlite3_column_type(statement, column) == SQLITE_NULL }

    public func text(_ column: Int32) -> String? {
        guard let p = sqlite3_column_text(statement, column) else { return nil }
        let n = Int(sqlite3_column_bytes(statement, column))
        return String(decoding: UnsafeBufferPointer(start: p, count: n), as: UTF8.self)
    }

    /// The UTF-8 bytes of a TEXT column, valid only inside `body` (empty for NULL): reads a column
    /// without making a `String`.
    public func withText<R>(_ column: Int32, _ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        let p = sqlite3_column_text(statement, column)
        let n = Int(sqlite3_column_bytes(statement, column))
        return try body(UnsafeRawBufferPointer(start: p, count: p == nil ? 0 : n))
    }

    /// The bytes of a BLOB column (empty for NULL or an empty blob).
    public func blob(_ column: Int32) -> [UInt8] {
        let n = Int(sqlite3_column_bytes(statement, column))
        guard n > 0, let p = sqlite3_column_blob(statement, column) else { return [] }
        return Array(UnsafeRawBufferPointer(start: p, count: n))
    }
}
