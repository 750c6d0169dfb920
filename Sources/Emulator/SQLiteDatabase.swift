import CSQLite
import Foundation

/// A SQLite error: what failed and SQLite's message.
struct SQLiteError: Error, CustomStringConvertible {
    var description: String
}

/// A minimal SQLite connection for the emulator's state file.
/// Threading: not thread-safe; the emulator uses it only under its state lock. Owns its handle (closed by `close`).
final class SQLiteDatabase: @unchecked Sendable {  // unchecked: used only under Emulator's Mutex
    private var handle: OpaquePointer?
    let path: String

    init(path: String) throws {
        self.path = path
        var db: OpaquePointer?
        guard sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX, nil) == SQLITE_OK
        else {
            let message = db.map { String(cString: sqlite3_errmsg($0)) } ?? "out of memory"
            sqlite3_close(db)
            throw SQLiteError(description: "\(path): cannot open the emulator state file: \(message)")
        }
        handle = db
        try execute("PRAGMA journal_mode=WAL")
        try execute("PRAGMA synchronous=NORMAL")
    }

    deinit { close() }

    func close() {
        if let handle { sqlite3_close_v2(handle) }
        handle = nil
    }

    func execute(_ sql: String) throws {
        guard let handle else { throw SQLiteError(description: "\(path): the state file is closed") }
        var error: UnsafeMutablePointer<CChar>?
        if sqlite3_exec(handle, sql, nil, nil, &error) != SQLITE_OK {
            let message = error.map { String(cString: $0) } ?? "unknown error"
            sqlite3_free(error)
            throw SQLiteError(description: "\(path): \(message) (in: \(sql.prefix(60)))")
        }
    }

    /// A prepared statement; bind with `bind`, run with `step`/`run`, then it is finalised on deinit.
    final class Statement {
        fileprivate var stmt: OpaquePointer?
        private let database: SQLiteDatabase

        fileprivate init(_ database: SQLiteDatabase, _ sql: String) throws {
            self.database = database
            guard sqlite3_prepare_v2(database.handle, sql, -1, &stmt, nil) == SQLITE_OK else {
                throw SQLiteError(description: "\(database.path): \(String(cString: sqlite3_errmsg(database.handle)))")
            }
        }

        deinit { sqlite3_finalize(stmt) }

        private static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

        /// Binds values by position (String, Int, Double, [UInt8], nil).
        func bind(_ values: [Any?]) {
            sqlite3_reset(stmt)
            sqlite3_clear_bindings(stmt)
            for (i, value) in values.enumerated() {
                let at = Int32(i + 1)
                switch value {
                case let s as String: sqlite3_bind_text(stmt, at, s, -1, Self.transient)
                case let n as Int: sqlite3_bind_int64(stmt, at, Int64(n))
                case let n as Int64: sqlite3_bind_int64(stmt, at, n)
                case let d as Double: sqlite3_bind_double(stmt, at, d)
                case let b as [UInt8]:
                    _ = b.withUnsafeBytes { sqlite3_bind_blob(stmt, at, $0.baseAddress, Int32($0.count), Self.transient) }
                default: sqlite3_bind_null(stmt, at)
                }
            }
        }

        /// Runs a statement that returns no rows.
        func run(_ values: [Any?]) throws {
            bind(values)
            let rc = sqlite3_step(stmt)
            guard rc == SQLITE_DONE || rc == SQLITE_ROW else {
                throw SQLiteError(description: "\(database.path): \(String(cString: sqlite3_errmsg(database.handle)))")
            }
        }

        /// Advances to the next row; false at the end.
        func step() -> Bool { sqlite3_step(stmt) == SQLITE_ROW }

        func text(_ i: Int32) -> String? {
            guard let p = sqlite3_column_text(stmt, i) else { return nil }
            return String(cString: p)
        }

        func int(_ i: Int32) -> Int64 { sqlite3_column_int64(stmt, i) }
        func double(_ i: Int32) -> Double { sqlite3_column_double(stmt, i) }
        func isNull(_ i: Int32) -> Bool { sqlite3_column_type(stmt, i) == SQLITE_NULL }

        func blob(_ i: Int32) -> [UInt8] {
            let n = Int(sqlite3_column_bytes(stmt, i))
            guard n > 0, let p = sqlite3_column_blob(stmt, i) else { return [] }
            return Array(UnsafeRawBufferPointer(start: p, count: n))
        }
    }

    func prepare(_ sql: String) throws -> Statement { try Statement(self, sql) }
}
