import Foundation

extension CommandLineTool {
    /// The `sync` and `status` commands.
    static let syncCommands: [Command] = [
        Command(["sync"], "read each source, plan the changes, apply them to Okta") { args in
            await SyncCommand.run(args)
        },
        Command(["status"], "show the last runs and open sessions per source") { args in
            StatusCommand.run(args)
        },
    ]
}

/// `xaas sync [--config DIR] [--state DIR] [--tenant T]… [--source S]… [--dry-run] [--diff] [--full] [--json]
/// [--approve-deactivations N] [--cancel-foreign-sessions] [--plugin-path DIR]…`
///
/// Exit codes: 0 every run ok, 3 a safeguard blocked a run (and none failed), 1 otherwise, 2 usage.
enum SyncCommand {
    static let usage = "xaas sync [--config DIR] [--state DIR] [--tenant T]… [--source S]… [--dry-run] [--diff] [--full] [--json] [--approve-deactivations N] [--cancel-foreign-sessions] [--plugin-path DIR]…"

    static func run(_ args: [String]) async -> Int32 {
        if args.contains("-h") || args.contains("--help") { print("usage: \(usage)"); return 0 }
        let arguments: Arguments
        let approve: Int?
        do throws(UsageError) {
            arguments = try Arguments(
                args, options: ["--config", "--state", "--tenant", "--source", "--approve-deactivations", "--plugin-path"],
                flags: ["--dry-run", "--diff", "--full", "--json", "--cancel-foreign-sessions"])
            _ = try arguments.positionals(exactly: [])
            approve = try arguments.int("--approve-deactivations")
            if arguments.flag("--diff") && !arguments.flag("--dry-run") { throw UsageError("--diff goes with --dry-run") }
        } catch {
            StandardError.print("xaas: \(error.message)\nusage: \(usage)")
            return 2
        }
        let configPath = URL(fileURLWithPath: (try? arguments.value("--config")) ?? nil ?? "connectors.d")
        let (config, problems) = ConfigDirectory.load(configPath)
        if !problems.isEmpty {
            for p in problems { StandardError.print("\(p)") }
            StandardError.print("xaas: \(problems.count) configuration problem(s); nothing was synced (see `xaas config check`)")
            return 1
        }
        let stateDirectory = ((try? arguments.value("--state")) ?? nil).map { URL(fileURLWithPath: $0) }
            ?? ConfigDirectory.defaultStateDirectory(for: configPath)
        let tenants = arguments.values("--tenant"), sources = arguments.values("--source")
        for name in tenants where config.tenant(named: name) == nil {
            StandardError.print("xaas: no tenant '\(name)' in \(configPath.path)")
            return 1
        }
        let selected = config.tenants.filter { tenants.isEmpty || tenants.contains($0.name) }.map { tenant in
            (tenant, tenant.sources.filter { s in
                sources.isEmpty ? s.enabled : sources.contains(s.name)
            })
        }.filter { !$0.1.isEmpty }
        guard !selected.isEmpty else {
            StandardError.print("xaas: no enabled source matches in \(configPath.path)")
            return 1
        }
        var options = SyncEngine.Options()
        options.dryRun = arguments.flag("--dry-run")
        options.full = arguments.flag("--full")
        options.session.cancelForeignSessions = arguments.flag("--cancel-foreign-sessions")
        let registry = PluginRegistry(searchPath: PluginSearchPath(extraDirectories: arguments.values("--plugin-path")))
        let output = SyncOutput(json: arguments.flag("--json"), diff: arguments.flag("--diff"))
        var reports: [RunReport] = []
        for (tenant, tenantSources) in selected {
            let connection: TenantConnection
            do {
                connection = try TenantConnection(tenant: tenant, stateDirectory: stateDirectory)
            } catch {
                for source in tenantSources {
                    var r = RunReport(tenant: tenant.name, source: source.name)
                    r.status = .failed
                    r.error = "\(error)"
                    output.finished(r)
                    reports.append(r)
                }
                continue
            }
            defer { connection.close() }
            var tenantOptions = options
            tenantOptions.session.cooldownSeconds = connection.cooldownSeconds
            for source in tenantSources {
                output.started(tenant: tenant.name, source: source.name)
                var engine = SyncEngine(options: tenantOptions)
                engine.log = { output.log(tenant: tenant.name, source: source.name, $0) }
                let job = SyncJobFactory.job(tenant: tenant, source: source, registry: registry,
                                             stateDirectory: stateDirectory, approve: approve,
                                             client: connection.client, log: engine.log)
                let outcome = await engine.run(job)
                output.finished(outcome.report)
                if output.diff, let store = outcome.store, let runId = outcome.runId, outcome.report.error == nil || outcome.report.status == .blocked {
                    try? PlanPrinter.diff(store: store, runId: runId) { print($0) }
                }
                reports.append(outcome.report)
            }
        }
        output.summary(reports)
        if reports.contains(where: { $0.status == .failed }) { return 1 }
        if reports.contains(where: { $0.status == .blocked }) { return 3 }
        return 0
    }
}
