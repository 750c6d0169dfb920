/// An error from the PostgreSQL state backend. Messages never carry the conninfo (it may hold a password):
/// they name the server as ``PostgresConnInfo/redacted(_:)`` shows it, and quote PostgreSQL's own message.
public struct PostgresError: Error, CustomStringConvertible, Sendable {
    public enum Area: String, Sendable {
        /// Connecting or authenticating.
        case connect
        /// A statement failed (``sqlState`` says why).
        case statement
        /// The connection broke (server restarted, network, or the session was terminated).
        case connection
        /// The database's state schema is not one this xaas can use.
        case schema
    }

    public var area: Area
    public var message: String
    /// PostgreSQL's SQLSTATE (e.g. `40001`), when the server sent one.
    public var sqlState: String?

    public init(_ area: Area, _ message: String, sqlState: String? = nil) {
        self.area = area
        self.message = message
        self.sqlState = sqlState
    }

    public var description: String {
        let state = sqlState.map { " (SQLSTATE \($0))" } ?? ""
        switch area {
        case .connect: return "PostgreSQL: cannot connect: \(message)"
        case .statement: return "PostgreSQL: \(message)\(state)"
        case .connection: return "PostgreSQL: connection lost: \(message)"
        case .schema: return "PostgreSQL state schema: \(message)"
        }
    }
}

/// PostgreSQL connection strings (`postgres://…` URLs or `key=value` lists) as they may be shown.
public enum PostgresConnInfo {
    /// `conninfo` with any password replaced by `***` (URL userinfo, `password=` keys, `?password=` queries).
    public static func redacted(_ conninfo: String) -> String {
        var text = conninfo
        if let scheme = text.range(of: "://") {
            let rest = text[scheme.upperBound...]
            let authorityEnd = rest.firstIndex(where: { $0 == "/" || $0 == "?" }) ?? rest.endIndex
            if let at = rest[..<authorityEnd].lastIndex(of: "@"),
               let colon = rest[..<at].firstIndex(of: ":") {
                text.replaceSubrange(text.index(after: colon)..<at, with: "***")
            }
        }
        // password=… as a key=value pair or a URL query parameter, quoted or not.
        var out = ""
        var index = text.startIndex
        while let range = text.range(of: "password", options: .caseInsensitive, range: index..<text.endIndex) {
            out += text[index..<range.upperBound]
            var cursor = range.upperBound
            while cursor < text.endIndex, text[cursor] == " " { cursor = text.index(after: cursor) }
            guard cursor < text.endIndex, text[cursor] == "=" else { index = range.upperBound; continue }
            out += "="
            cursor = text.index(after: cursor)
            while cursor < text.endIndex, text[cursor] == " " { cursor = text.index(after: cursor) }
            if cursor < text.endIndex, text[cursor] == "'" {
                cursor = text.index(after: cursor)
                while cursor < text.endIndex, text[cursor] != "'" {
                    if text[cursor] == "\\" { cursor = text.index(after: cursor) }
                    if cursor < text.endIndex { cursor = text.index(after: cursor) }
                }
                if cursor < text.endIndex { cursor = text.index(after: cursor) }
            } else {
                while cursor < text.endIndex, text[cursor] != " ", text[cursor] != "&" { cursor = text.index(after: cursor) }
            }
            out += "***"
            index = cursor
        }
        out += text[index...]
        return out
    }

    /// Whether `text` names a PostgreSQL server (`postgres://` or `postgresql://`).
    public static func isURL(_ text: String) -> Bool {
        text.hasPrefix("postgres://") || text.hasPrefix("postgresql://")
    }
}
