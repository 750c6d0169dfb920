import Foundation
@testable import Host
import Synchronization
import SyncTestSupport
import Testing
import TestSupport
import XaasJSON

/// The logger: levels, metadata, redaction, the `--log-level` / `XAAS_LOG_LEVEL` switch, and plugin log
/// messages (debug included) forwarded from a worker with the plugin as metadata.
@Suite struct LoggingTests {
    /// Records every line a logger writes.
    final class Lines: Sendable {
        private let records = Mutex<[LogRecord]>([])
        var all: [LogRecord] { records.withLock { $0 } }
        func append(_ record: LogRecord) { records.withLock { $0.append(record) } }
    }

    @Test func levelsOrderAndParse() {
        #expect(LogLevel.allCases.map(\.description) == ["trace", "debug", "info", "notice", "warning", "error"])
        #expect(LogLevel.allCases == LogLevel.allCases.sorted())
        #expect(LogLevel.notice < LogLevel.warning && LogLevel.warning < LogLevel.error)
        #expect(LogLevel(name: "DEBUG") == .debug)
        #expect(LogLevel(name: "warn") == .warning)
        #expect(LogLevel(name: "verbose") == nil)
        #expect(LogLevel(PluginLogLevel.debug) == .debug && LogLevel(PluginLogLevel.error) == .error)
    }

    @Test func dropsLinesBelowTheMinimumWithoutBuildingThem() {
        let lines = Lines()
        let log = Logger(minimum: .notice) { lines.append($0) }
        var built = 0
        func message(_ text: String) -> String { built += 1; return text }
        log.info(message("dropped"))
        log.debug(message("dropped"))
        log.notice(message("kept"))
        log.error(message("kept too"))
        #expect(lines.all.map(\.message) == ["kept", "kept too"])
        #expect(built == 2)
    }

    @Test func metadataIsAttachedInOrderAndReplacedByKey() {
        let lines = Lines()
        let log = Logger { lines.append($0) }.with("tenant", "acme").with("source", "hr").with("tenant", "globex")
        log.log(.warning, "m", [("plugin", "csv")])
        let record = lines.all[0]
        #expect(record.metadata.map(\.key) == ["source", "tenant", "plugin"])
        #expect(record["tenant"] == "globex" && record["plugin"] == "csv" && record.level == .warning)
    }

    @Test func redactsMessagesAndMetadata() {
        let lines = Lines()
        let secret = "s3cr3t-value-123456"
        let log = Logger { lines.append($0) }.redacting(SecretRedactor(secrets: [("settings.apiKey", secret)]))
        log.with("url", "https://x/?key=\(secret)").error("rejected \(secret)")
        let record = lines.all[0]
        #expect(!record.message.contains(secret) && record.message.contains("<redacted settings.apiKey>"))
        #expect(!(record["url"] ?? "").contains(secret))
    }

    @Test func pluginSinkForwardsEveryLevelWithThePluginName() {
        let lines = Lines()
        let sink = Logger(minimum: .trace) { lines.append($0) }.with("tenant", "acme").pluginSink(plugin: "static")
        sink(.debug, "serving 2 records")
        sink(.warning, "slow")
        #expect(lines.all.map(\.level) == [.debug, .warning])
        #expect(lines.all.allSatisfy { $0["plugin"] == "static" && $0["tenant"] == "acme" })
    }

    @Test func textAndJSONLines() throws {
        let record = LogRecord(level: .warning, message: "slow", metadata: [("tenant", "acme"), ("source", "hr"), ("plugin", "csv")])
        #expect(LogWriter.text(record) == "[acme/hr] warning: slow (plugin=csv)")
        #expect(LogWriter.text(LogRecord(level: .info, message: "ok")) == "ok")
        let json = LogWriter.json(record)
        #expect(json.objectValue?.map(\.key) == ["time", "level", "tenant", "source", "plugin", "message"])
        #expect(json["level"]?.stringValue == "warning" && json["plugin"]?.stringValue == "csv")
    }

