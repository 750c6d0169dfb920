import Foundation

/// Where the state of every source lives: SQLite in the state directory (the default) or PostgreSQL
/// (`xaas.json` `state.postgres`, or `--state-url postgres://…`), shared by several `xaas serve` hosts.
/// Never printed with its password (``description`` redacts it).
public enum StateBackend: Sendable, CustomStringConvertible {
    case sqlite(directory: URL)
    case postgres(conninfo: String, schema: String)

    public var description: String {
        switch self {
        case .sqlite(let directory): return "sqlite \(directory.appendingPathComponent("state.sqlite").path)"
        case .postgres(let conninfo, let schema): return "postgres \(PostgresConnInfo.redacted(conninfo)) schema \(schema)"
        }
    }

    public var isShared: Bool {
        if case .postgres = self { return true }
        return false
    }

    /// The backend a command uses: `--state-url` when given (a `postgres://` URL), else `xaas.json`'s
    /// `state`, else SQLite in `stateDirectory`. Errors name the option or the secret, never its value.
    public static func resolve(stateURL: String?, config: XaasConfig, stateDirectory: URL) throws -> StateBackend {
        if let stateURL {
            guard PostgresConnInfo.isURL(stateURL) else {
                throw UsageError("--state-url expects a postgres:// or postgresql:// URL, got '\(PostgresConnInfo.redacted(stateURL))'")
            }
            return .postgres(conninfo: stateURL, schema: "xaas")
        }
        guard let state = config.state else { return .sqlite(directory: stateDirectory) }
        let conninfo = try state.conninfo.resolve()
        return .postgres(conninfo: conninfo, schema: state.schema)
    }
}
