import Foundation
import Synchronization

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
/// [--approve-deactivations N] [--approve-group-deletions N] [--cancel-foreign-sessions] [--plugin-path DIR]… [--jobs N] [--log-format text|json] [--progress auto|always|never]`
///
/// Each source runs in its own worker process (`xaas __worker`), so a connector that crashes or hangs past
/// the source's `timeoutSeconds` fails only its own run. Sources of one tenant run one after another;
/// tenants run concurrently, `--jobs` (default 4) at a time.
///
/// Exit codes: 0 every run ok, 3 a safeguard blocked a run (and none failed), 1 otherwise, 2 usage.
enum SyncCommand {
    static let usage = "xaas sync [--config DIR] [--state DIR] [--tenant T]… [--source S]… [--dry-run] [--diff] [--full] [--json] [--approve-deactivations N] [--approve-group-deletions N] [--cancel-foreign-sessions] [--plugin-path DIR]… [--jobs N] [--log-format text|json] [--progress auto|always|never]"

    static func run(_ args: [String]) async -> Int32 {
        if args.contains("-h") || args.contains("--help") { print("usage: \(usage)"); return 0 }
        let arguments: Arguments
        let approve: Int?
        let approveGroups: Int?
        do throws(UsageError) {
            arguments = try Arguments(
                args, options: ["--config", "--state", "--tenant", "--source", "--approve-deactivations", "--approve-group-deletions", "--plugin-path", "--jobs", "--log-format", "--progress"],
                flags: ["--dry-run", "--diff", "--full", "--json", "--cancel-foreign-sessions"])
            _ = try arguments.positionals(exactly: [])
            approve = try arguments.int("--approve-deactivations")
            approveGroups = try arguments.int("--approve-group-deletions")
            if arguments.flag("--diff") && !arguments.flag("--dry-run") { throw UsageError("--diff goes with --dry-run") }
        } catch {
            StandardError.print("xaas: \(error.message)\nusage: \(usage)")
            return 2
        }
        let configPath = URL(fileURLWithPath: (try? arguments.value("--config")) ?? nil ?? "connectors.d")
        let (config, problems) = ConfigDirectory.load(configPath)
        if !problems.isEmpty {
            // A source (or tenant) with a problem is skipped; the others still run (docs/configuration.md).
            for p in problems { StandardError.print("\(p)") }
            StandardError.print("xaas: \(problems.count) configuration problem(s); the sources and tenants they concern were skipped (see `xaas config check`)")
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
        let jobs: Int
        let log: LogWriter
        let progressMode: ProgressDisplay.Mode
        do throws(UsageError) {
            jobs = try arguments.int("--jobs", in: 1...256) ?? 4
            log = try LogWriter(option: arguments.value("--log-format"))
            let mode = try arguments.value("--progress") ?? "auto"
            guard let parsed = ProgressDisplay.Mode(rawValue: mode) else {
                throw UsageError("--progress must be auto, always or never, got '\(mode)'")
            }
            progressMode = parsed
        } catch {
            StandardError.print("xaas: \(error.message)\nusage: \(usage)")
            return 2
        }
        let display = ProgressDisplay.wanted(progressMode, json: arguments.flag("--json"), jsonLogs: log.format == .json)
            ? ProgressDisplay() : nil
        defer { display?.stop() }
        let onProgress: (@Sendable (SyncProgress) -> Void)? = display.map { d in { @Sendable p in d.update(p) } }
        let output = SyncOutput(json: arguments.flag("--json"), diff: arguments.flag("--diff"), log: log)
        let endpoints = TenantEndpoints(stateDirectory: stateDirectory)
        defer { endpoints.close() }
        let runner = WorkerRunner(log: log)
        let absoluteConfig = configPath.standardizedFileURL
        let absoluteState = URL(fileURLWithPath: stateDirectory.path, relativeTo: URL(fileURLWithPath: FileManager.default.currentDirectoryPath)).standardizedFileURL
        let pluginPaths = arguments.values("--plugin-path").map { URL(fileURLWithPath: $0).standardizedFileURL.path }
        // One lane per tenant: its sources in order; lanes (tenants) run concurrently, `--jobs` at a time.
        var lanes: [[(index: Int, tenant: TenantConfig, source: SourceConfig)]] = []
        var index = 0
        for (tenant, tenantSources) in selected {
            lanes.append(tenantSources.map { source in defer { index += 1 }; return (index, tenant, source) })
        }
        let alerts = RunAlerts(config: config, log: log)
        let results = Mutex<[Int: WorkerResult]>([:])
        await Lanes.run(lanes, jobs: jobs) { item in
            let (tenant, source) = (item.tenant, item.source)
            output.started(tenant: tenant.name, source: source.name)
            let previous = alerts == nil ? nil
                : RunAlerts.previousStatus(stateDirectory: absoluteState, tenant: tenant.name, source: source.name)
            var job = WorkerJob(configPath: absoluteConfig, stateDirectory: absoluteState, tenant: tenant.name, source: source.name)
            job.dryRun = arguments.flag("--dry-run")
            job.full = arguments.flag("--full")
            job.cancelForeignSessions = arguments.flag("--cancel-foreign-sessions")
            job.approve = approve
            job.approveGroupDeletions = approveGroups
            job.pluginPaths = pluginPaths
            job.progress = display != nil
            let result: WorkerResult
            var lease: SourceLease?   // PostgreSQL state: this run's lease (see docs/operations.md)
            do {
                lease = try job.takeSharedState(config.xaas, holder: "xaas sync on \(ServeOptions.hostname())")
                job.endpoint = try endpoints.endpoint(for: tenant)
                result = await runner.run(job, timeoutSeconds: source.timeoutSeconds, onProgress: onProgress)
            } catch {
                result = .failed(tenant: tenant.name, source: source.name, durationMs: 0, "\(error)")
            }
            lease?.release()
            display?.remove(tenant: tenant.name, source: source.name)
            output.finished(result.report)
            alerts?.finished(result.report, previousStatus: previous, config: config)
            results.withLock { $0[item.index] = result }
        }
        await alerts?.sender.drain(seconds: 20)
        let ordered = results.withLock { all in all.keys.sorted().compactMap { all[$0] } }
        let reports = ordered.map(\.report)
        if output.diff {
            for result in ordered where result.report.error == nil || result.report.status == .blocked {
                guard let runId = result.runId,
                      let store = try? StateStore.open(
                          (try? StateBackend.resolve(stateURL: nil, config: config.xaas, stateDirectory: absoluteState)) ?? .sqlite(directory: absoluteState),
                          tenant: result.report.tenant, source: result.report.source)
                else { continue }
                try? PlanPrinter.diff(store: store, runId: runId) { print($0) }
            }
        }
        output.summary(reports)
        if reports.contains(where: { $0.status == .failed }) || !problems.isEmpty { return 1 }
        if reports.contains(where: { $0.status == .blocked }) { return 3 }
        return 0
    }
}

extension CommandLineTool {
    /// The hidden worker command (not listed in help).
    static let workerCommand = Command([WorkerCommand.name], "") { args in await WorkerCommand.run(args) }
}
