import Foundation
import XaasJSON

/// The parent process's log sink: writes ``LogRecord``s on stderr, human text (`[acme/hr] warning:
/// message (plugin=csv)`) or, with `--log-format json`, one JSON object per line
/// `{"time","level","tenant","source",<other metadata>…,"message"}`. Lines below ``minimum`` are dropped.
///
/// Messages come from the engine, connectors (already redacted by their instance) and the worker
/// machinery. Thread-safe: the struct is immutable and each line is one `write`.
struct LogWriter: Sendable {
    enum Format: String, Sendable {
        case text, json
    }

    var format: Format = .text
    /// `--log-level` / `XAAS_LOG_LEVEL` (default `info`).
    var minimum: LogLevel = .info

    init(format: Format = .text, minimum: LogLevel = .info) {
        self.format = format
        self.minimum = minimum
    }

    /// Parses `--log-format` and `--log-level`; without `--log-level`, `XAAS_LOG_LEVEL` from `environment`.
    init(format option: String?, level: String? = nil,
         environment: [String: String] = ProcessInfo.processInfo.environment) throws(UsageError) {
        let format = option ?? Format.text.rawValue
        guard let parsedFormat = Format(rawValue: format) else {
            throw UsageError("--log-format must be text or json, got '\(format)'")
        }
        var minimum = LogLevel.info
        if let level {
            guard let parsed = LogLevel(name: level) else {
                throw UsageError("--log-level must be one of \(LogLevel.names), got '\(level)'")
            }
            minimum = parsed
        } else if let variable = environment["XAAS_LOG_LEVEL"], !variable.isEmpty {
            guard let parsed = LogLevel(name: variable) else {
                throw UsageError("XAAS_LOG_LEVEL must be one of \(LogLevel.names), got '\(variable)'")
            }
            minimum = parsed
        }
        self.init(format: parsedFormat, minimum: minimum)
    }

    /// Text lines at `XAAS_LOG_LEVEL` (default info; an invalid value counts as unset), for commands without
    /// `--log-level` (`plugins read/validate`, `config check --connect`).
    static var fromEnvironment: LogWriter { (try? LogWriter(format: nil)) ?? LogWriter() }

    /// A ``Logger`` that writes here.
    var logger: Logger {
        let writer = self
        return Logger(minimum: minimum) { writer.write($0) }
    }

    /// Writes one line at `level` tagged with `tenant` and `source` (either may be `nil`).
    func log(_ level: LogLevel = .info, tenant: String?, source: String?, _ message: String) {
        guard level >= minimum else { return }
        var metadata: [(key: String, value: String)] = []
        if let tenant { metadata.append(("tenant", tenant)) }
        if let source { metadata.append(("source", source)) }
        write(LogRecord(level: level, message: message, metadata: metadata))
    }

    /// Writes `record` (when at or above ``minimum``).
    func write(_ record: LogRecord) {
        guard record.level >= minimum else { return }
        switch format {
        case .text: StandardError.print(Self.text(record))
        case .json: StandardError.print(Self.json(record).serialized)
        }
    }

    /// `[tenant/source] level: message (key=value, …)`; the level is left out for `info`.
    static func text(_ record: LogRecord) -> String {
        let tenant = record["tenant"], source = record["source"]
        let tag = tenant.map { t in "[\(t)\(source.map { "/\($0)" } ?? "")] " } ?? ""
        let prefix = record.level == .info ? "" : "\(record.level): "
        let rest = record.metadata.filter { $0.key != "tenant" && $0.key != "source" }
        let suffix = rest.isEmpty ? "" : " (" + rest.map { "\($0.key)=\($0.value)" }.joined(separator: ", ") + ")"
        return tag + prefix + record.message + suffix
    }

    /// `{"time","level",<metadata>…,"message"}`.
    static func json(_ record: LogRecord, time: Date = Date()) -> JSONValue {
        var members: [(key: String, value: JSONValue)] = [
            ("time", .string(time.formatted(.iso8601))), ("level", .string(record.level.description)),
        ]
        for (key, value) in record.metadata where !["time", "level", "message"].contains(key) {
            members.append((key, .string(value)))
        }
        members.append(("message", .string(record.message)))
        return .object(members)
    }

    /// Relays one stderr line of a worker: a ``WorkerLog`` record (`{"level","message",<metadata>…}`),
    /// or raw text (a connector or the runtime writing to stderr directly), which is logged as a warning.
    /// `redactor` removes the source's secrets from raw text (worker records are redacted in the worker).
    func relay(workerLine line: String, tenant: String, source: String, redactor: SecretRedactor = .none) {
        guard !line.isEmpty else { return }
        let context: [(key: String, value: String)] = [("tenant", tenant), ("source", source)]
        if line.hasPrefix("{"), let record = WorkerLog.record(line) {
            write(LogRecord(level: record.level, message: record.message,
                            metadata: context + record.metadata.filter { $0.key != "tenant" && $0.key != "source" }))
        } else {
            write(LogRecord(level: .warning, message: redactor.redact(line), metadata: context))
        }
    }
}
