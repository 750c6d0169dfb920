import Foundation
import XaasJSON

/// What the parent tells one worker process (`xaas __worker`) to run: one source of one tenant.
///
/// Sent as one JSON object on the worker's standard input — never on the command line or in the
/// environment, because ``endpoint`` may carry an API token and `ps` shows arguments to every user.
/// `description` never shows the token.
struct WorkerJob: Sendable, CustomStringConvertible {
    /// Where the worker reaches the tenant's org when the parent decided it (an embedded emulator the
    /// parent runs); `nil` = the worker resolves the org from `org.json` itself.
    struct Endpoint: Sendable {
        var url: URL
        var token: OktaSecret
        var scheme: OktaAuthScheme
        var cooldownSeconds: Double
    }

    var configPath: URL
    var stateDirectory: URL
    var tenant: String
    var source: String
    var dryRun = false
    var full = false
    var cancelForeignSessions = false
    var approve: Int?
    /// `--approve-group-deletions N`.
    var approveGroupDeletions: Int?
    var pluginPaths: [String] = []
    var endpoint: Endpoint?
    /// Stream ``SyncProgress`` records on stderr (the parent shows or serves them).
    var progress = false
    /// The parent's minimum log level (`--log-level`): the worker writes nothing below it.
    var logLevel = LogLevel.info
    /// The state backend the parent resolved (`nil` = SQLite in ``stateDirectory``); may hold a password.
    var stateBackend: StateBackend?
    /// The generation of the source's lease the parent holds (PostgreSQL): every state write is fenced by it.
    var leaseGeneration: Int64?

    var description: String { "worker job \(tenant)/\(source)" }

    /// The job as JSON (holds the token: write it only to the worker's stdin pipe).
    var json: JSONValue {
        var members: [(key: String, value: JSONValue)] = [
            ("config", .string(configPath.path)), ("state", .string(stateDirectory.path)),
            ("tenant", .string(tenant)), ("source", .string(source)), ("dryRun", .bool(dryRun)), ("full", .bool(full)),
            ("cancelForeignSessions", .bool(cancelForeignSessions)),
            ("approve", approve.map { .number(String($0)) } ?? .null),
            ("approveGroupDeletions", approveGroupDeletions.map { .number(String($0)) } ?? .null),
            ("pluginPaths", .array(pluginPaths.map { .string($0) })), ("progress", .bool(progress)),
            ("logLevel", .string(logLevel.description)),
        ]
        if let endpoint {
            members.append(("endpoint", .object([
                ("url", .string(endpoint.url.absoluteString)), ("token", .string(endpoint.token.reveal())),
                ("scheme", .string(endpoint.scheme.rawValue)),
                ("cooldownSeconds", .number(String(endpoint.cooldownSeconds))),
            ])))
        }
        if case .postgres(let conninfo, let schema)? = stateBackend {
            members.append(("statePostgres", .object([("conninfo", .string(conninfo)), ("schema", .string(schema))])))
        }
        if let leaseGeneration { members.append(("leaseGeneration", .number(String(leaseGeneration)))) }
        return .object(members)
    }

    init(configPath: URL, stateDirectory: URL, tenant: String, source: String) {
        self.configPath = configPath
        self.stateDirectory = stateDirectory
        self.tenant = tenant
        self.source = source
    }

    /// Reads a job written by ``json``; the error says which key is wrong.
    init(json: JSONValue) throws(WorkerError) {
        guard let config = json["config"]?.stringValue, let state = json["state"]?.stringValue,
              let tenant = json["tenant"]?.stringValue, let source = json["source"]?.stringValue else {
            throw WorkerError("the job on stdin lacks config, state, tenant or source")
        }
        self.init(configPath: URL(fileURLWithPath: config), stateDirectory: URL(fileURLWithPath: state),
                  tenant: tenant, source: source)
        dryRun = json["dryRun"]?.boolValue ?? false
        full = json["full"]?.boolValue ?? false
        cancelForeignSessions = json["cancelForeignSessions"]?.boolValue ?? false
        approve = json["approve"]?.intValue
        approveGroupDeletions = json["approveGroupDeletions"]?.intValue
        pluginPaths = json["pluginPaths"]?.arrayValue?.compactMap(\.stringValue) ?? []
        progress = json["progress"]?.boolValue ?? false
        logLevel = json["logLevel"]?.stringValue.flatMap(LogLevel.init(name:)) ?? .info
        if let pg = json["statePostgres"], pg != .null {
            guard let conninfo = pg["conninfo"]?.stringValue, let schema = pg["schema"]?.stringValue else {
                throw WorkerError("the job's statePostgres lacks conninfo or schema")
            }
            stateBackend = .postgres(conninfo: conninfo, schema: schema)
        }
        leaseGeneration = json["leaseGeneration"]?.intValue.map(Int64.init)
        if let e = json["endpoint"], e != .null {
            guard let text = e["url"]?.stringValue, let url = URL(string: text), let token = e["token"]?.stringValue else {
                throw WorkerError("the job's endpoint lacks url or token")
            }
            endpoint = Endpoint(url: url, token: OktaSecret(token),
                                scheme: e["scheme"]?.stringValue.flatMap(OktaAuthScheme.init) ?? .ssws,
                                cooldownSeconds: e["cooldownSeconds"]?.doubleValue ?? EmbeddedOkta.defaultCooldownSeconds)
        }
    }
}

/// A failure of the worker machinery itself (not of a sync run).
struct WorkerError: Error, CustomStringConvertible, Sendable {
    var description: String
    init(_ description: String) { self.description = description }
}
