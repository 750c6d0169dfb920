import CLibPQ
import Foundation

/// One libpq connection: statements with typed text parameters, text results.
///
/// ## Threading
/// Not thread-safe: the owner serialises access (``StateStore``'s lock, or ``SourceLease``'s).
public final class PostgresConnection {
    private let handle: OpaquePointer
    /// The server as it may be shown (password redacted).
    public let server: String

    /// Connects with `conninfo` (a `postgres://` URL or `key=value` pairs). Notices are not printed.
    public init(conninfo: String) throws(PostgresError) {
        server = PostgresConnInfo.redacted(conninfo)
        guard let conn = PQconnectdb(conninfo) else { throw PostgresError(.connect, "out of memory") }
        guard PQstatus(conn) == CONNECTION_OK else {
            let message = Self.trimmed(PQerrorMessage(conn))
            PQfinish(conn)
            throw PostgresError(.connect, message)
        }
        handle = conn
        PQsetNoticeProcessor(conn, { _, _ in }, nil)
    }

    deinit { PQfinish(handle) }

    /// The server process serving this connection (`pg_backend_pid()`).
    public var backendPID: Int32 { PQbackendPID(handle) }

    /// Whether the connection is still usable as far as libpq knows.
    public var isOpen: Bool { PQstatus(handle) == CONNECTION_OK }

    /// Runs one or more statements without parameters.
    public func execute(_ sql: String) throws(PostgresError) {
        let result = PQexec(handle, sql)
        defer { PQclear(result) }
        try check(result)
    }

    /// Runs `sql` (`$N` parameters) with `bindings`; returns the result (rows and the changed-row count).
    public func exec(_ sql: String, _ bindings: [StateValue]) throws(PostgresError) -> PostgresResult {
        var types: [UInt32] = []
        var texts: [String?] = []
        types.reserveCapacity(bindings.count)
        for value in bindings {
            switch value {
            case .null: types.append(0); texts.append(nil)
            case .int(let v): types.append(20); texts.append(String(v))              // int8
            case .double(let v): types.append(701); texts.append(Self.text(v))       // float8
            case .text(let v): types.append(25); texts.append(v)                     // text
            case .blob(let v):                                                       // bytea, hex input form
                types.append(17); texts.append("\\x" + v.map { String(format: "%02x", $0) }.joined())
            }
        }
        let result = Self.withCStrings(texts) { values in
            PQexecParams(handle, sql, Int32(bindings.count), types, values, nil, nil, 0)
        }
        do {
            try check(result)
        } catch {
            PQclear(result)
            throw error
        }
        return PostgresResult(result!)
    }

    private func check(_ result: OpaquePointer?) throws(PostgresError) {
        guard let result else {
            throw PostgresError(isOpen ? .statement : .connection, Self.trimmed(PQerrorMessage(handle)))
        }
        let status = PQresultStatus(result)
        guard status != PGRES_COMMAND_OK, status != PGRES_TUPLES_OK else { return }
        let state = PQresultErrorField(result, Int32(UInt8(ascii: "C"))).map { String(cString: $0) }
        let message = Self.trimmed(PQresultErrorMessage(result))
        throw PostgresError(isOpen ? .statement : .connection, message, sqlState: state)
    }

    private static func trimmed(_ message: UnsafePointer<CChar>?) -> String {
        guard let message else { return "unknown error" }
        return String(cString: message).trimmingCharacters(in: .whitespacesAndNewlines)
            .replacingOccurrences(of: "\n", with: "; ")
    }

    /// A double as text PostgreSQL parses back to the same value.
    private static func text(_ value: Double) -> String {
        value.isFinite ? "\(value)" : (value.isNaN ? "NaN" : (value > 0 ? "Infinity" : "-Infinity"))
    }

    private static func withCStrings<R>(_ strings: [String?], _ body: ([UnsafePointer<CChar>?]) -> R) -> R {
        var pointers: [UnsafeMutablePointer<CChar>?] = strings.map { $0.map { strdup($0) } ?? nil }
        defer { for p in pointers { free(p) } }
        return body(pointers.map { $0.map { UnsafePointer($0) } })
    }
}

/// The rows of one statement (text format); freed when released.
public final class PostgresResult {
    let handle: OpaquePointer

    init(_ handle: OpaquePointer) { self.handle = handle }
    deinit { PQclear(handle) }

    public var rowCount: Int { Int(PQntuples(handle)) }

    /// Rows changed by an INSERT/UPDATE/DELETE.
    public var changedRows: Int { Int(String(cString: PQcmdTuples(handle))) ?? 0 }

    /// Row `index` (valid while this result lives).
    public func row(_ index: Int) -> PostgresRow { PostgresRow(result: self, index: Int32(index)) }
}

/// One row of a ``PostgresResult``.
public struct PostgresRow: StateRow {
    let result: PostgresResult
    let index: Int32

    public func isNull(_ column: Int32) -> Bool { PQgetisnull(result.handle, index, column) != 0 }

    public func text(_ column: Int32) -> String? {
        guard !isNull(column), let p = PQgetvalue(result.handle, index, column) else { return nil }
        let n = Int(PQgetlength(result.handle, index, column))
        return p.withMemoryRebound(to: UInt8.self, capacity: n) {
            String(decoding: UnsafeBufferPointer(start: $0, count: n), as: UTF8.self)
        }
    }

    public func withText<R>(_ column: Int32, _ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        guard !isNull(column), let p = PQgetvalue(result.handle, index, column) else {
            return try body(UnsafeRawBufferPointer(start: nil, count: 0))
        }
        return try body(UnsafeRawBufferPointer(start: p, count: Int(PQgetlength(result.handle, index, column))))
    }

    public func int(_ column: Int32) -> Int64 {
        guard let t = text(column) else { return 0 }
        if let v = Int64(t) { return v }
        if t == "t" { return 1 }
        return Double(t).map { Int64($0) } ?? 0
    }

    public func double(_ column: Int32) -> Double { text(column).flatMap(Double.init) ?? 0 }
}
