import Foundation
import Glibc
import HTTPServer

extension CommandLineTool {
    /// The `serve` command.
    static let serveCommands: [Command] = [
        Command(["serve"], "run scheduled syncs until stopped; serve /metrics and /healthz") { args in
            await ServeCommand.run(args)
        },
    ]
}

/// `xaas serve` (``ServeOptions/usage``).
///
/// A long-running scheduler: every enabled source with a `"schedule"` runs when due, in its own worker
/// process (see ``SourceScheduler`` for overlap rules). SIGTERM/SIGINT: stop scheduling, give running
/// syncs `--grace` seconds (default 30) to finish, kill what is left (their journals stay resumable), exit 0.
/// SIGHUP: reload `connectors.d/`; an invalid new config is logged and the old one kept.
///
/// With PostgreSQL state (`xaas.json` `state.postgres` or `--state-url`) several hosts share the sources:
/// a host runs a source only while it holds its lease (``ServeLeases``), so each due source runs on exactly
/// one host, and a host that dies is replaced by another that resumes from the journal.
enum ServeCommand {
    static var usage: String { ServeOptions.usage }

    static func run(_ args: [String]) async -> Int32 {
        let options: ServeOptions
        switch Arguments.parse(args, usage: usage, ServeOptions.init) {
        case .success(let parsed): options = parsed
        case .failure(let exit): return exit.status
        }
        let (initial, problems) = ConfigDirectory.load(options.configPath)
        if !problems.isEmpty {
            for p in problems { StandardError.print("\(p)") }
            StandardError.print("xaas: \(problems.count) configuration problem(s); not serving (see `xaas config check`)")
            return 1
        }
        let stateDirectory = options.stateDirectory
        let backend: StateBackend
        do {
            backend = try StateBackend.resolve(stateURL: options.stateURL, config: initial.xaas, stateDirectory: stateDirectory)
        } catch {
            StandardError.print("xaas: state: \(error)")
            return 1
        }
        let server = ServeHost(options: options, config: initial, stateDirectory: stateDirectory, backend: backend)
        guard server.startHTTP() else { return 1 }
        if backend.isShared {
            options.log.log(tenant: nil, source: nil, "state on \(backend); host id \(options.hostId), lease \(options.leaseSeconds) s")
        }
        await server.loop()
        await server.shutdown()
        return 0
    }
}

/// One running `xaas serve`: the scheduler, the workers, the status server and the leases.
final class ServeHost: @unchecked Sendable {
    let options: ServeOptions
    let stateDirectory: URL
    let backend: StateBackend
    let signals = SignalFlags()
    let metrics = ServeMetrics()
    let scheduler = SourceScheduler()
    let endpoints: TenantEndpoints
    let runner: WorkerRunner
    let output: SyncOutput
    let stopping = StopFlag()
    let budgets: OrgBudgets
    let board = StatusBoard()
    let leases: ServeLeases
    let alerts: RunAlerts?
    private var server: HTTPServer?
    private var log: LogWriter { options.log }

    init(options: ServeOptions, config: ConfigDirectory, stateDirectory: URL, backend: StateBackend) {
        self.options = options
        self.stateDirectory = stateDirectory
        self.backend = backend
        endpoints = TenantEndpoints(stateDirectory: stateDirectory)
        runner = WorkerRunner(log: options.log)
        output = SyncOutput(json: false, diff: false, log: options.log)
        budgets = OrgBudgets(stateDirectory: stateDirectory, backend: backend.isShared ? backend : nil)
        leases = ServeLeases(backend: backend, hostId: options.hostId, ttlSeconds: options.leaseSeconds,
                             metrics: metrics, log: options.log)
        alerts = RunAlerts(config: config, log: options.log)
        install(config)
    }

    /// Starts the metrics and status server when `--listen` was given; `false` when it cannot listen.
    func startHTTP() -> Bool {
        guard let listen = options.listen else { return true }
        var configuration = HTTPServerConfiguration()
        configuration.host = listen.host
        configuration.port = listen.port
        let scheduler = self.scheduler
        let handler = StatusSetup.handler(
            metrics: MetricsHandler(metrics: metrics, stopping: stopping, budgets: budgets), config: board.config,
            stateDirectory: stateDirectory, state: backend, board: board, host: listen.host, due: { scheduler.due($0) }, log: log)
        let http = HTTPServer(configuration: configuration, handler: handler)
        do {
            let port = try http.start()
            log.log(tenant: nil, source: nil, "serving metrics on http://\(listen.host):\(port)/metrics")
            log.log(tenant: nil, source: nil, "status page on http://\(listen.host):\(port)/")
            server = http
            return true
        } catch {
            StandardError.print("xaas: cannot listen on \(listen.host):\(listen.port): \(error)")
            return false
        }
    }

    /// Installs `config`: schedules, lifecycle extra runs, rate budgets, the status board.
    func install(_ config: ConfigDirectory) {
        let (scheduled, unscheduled) = scheduler.load(config)
        LifecycleSchedule.refresh(scheduler, config.tenants, state: backend, log: log)
        budgets.load(config)
        board.config = config
        log.log(tenant: nil, source: nil, "\(scheduled.count) scheduled source(s): \(scheduled.joined(separator: ", "))")
        for key in unscheduled { log.log(tenant: nil, source: nil, "\(key) has no schedule or is disabled; `xaas serve` does not run it") }
    }

