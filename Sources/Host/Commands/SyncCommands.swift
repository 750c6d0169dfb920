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
/// [--approve-deactivations N] [--approve-group-deletions N] [--cancel-foreign-sessions] [--plugin-path DIR]… [--jobs N]
/// [--log-format text|json] [--log-level LEVEL] [--progress auto|always|never]`
///
/// Each source runs in its own worker process (`xaas __worker`), so a connector that crashes or hangs past
/// the source's `timeoutSeconds` fails only its own run. Sources of one tenant run one after another;
/// tenants run concurrently, `--jobs` (default 4) at a time.
///
/// Exit codes: 0 every run ok, 3 a safeguard blocked a run (and none failed), 1 otherwise, 2 usage.
enum SyncCommand {
    static let usage = "xaas sync [--config DIR] [--state DIR] [--tenant T]… [--source S]… [--dry-run] [--diff] [--full] [--json] [--approve-deactivations N] [--approve-group-deletions N] [--cancel-foreign-sessions] [--plugin-path DIR]… [--jobs N] [--log-format text|json] [--log-level LEVEL] [--progress auto|always|never]"

    /// One source to run: its place in the output order, its tenant and its config.
    struct Item: Sendable {
        var index: Int
        var tenant: TenantConfig
        var source: SourceConfig
    }

    static func run(_ args: [String]) async -> Int32 {
        let request: SyncRequest
        switch Arguments.parse(args, usage: usage, SyncRequest.init) {
        case .success(let parsed): request = parsed
        case .failure(let exit): return exit.status
        }
        let config = loadConfig(request.config)
        guard let lanes = lanes(config.directory, tenants: request.tenants, sources: request.sources) else { return 1 }
        let output = SyncOutput(json: request.json, diff: request.diff, log: request.log)
        let results = await runLanes(lanes, request: request, config: config.directory, output: output)
        if request.diff { printDiffs(results, stateDirectory: request.state, config: config.directory) }
        let reports = results.map(\.report)
        output.summary(reports)
        return exitCode(reports, configProblems: config.problems.count)
    }

    /// Loads the config directory; a source (or tenant) with a problem is skipped and the others still run
    /// (docs/configuration.md), after the problems are printed.
    static func loadConfig(_ path: URL) -> (directory: ConfigDirectory, problems: [ConfigProblem]) {
        let (config, problems) = ConfigDirectory.load(path)
        if !problems.isEmpty {
            for p in problems { StandardError.print("\(p)") }
            StandardError.print("xaas: \(problems.count) configuration problem(s); the sources and tenants they concern were skipped (see `xaas config check`)")
        }
        return (config, problems)
    }

    /// One lane per tenant: its selected sources in order (`--source`, else every enabled one). `nil`, after
    /// saying why, when a `--tenant` is unknown or nothing matches.
    static func lanes(_ config: ConfigDirectory, tenants: [String], sources: [String]) -> [[Item]]? {
        for name in tenants where config.tenant(named: name) == nil {
            StandardError.print("xaas: no tenant '\(name)' in \(config.path.path)")
            return nil
        }
        var lanes: [[Item]] = []
        var index = 0
        for tenant in config.tenants where tenants.isEmpty || tenants.contains(tenant.name) {
            let chosen = tenant.sources.filter { sources.isEmpty ? $0.enabled : sources.contains($0.name) }
            guard !chosen.isEmpty else { continue }
            lanes.append(chosen.map { source in defer { index += 1 }; return Item(index: index, tenant: tenant, source: source) })
        }
        if lanes.isEmpty { StandardError.print("xaas: no enabled source matches in \(config.path.path)") }
        return lanes.isEmpty ? nil : lanes
    }

