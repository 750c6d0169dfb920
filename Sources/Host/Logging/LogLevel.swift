/// The severity of a log line, lowest first. A logger drops lines below its minimum level
/// (`--log-level`, `XAAS_LOG_LEVEL`; default `info`).
///
/// - `trace`: per-record detail (very verbose).
/// - `debug`: what a connector or the engine is doing, for troubleshooting (plugin debug messages).
/// - `info`: what a run did (the default).
/// - `notice`: something worth a look that needs no action.
/// - `warning`: something went wrong but the run continues.
/// - `error`: a run or an operation failed.
public enum LogLevel: Int, Sendable, Comparable, CaseIterable, CustomStringConvertible {
    case trace, debug, info, notice, warning, error

    /// The lowercase name written in log lines and accepted by `--log-level`.
    public var description: String {
        switch self {
        case .trace: "trace"
        case .debug: "debug"
        case .info: "info"
        case .notice: "notice"
        case .warning: "warning"
        case .error: "error"
        }
    }

    /// The level named `name` (case-insensitive; `warn` is accepted for `warning`), else `nil`.
    public init?(name: String) {
        let lowered = name.lowercased()
        if lowered == "warn" { self = .warning; return }
        guard let level = Self.allCases.first(where: { $0.description == lowered }) else { return nil }
        self = level
    }

    /// The level of a message a plugin logs through the C ABI (`XAAS_LOG_DEBUG` … `XAAS_LOG_ERROR`).
    public init(_ plugin: PluginLogLevel) {
        switch plugin {
        case .debug: self = .debug
        case .info: self = .info
        case .warning: self = .warning
        case .error: self = .error
        }
    }

    public static func < (lhs: LogLevel, rhs: LogLevel) -> Bool { lhs.rawValue < rhs.rawValue }

    /// Every name, for usage messages: `trace, debug, info, notice, warning, error`.
    static var names: String { allCases.map(\.description).joined(separator: ", ") }
}