    @Test func workerRecordsRoundTrip() throws {
        let record = LogRecord(level: .debug, message: "m \"q\"", metadata: [("plugin", "static")])
        let read = try #require(WorkerLog.record(WorkerLog.line(record)))
        #expect(read.level == .debug && read.message == "m \"q\"" && read["plugin"] == "static")
        #expect(WorkerLog.record("not json") == nil)
        #expect(WorkerLog.record(#"{"progress":{}}"#) == nil)
    }

    @Test func logLevelOptionAndEnvironment() throws {
        #expect(try LogWriter(format: nil, environment: [:]).minimum == .info)
        #expect(try LogWriter(format: "json", level: "debug", environment: [:]).minimum == .debug)
        #expect(try LogWriter(format: nil, environment: ["XAAS_LOG_LEVEL": "trace"]).minimum == .trace)
        #expect(try LogWriter(format: nil, level: "error", environment: ["XAAS_LOG_LEVEL": "trace"]).minimum == .error)
        #expect(throws: UsageError.self) { try LogWriter(format: nil, level: "loud", environment: [:]) }
        #expect(throws: UsageError.self) { try LogWriter(format: nil, environment: ["XAAS_LOG_LEVEL": "loud"]) }
        #expect(throws: UsageError.self) { try LogWriter(format: "xml", environment: [:]) }
    }

    @Test func configAndStateDefaultsHaveOneHome() throws {
        let defaults = try Arguments([], options: ["--config", "--state"], flags: [])
        let config = try defaults.configDirectory()
        #expect(config == ConfigDirectory.defaultPath.standardizedFileURL)
        #expect(try defaults.stateDirectory(config: config) == ConfigDirectory.defaultStateDirectory(for: config).standardizedFileURL)
        let given = try Arguments(["--config", "/x/y/../conf", "--state", "/s/./t"], options: ["--config", "--state"], flags: [])
        #expect(try given.configDirectory().path == "/x/conf")
        #expect(try given.stateDirectory(config: given.configDirectory()).path == "/s/t")
    }

    /// A static-connector source: the connector logs `static: serving N records` at debug level on open.
    static func staticFixture() throws -> EmulatorFixture {
        let f = try EmulatorFixture()
        try f.write("acme/hr.json", """
            {"identitySourceId": "\(EmulatorFixture.sourceId)", "connector": "static",
             "settings": {"records": [
               {"externalId": "u1", "attributes": {"email": "u1@example.com", "first": "A", "last": "B"}},
               {"externalId": "u2", "attributes": {"email": "u2@example.com", "first": "C", "last": "D"}}]},
             "mapping": {"userName": "${email}", "email": "${email}", "firstName": "${first}", "lastName": "${last}"}}
            """)
        return f
    }

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: TestSupport.xaasExecutable.path), "the xaas executable is not built"))
    func pluginDebugMessagesReachTheLogAtDebugLevel() throws {
        let f = try Self.staticFixture()
        let quiet = try f.sync(["--log-format", "json"])
        #expect(quiet.status == 0, "\(quiet.stderr)")
        #expect(!quiet.stderr.contains("serving 2 records"), "debug is below the default level: \(quiet.stderr)")

        let verbose = try f.sync(["--log-format", "json", "--log-level", "debug"])
        #expect(verbose.status == 0, "\(verbose.stderr)")
        let lines = verbose.stderr.split(separator: "\n").compactMap { try? JSONValue.parse(String($0)) }
        let plugin = lines.first { $0["message"]?.stringValue?.contains("serving 2 records") == true }
        #expect(plugin?["level"]?.stringValue == "debug", "\(verbose.stderr)")
        #expect(plugin?["plugin"]?.stringValue == "static")
        #expect(plugin?["tenant"]?.stringValue == "acme" && plugin?["source"]?.stringValue == "hr")

        let fromEnvironment = try f.sync([], environment: ["XAAS_LOG_LEVEL": "debug"])
        #expect(fromEnvironment.stderr.contains("static: serving 2 records (plugin=static)"), "\(fromEnvironment.stderr)")

        let bad = try f.sync(["--log-level", "loud"])
        #expect(bad.status == 2 && bad.stderr.contains("--log-level must be one of trace, debug, info, notice, warning, error"))
    }
}