    /// Runs every lane (tenants concurrently, `--jobs` at a time), showing progress and sending alerts;
    /// returns the results in source order.
    static func runLanes(_ lanes: [[Item]], request: SyncRequest, config: ConfigDirectory,
                         output: SyncOutput) async -> [WorkerResult] {
        let display = ProgressDisplay.wanted(request.progress, json: request.json, jsonLogs: request.log.format == .json)
            ? ProgressDisplay() : nil
        defer { display?.stop() }
        let endpoints = TenantEndpoints(stateDirectory: request.state)
        defer { endpoints.close() }
        let runner = WorkerRunner(log: request.log)
        let alerts = RunAlerts(config: config, log: request.log)
        let results = Mutex<[Int: WorkerResult]>([:])
        let state = stateBackend(request.state, config: config)
        await Lanes.run(lanes, jobs: request.jobs) { item in
            output.started(tenant: item.tenant.name, source: item.source.name)
            let previous = alerts == nil ? nil : RunAlerts.previousStatus(
                state: state, tenant: item.tenant.name, source: item.source.name)
            let result = await runOne(item, request: request, config: config, runner: runner, endpoints: endpoints,
                                      display: display)
            display?.remove(tenant: item.tenant.name, source: item.source.name)
            output.finished(result.report)
            alerts?.finished(result.report, previousStatus: previous, config: config)
            results.withLock { $0[item.index] = result }
        }
        await alerts?.sender.drain(seconds: 20)
        return results.withLock { all in all.keys.sorted().compactMap { all[$0] } }
    }

    /// Runs one source in a worker process; never throws (a failure is a failed result).
    /// With PostgreSQL state the run holds the source's lease (refused while a serve host holds it).
    static func runOne(_ item: Item, request: SyncRequest, config: ConfigDirectory, runner: WorkerRunner,
                       endpoints: TenantEndpoints, display: ProgressDisplay?) async -> WorkerResult {
        var job = request.job(tenant: item.tenant.name, source: item.source.name)
        job.progress = display != nil
        var lease: SourceLease?   // PostgreSQL state: this run's lease (see docs/operations.md)
        defer { lease?.release() }
        do {
            lease = try job.takeSharedState(config.xaas, holder: "xaas sync on \(ServeOptions.hostname())")
            job.endpoint = try endpoints.endpoint(for: item.tenant)
        } catch {
            return .failed(tenant: item.tenant.name, source: item.source.name, durationMs: 0, "\(error)")
        }
        let redactor = SecretRedactor(settingsJSON: item.source.settingsJSON, runCommands: false)
        return await runner.run(job, timeoutSeconds: item.source.timeoutSeconds, redactor: redactor,
                                onProgress: display.map { d in { @Sendable p in d.update(p) } })
    }

    /// `--dry-run --diff`: prints the plan of every run that planned (ok or blocked by a safeguard).
    static func printDiffs(_ results: [WorkerResult], stateDirectory: URL, config: ConfigDirectory) {
        let backend = stateBackend(stateDirectory, config: config)
        for result in results where result.report.error == nil || result.report.status == .blocked {
            guard let runId = result.runId,
                  let store = try? StateStore.open(backend, tenant: result.report.tenant, source: result.report.source)
            else { continue }
            try? PlanPrinter.diff(store: store, runId: runId) { print($0) }
        }
    }

    /// Where the runs' state is: `xaas.json`'s `state.postgres`, else SQLite in `stateDirectory` (the worker
    /// resolves it again and reports a broken PostgreSQL setting as its run's error).
    static func stateBackend(_ stateDirectory: URL, config: ConfigDirectory) -> StateBackend {
        (try? StateBackend.resolve(stateURL: nil, config: config.xaas, stateDirectory: stateDirectory))
            ?? .sqlite(directory: stateDirectory)
    }

    /// 1 when a run failed or the config had problems, else 3 when a safeguard blocked a run, else 0.
    static func exitCode(_ reports: [RunReport], configProblems: Int) -> Int32 {
        if reports.contains(where: { $0.status == .failed }) || configProblems > 0 { return 1 }
        if reports.contains(where: { $0.status == .blocked }) { return 3 }
        return 0
    }
}

extension CommandLineTool {
    /// The hidden worker command (not listed in help).
    static let workerCommand = Command([WorkerCommand.name], "") { args in await WorkerCommand.run(args) }
}
