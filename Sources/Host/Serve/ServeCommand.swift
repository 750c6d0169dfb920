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

/// `xaas serve [--config DIR] [--state DIR] [--listen HOST:PORT] [--jobs N] [--grace SECONDS]
/// [--log-format text|json] [--log-level LEVEL] [--plugin-path DIR]…`
///
/// A long-running scheduler: every enabled source with a `"schedule"` runs when due, in its own worker
/// process (see ``SourceScheduler`` for overlap rules). SIGTERM/SIGINT: stop scheduling, give running
/// syncs `--grace` seconds (default 30) to finish, kill what is left (their journals stay resumable), exit 0.
/// SIGHUP: reload `connectors.d/`; an invalid new config is logged and the old one kept.
enum ServeCommand {
    static let usage = "xaas serve [--config DIR] [--state DIR] [--listen HOST:PORT] [--jobs N] [--grace SECONDS] [--log-format text|json] [--log-level LEVEL] [--plugin-path DIR]…"

    static func run(_ args: [String]) async -> Int32 {
        if args.contains("-h") || args.contains("--help") { print("usage: \(usage)"); return 0 }
        let arguments: Arguments, jobs: Int, grace: Int, log: LogWriter, configPath: URL, stateDirectory: URL
        var listen: (host: String, port: Int)?
        do throws(UsageError) {
            arguments = try Arguments(args, options: ["--config", "--state", "--listen", "--jobs", "--grace",
                                                      "--log-format", "--log-level", "--plugin-path"], flags: [])
            _ = try arguments.positionals(exactly: [])
            jobs = try arguments.int("--jobs", in: 1...256) ?? 4
            grace = try arguments.int("--grace", in: 0...86_400) ?? 30
            log = try arguments.logWriter()
            configPath = try arguments.configDirectory()
            stateDirectory = try arguments.stateDirectory(config: configPath)
            if let text = try arguments.value("--listen") {
                if let port = Int(text), (0...65_535).contains(port) {
                    listen = ("127.0.0.1", port)   // a bare port listens on loopback
                } else {
                guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]),
                      (0...65_535).contains(port), colon != text.startIndex else {
                    throw UsageError("--listen expects HOST:PORT, e.g. 127.0.0.1:9464, got '\(text)'")
                }
                listen = (String(text[..<colon]).trimmingCharacters(in: CharacterSet(charactersIn: "[]")), port)
                }
            }
        } catch {
            StandardError.print("xaas: \(error.message)\nusage: \(usage)")
            return 2
        }
        let (initial, problems) = ConfigDirectory.load(configPath)
        if !problems.isEmpty {
            for p in problems { StandardError.print("\(p)") }
            StandardError.print("xaas: \(problems.count) configuration problem(s); not serving (see `xaas config check`)")
            return 1
        }
        let signals = SignalFlags()
        let metrics = ServeMetrics()
        let scheduler = SourceScheduler()
        let endpoints = TenantEndpoints(stateDirectory: stateDirectory)
        let runner = WorkerRunner(log: log)
        let output = SyncOutput(json: false, diff: false, log: log)
        let stopping = StopFlag()
        let budgets = OrgBudgets(stateDirectory: stateDirectory)
        budgets.load(initial)
        let board = StatusBoard()
        board.config = initial
        var server: HTTPServer?
        if let listen {
            var configuration = HTTPServerConfiguration()
            configuration.host = listen.host
            configuration.port = listen.port
            let handler = StatusSetup.handler(
                metrics: MetricsHandler(metrics: metrics, stopping: stopping, budgets: budgets), config: initial,
                stateDirectory: stateDirectory, board: board, host: listen.host,
                due: { scheduler.due($0) }, log: log)
            let http = HTTPServer(configuration: configuration, handler: handler)
            do {
                let port = try http.start()
                log.log(tenant: nil, source: nil, "serving metrics on http://\(listen.host):\(port)/metrics")
                log.log(tenant: nil, source: nil, "status page on http://\(listen.host):\(port)/")
                server = http
            } catch {
                StandardError.print("xaas: cannot listen on \(listen.host):\(listen.port): \(error)")
                return 1
            }
        }
        func install(_ config: ConfigDirectory) {
            let (scheduled, unscheduled) = scheduler.load(config)
            LifecycleSchedule.refresh(scheduler, config.tenants, stateDirectory: stateDirectory, log: log)
            budgets.load(config)
            board.config = config
            log.log(tenant: nil, source: nil, "\(scheduled.count) scheduled source(s): \(scheduled.joined(separator: ", "))")
            for key in unscheduled { log.log(tenant: nil, source: nil, "\(key) has no schedule or is disabled; `xaas serve` does not run it") }
        }
        install(initial)
        let alerts = RunAlerts(config: initial, log: log)
        let servingSince = Date()
        var lastStaleCheck = Date.distantPast
        let pluginPaths = arguments.values("--plugin-path").map { URL(fileURLWithPath: $0).standardizedFileURL.path }

        while signals.stopSignal == nil {
            if signals.takeReload() {
                let (config, problems) = ConfigDirectory.load(configPath)
                if problems.isEmpty {
                    log.log(tenant: nil, source: nil, "SIGHUP: reloaded \(configPath.path)")
                    install(config)
                    metrics.reloaded(ok: true)
                } else {
                    for p in problems { log.log(.error, tenant: nil, source: nil, "SIGHUP: \(p)") }
                    log.log(.error, tenant: nil, source: nil, "SIGHUP: \(problems.count) problem(s) in the new configuration; keeping the previous one")
                    metrics.reloaded(ok: false)
                }
            }
            for entry in scheduler.takeDue(jobs: jobs) {
                metrics.runStarted()
                Task {
                    output.started(tenant: entry.tenant.name, source: entry.source.name)
                    board.started(entry.key)
                    let previous = alerts == nil ? nil : RunAlerts.previousStatus(
                        stateDirectory: stateDirectory, tenant: entry.tenant.name, source: entry.source.name)
                    var job = WorkerJob(configPath: configPath, stateDirectory: stateDirectory,
                                        tenant: entry.tenant.name, source: entry.source.name)
                    job.pluginPaths = pluginPaths
                    job.progress = true
                    let result: WorkerResult
                    do {
                        job.endpoint = try endpoints.endpoint(for: entry.tenant)
                        result = await runner.run(job, timeoutSeconds: entry.source.timeoutSeconds,
                                                  redactor: SecretRedactor(settingsJSON: entry.source.settingsJSON, runCommands: false),
                                                  onProgress: { board.update($0) })
                    } catch {
                        result = .failed(tenant: entry.tenant.name, source: entry.source.name, durationMs: 0, "\(error)")
                    }
                    board.finished(entry.key)
                    output.finished(result.report)
                    alerts?.finished(result.report, previousStatus: previous, config: board.config)
                    metrics.record(result)
                    metrics.runFinished()
                    scheduler.finished(entry)
                    LifecycleSchedule.refresh(scheduler, [entry.tenant], only: entry.source.name, stateDirectory: stateDirectory, log: log)
                }
            }
            if let alerts, Date().timeIntervalSince(lastStaleCheck) >= 60 {
                lastStaleCheck = Date()
                alerts.checkNotSucceeded(config: board.config, stateDirectory: stateDirectory, since: servingSince)
            }
            try? await Task.sleep(for: .milliseconds(200))
        }

        stopping.set()
        let signalName = signals.stopSignal == SIGINT ? "SIGINT" : "SIGTERM"
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
        return 0
    }
}
