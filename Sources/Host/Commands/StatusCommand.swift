import Foundation
import XaasJSON

/// `xaas status [--config DIR] [--state DIR] [--state-url postgres://…] [--json]`: the last run and any
/// unfinished import sessions of every configured source, read from the state database (no network but
/// PostgreSQL's, where it also shows which host holds each source's lease and its generation).
enum StatusCommand {
    static let usage = "xaas status [--config DIR] [--state DIR] [--state-url postgres://…] [--json]"

    static func run(_ args: [String]) -> Int32 {
        Arguments.run(args, usage: usage, options: ["--config", "--state", "--state-url"], flags: ["--json"]) { arguments throws(UsageError) in
            _ = try arguments.positionals(exactly: [])
            let configPath = try arguments.configDirectory()
            let stateDirectory = try arguments.stateDirectory(config: configPath)
            let (config, problems) = ConfigDirectory.load(configPath)
            for p in problems { StandardError.print("\(p)") }
            var entries: [JSONValue] = []
            var rows: [[String]] = []
            var dueLines: [String] = []
            var stateFailures: [String] = []
            let backend: StateBackend
            do {
                backend = try StateBackend.resolve(stateURL: try arguments.value("--state-url"), config: config.xaas,
                                                   stateDirectory: stateDirectory)
            } catch let error as UsageError { throw error } catch {
                StandardError.print("xaas: state: \(error)")
                return 1
            }
            let exists = backend.isShared || FileManager.default.fileExists(atPath: stateDirectory.appendingPathComponent("state.sqlite").path)
            var leases: [String: LeaseHolder] = [:]
            if case .postgres(let conninfo, let schema) = backend {
                do { leases = try LeaseHolder.all(conninfo: conninfo, schema: schema) } catch {
                    stateFailures.append("xaas: cannot read the leases: \(error)")
                }
            }
            for source in config.sources {
                var last: RunReport?
                var open: [JournalSession] = []
                var due: [DueEvent] = []
                var groups: (groups: Int, memberships: Int)?
                if exists {
                    do {
                        let store = try StateStore.open(backend, tenant: source.tenant, source: source.name)
                        due = LifecycleStatus.next(store)
                        last = try store.recentRunReports(limit: 1).first
                            .flatMap { try? JSONValue.parse($0) }.flatMap(RunReport.init(json:))
                            .map(SecretRedactor(settingsJSON: source.settingsJSON, runCommands: false).redact)
                        open = try store.unfinishedSessions()
                        groups = try store.groupCounts()
                    } catch {
                        // A state database that cannot be read is reported (exit 1), never shown as "never run".
                        stateFailures.append("xaas: \(source.tenant)/\(source.name): cannot read the state database: \(error)")
                    }
                }
                let lease = leases["\(source.tenant)/\(source.name)"]
                entries.append(.object([
                    ("tenant", .string(source.tenant)), ("source", .string(source.name)),
                    ("lease", lease?.json ?? .null),
                    ("lastRun", last?.json ?? .null),
                    ("nextDue", LifecycleStatus.json(due)),
                    ("groups", groups.map { .object([("groups", .number(String($0.groups))),
                                                      ("memberships", .number(String($0.memberships)))]) } ?? .null),
                    ("openSessions", .array(open.map { .object([("id", .string($0.id)), ("state", .string($0.state.rawValue)), ("requests", .number(String($0.requests)))]) })),
                ]))
                var row: [String] = [source.tenant, source.name, last.map { $0.status.rawValue + ($0.dryRun ? " (dry run)" : "") } ?? "never run",
                             last.map { "\($0.created)/\($0.updated)/\($0.unchanged)/\($0.deactivated)" } ?? "-",
                             groups.map { "\($0.groups) groups, \($0.memberships) memberships" } ?? "-",
                             open.isEmpty ? "-" : open.map { "\($0.id) (\($0.state.rawValue))" }.joined(separator: ", "),
                             last?.error ?? ""]
                if backend.isShared { row.append(LeaseHolder.describe(lease)) }
                rows.append(row)
                dueLines += LifecycleStatus.lines(tenant: source.tenant, source: source.name, due)
            }
            if arguments.flag("--json") {
                print(JSONValue.object([("sources", .array(entries))]).serialized)
            } else {
                print(TextTable.render(header: ["TENANT", "SOURCE", "LAST RUN", "C/U/=/D", "GROUPS", "OPEN SESSIONS", "ERROR"]
                                       + (backend.isShared ? ["LEASE"] : []), rows: rows),
                      terminator: "")
                for line in dueLines { print(line) }
            }
            for failure in stateFailures { StandardError.print(failure) }
            return problems.isEmpty && stateFailures.isEmpty ? 0 : 1
        }
    }
}
