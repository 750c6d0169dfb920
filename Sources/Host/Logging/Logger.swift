/// One log line before it is written: level, message and metadata (`tenant`, `source`, `plugin`, …)
/// in the order they were attached.
public struct LogRecord: Sendable {
    public var level: LogLevel
    public var message: String
    public var metadata: [(key: String, value: String)]

    public init(level: LogLevel, message: String, metadata: [(key: String, value: String)] = []) {
        self.level = level
        self.message = message
        self.metadata = metadata
    }

    /// The value of metadata `key`, if attached.
    public subscript(key: String) -> String? { metadata.first { $0.key == key }?.value }
}

/// The one logger of xaas: a minimum level, metadata attached to every line, a ``SecretRedactor`` applied
/// to every message and metadata value, and a sink that writes the line (``LogWriter`` on stderr in the
/// parent, ``WorkerLog`` on a worker's log pipe).
///
/// ```swift
/// let log = writer.logger.with("tenant", "acme").with("source", "hr")
/// log.info("syncing")
/// log.debug("page 3", ["plugin": "csv"])   // dropped unless --log-level debug (or lower)
/// ```
/// A value type: `with` returns a copy, so a logger can be handed to any thread.
public struct Logger: Sendable {
    /// Lines below this level are dropped before their message is built (messages are autoclosures).
    public var minimum: LogLevel
    /// Attached to every line, in order; a later value for the same key replaces the earlier one.
    public private(set) var metadata: [(key: String, value: String)] = []
    /// Applied to every message and metadata value before it reaches the sink.
    private var redactors: [SecretRedactor] = []
    private let sink: @Sendable (LogRecord) -> Void

    /// A logger writing records at `minimum` and above to `sink`.
    public init(minimum: LogLevel = .info, sink: @escaping @Sendable (LogRecord) -> Void) {
        self.minimum = minimum
        self.sink = sink
    }

    /// A logger that drops everything.
    public static let discarding = Logger(minimum: .error) { _ in }

    /// A copy with `key: value` attached to every line.
    public func with(_ key: String, _ value: String) -> Logger {
        var copy = self
        copy.metadata.removeAll { $0.key == key }
        copy.metadata.append((key, value))
        return copy
    }

    /// A copy that also applies `redactor` (after the current one).
    public func redacting(_ redactor: SecretRedactor) -> Logger {
        guard !redactor.isEmpty else { return self }
        var copy = self
        copy.redactors.append(redactor)
        return copy
    }

    /// Whether a line at `level` would be written.
    public func enabled(_ level: LogLevel) -> Bool { level >= minimum }

    /// Writes `message` at `level` with the logger's metadata plus `extra`.
    public func log(_ level: LogLevel, _ message: @autoclosure () -> String, _ extra: [(key: String, value: String)] = []) {
        guard level >= minimum else { return }
        var record = LogRecord(level: level, message: redact(message()), metadata: metadata)
        for (key, value) in extra {
            record.metadata.removeAll { $0.key == key }
            record.metadata.append((key, value))
        }
        if !redactors.isEmpty { record.metadata = record.metadata.map { ($0.key, redact($0.value)) } }
        sink(record)
    }

    private func redact(_ text: String) -> String {
        redactors.reduce(text) { $1.redact($0) }
    }

    public func trace(_ message: @autoclosure () -> String) { log(.trace, message()) }
    public func debug(_ message: @autoclosure () -> String) { log(.debug, message()) }
    public func info(_ message: @autoclosure () -> String) { log(.info, message()) }
    public func notice(_ message: @autoclosure () -> String) { log(.notice, message()) }
    public func warning(_ message: @autoclosure () -> String) { log(.warning, message()) }
    public func error(_ message: @autoclosure () -> String) { log(.error, message()) }

    /// A sink for the messages a plugin logs through the host services: each goes out at its own level
    /// (debug included) with `plugin: <name>` attached. The plugin instance has already redacted it.
    public func pluginSink(plugin name: String) -> @Sendable (PluginLogLevel, String) -> Void {
        let logger = with("plugin", name)
        return { level, message in logger.log(LogLevel(level), message) }
    }
}