    /// Schedules until SIGTERM/SIGINT: reloads on SIGHUP, starts due sources, checks stale sources.
    func loop() async {
        let servingSince = Date()
        var lastStaleCheck = Date.distantPast
        leases.startHeartbeat(stop: stopping)
        while signals.stopSignal == nil {
            if signals.takeReload() { reload() }
            for entry in scheduler.takeDue(jobs: options.jobs) {
                Task { await self.start(entry) }
            }
            if let alerts, Date().timeIntervalSince(lastStaleCheck) >= 60 {
                lastStaleCheck = Date()
                alerts.checkNotSucceeded(config: board.config, state: backend, since: servingSince)
            }
            try? await Task.sleep(for: .milliseconds(200))
        }
    }

    private func reload() {
        let (config, problems) = ConfigDirectory.load(options.configPath)
        if problems.isEmpty {
            log.log(tenant: nil, source: nil, "SIGHUP: reloaded \(options.configPath.path)")
            install(config)
            metrics.reloaded(ok: true)
        } else {
            for p in problems { log.log(.error, tenant: nil, source: nil, "SIGHUP: \(p)") }
            log.log(.error, tenant: nil, source: nil, "SIGHUP: \(problems.count) problem(s) in the new configuration; keeping the previous one")
            metrics.reloaded(ok: false)
        }
    }

    /// Takes `entry`'s lease (PostgreSQL) and runs it in a worker, or gives it back to the scheduler.
    private func start(_ entry: SourceScheduler.Entry) async {
        let lease: SourceLease?
        switch leases.acquire(entry) {
        case .later(let due):
            scheduler.putBack(entry, due: due)
            return
        case .run(let taken):
            lease = taken
        }
        guard !stopping.isSet else {
            leases.release(entry, finished: false)
            scheduler.putBack(entry, due: Date())
            return
        }
        metrics.runStarted()
        output.started(tenant: entry.tenant.name, source: entry.source.name)
        board.started(entry.key)
        let previous = alerts == nil ? nil : RunAlerts.previousStatus(
            state: backend, tenant: entry.tenant.name, source: entry.source.name)
        let result = await runWorker(entry, generation: lease?.generation)
        // A run killed by shutdown did not finish: the next holder resumes it.
        leases.release(entry, finished: !stopping.isSet || result.report.status != .failed)
        board.finished(entry.key)
        output.finished(result.report)
        alerts?.finished(result.report, previousStatus: previous, config: board.config)
        metrics.record(result)
        metrics.runFinished()
        scheduler.finished(entry)
        LifecycleSchedule.refresh(scheduler, [entry.tenant], only: entry.source.name, state: backend, log: log)
    }

    private func runWorker(_ entry: SourceScheduler.Entry, generation: Int64?) async -> WorkerResult {
        var job = WorkerJob(configPath: options.configPath, stateDirectory: stateDirectory,
                            tenant: entry.tenant.name, source: entry.source.name)
        job.pluginPaths = options.pluginPaths
        job.progress = true
        if backend.isShared { job.stateBackend = backend }
        job.leaseGeneration = generation
        do {
            job.endpoint = try endpoints.endpoint(for: entry.tenant)
            let board = self.board
            return await runner.run(job, timeoutSeconds: entry.source.timeoutSeconds,
                                    redactor: SecretRedactor(settingsJSON: entry.source.settingsJSON, runCommands: false),
                                    onProgress: { board.update($0) })
        } catch {
            return .failed(tenant: entry.tenant.name, source: entry.source.name, durationMs: 0, "\(error)")
        }
    }

    /// Stops scheduling, waits `--grace` seconds for running syncs, kills what is left, releases leases.
    func shutdown() async {
        stopping.set()
        let signalName = signals.stopSignal == SIGINT ? "SIGINT" : "SIGTERM"
        let grace = options.grace
        let deadline = Date().addingTimeInterval(Double(grace))
        if scheduler.running > 0 {
            log.log(tenant: nil, source: nil, "\(signalName): no new runs; waiting up to \(grace) s for \(scheduler.running) running sync(s)")
        }
        while scheduler.running > 0 && Date() < deadline { try? await Task.sleep(for: .milliseconds(100)) }
        if scheduler.running > 0 {
            log.log(.warning, tenant: nil, source: nil, "\(signalName): \(scheduler.running) sync(s) still running after \(grace) s; stopping them (their journals resume on the next run)")
            runner.killAll(SIGKILL)
            let hard = Date().addingTimeInterval(10)
            while scheduler.running > 0 && Date() < hard { try? await Task.sleep(for: .milliseconds(50)) }
        }
        server?.stop()
        endpoints.close()
        await alerts?.sender.drain(seconds: 10)
        log.log(tenant: nil, source: nil, "\(signalName): stopped")
    }
}
