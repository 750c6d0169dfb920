import Foundation
import XaasJSON

/// Writes log lines on stderr, every one tagged with tenant and source: human text
/// (`[acme/hr] message`) or, with `--log-format json`, one JSON object per line
/// `{"time","level","tenant","source","message"}`.
///
/// Messages come from the engine, connectors and the worker machinery, all of which are built without
/// secrets. Thread-safe: the struct is immutable and each line is one `write`.
struct LogWriter: Sendable {
    enum Format: String, Sendable {
        case text, json
    }

    var format: Format = .text

    init(format: Format = .text) { self.format = format }

    /// Parses `--log-format`.
    init(option: String?) throws(UsageError) {
        guard let option else { self.init(); return }
        guard let format = Format(rawValue: option) else {
            throw UsageError("--log-format must be text or json, got '\(option)'")
        }
        self.init(format: format)
    }

    func log(_ level: String = "info", tenant: String?, source: String?, _ message: String) {
        switch format {
        case .text:
            let tag = tenant.map { t in "[\(t)\(source.map { "/\($0)" } ?? "")] " } ?? ""
            let prefix = level == "info" ? "" : "\(level): "
            StandardError.print(tag + prefix + message)
        case .json:
            var members: [(key: String, value: JSONValue)] = [
                ("time", .string(Date().formatted(.iso8601))), ("level", .string(level)),
            ]
            if let tenant { members.append(("tenant", .string(tenant))) }
            if let source { members.append(("source", .string(source))) }
            members.append(("message", .string(message)))
            StandardError.print(JSONValue.object(members).serialized)
        }
    }

    /// Relays one stderr line of a worker: a `{"level","message"}` record, or raw text (a connector or
    /// the runtime writing to stderr directly), which is logged as a warning.
    func relay(workerLine line: String, tenant: String, source: String) {
        guard !line.isEmpty else { return }
        if line.hasPrefix("{"), let record = try? JSONValue.parse(line), let message = record["message"]?.stringValue {
            log(record["level"]?.stringValue ?? "info", tenant: tenant, source: source, message)
        } else {
            log("warning", tenant: tenant, source: source, line)
        }
    }
}
