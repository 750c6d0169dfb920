import Foundation
import Glibc
import XaasJSON

/// `xaas __worker` (hidden): runs ONE source in this process and reports on its result channel.
///
/// The parent (`xaas sync`, `xaas serve`) writes a ``WorkerJob`` as JSON on stdin. The worker moves its
/// original stdout aside as the result channel and points fd 1 at stderr, so nothing a connector prints
/// can corrupt the result. Log lines go to stderr as ``WorkerLog`` records `{"level",<metadata>…,"message"}`
/// at the parent's level and above, redacted of the run's secrets; the parent tags them with tenant and
/// source. The last act
/// is one line of ``WorkerResult`` JSON on the result channel. Exit 0 when a result was written.
enum WorkerCommand {
    static let name = "__worker"

    static func run(_ args: [String]) async -> Int32 {
        watchParent()
        let resultFD = dup(STDOUT_FILENO)
        _ = dup2(STDERR_FILENO, STDOUT_FILENO)
        let input = FileHandle.standardInput.readDataToEndOfFile()
        let job: WorkerJob
        do {
            job = try WorkerJob(json: try JSONValue.parse(bytes: Array(input)))
        } catch {
            WorkerLog.logger(minimum: .info).error("xaas __worker: cannot read the job on stdin (\(error)); this command is started by xaas sync/serve")
            return 2
        }
        let result = await execute(job, resultFD: resultFD)
        guard writeResult(result, to: resultFD) else { return 1 }
        close(resultFD)
        return 0
    }

    /// Writes `result` as one JSON line on the result channel; false when the parent is gone.
    @discardableResult
    static func writeResult(_ result: WorkerResult, to resultFD: Int32) -> Bool {
        let line = Array((result.json.serialized + "\n").utf8)
        var written = 0
        while written < line.count {
            let n = line[written...].withUnsafeBufferPointer { write(resultFD, $0.baseAddress, $0.count) }
            if n <= 0 { if errno == EINTR { continue }; return false }
            written += n
        }
        return true
    }

    /// Workers live in their own process group, so a Ctrl-C or a kill aimed at the parent does not reach
    /// them. When the parent is gone (this process was re-parented), the worker kills itself: the run's
    /// journal is crash-safe and the next run resumes it. Checked once a second on a dedicated thread.
    static func watchParent() {
        let parent = getppid()
        let thread = Thread {
            while true {
                sleep(1)
                if getppid() != parent {
                    WorkerLog.logger(minimum: .info).error("the parent xaas process is gone; stopping this run (the next run resumes it)")
                    kill(getpid(), SIGKILL)
                }
            }
        }
        thread.start()
    }

    /// Writes one progress record on stderr: `{"progress":{…}}` (``SyncProgress/json``).
    static func emitProgress(_ progress: SyncProgress) {
        let line = JSONValue.object([("progress", progress.json)]).serialized + "\n"
        FileHandle.standardError.write(Data(line.utf8))
    }

    /// Runs the job. A connector that breaks the source's ``WorkerLimits`` (a call that does not return, a
    /// leak) is abandoned: a `failed` result naming why goes to `resultFD` and the process ends at once.
    static func execute(_ job: WorkerJob, resultFD: Int32) async -> WorkerResult {
        let started = Date()
        let log = WorkerLog.logger(minimum: job.logLevel)
        func failed(_ message: String) -> WorkerResult {
            WorkerResult.failed(tenant: job.tenant, source: job.source,
                                durationMs: Int(Date().timeIntervalSince(started) * 1000), message)
        }
        let (config, _) = ConfigDirectory.load(job.configPath)
        guard let tenant = config.tenant(named: job.tenant) else {
            return failed("tenant '\(job.tenant)' is no longer valid in \(job.configPath.path) (see `xaas config check`)")
        }
        guard let source = tenant.source(named: job.source) else {
            return failed("source '\(job.source)' is no longer valid in \(tenant.directory.path) (see `xaas config check`)")
        }
        // This process talks to this one org: its "proxy" goes into the environment libcurl reads.
        OrgProxy.apply(tenant.org)
        source.workerLimits.enforce(plugin: source.connector) { reason in
            log.error(reason)
            writeResult(.failed(tenant: job.tenant, source: job.source,
                                durationMs: Int(Date().timeIntervalSince(started) * 1000), reason), to: resultFD)
            _exit(0)
        }
        // The org's rate limiter shares its budget with every other worker through the state directory.
        let limiter: OrgRateLimiter
        do {
            limiter = try OrgRateLimiter.shared(tenant: tenant.name, stateDirectory: job.stateDirectory, org: tenant.org,
                                                backend: job.stateBackend, warn: { log.warning($0) })
        } catch {
            return failed("\(error)")
        }
        let observer = RunRateObserver(next: limiter)
        let client: OktaClient
        let cooldown: Double
        do {
            if let endpoint = job.endpoint {
                client = try OktaClient(configuration: OktaClientConfiguration(
                    baseURL: endpoint.url, token: endpoint.token, scheme: endpoint.scheme), observer: observer)
                cooldown = endpoint.cooldownSeconds
            } else {
                guard case .remote(let url) = tenant.org.endpoint else {
                    return failed("\(tenant.name): an embedded org needs its endpoint from the parent process")
                }
                client = try OrgClientFactory.client(org: tenant.org, url: url, observer: observer)
                cooldown = tenant.org.sessionCooldownSeconds ?? 300
            }
        } catch {
            return failed("\(error)")
        }
        var options = SyncEngine.Options()
        options.dryRun = job.dryRun
        options.full = job.full
        options.session.cancelForeignSessions = job.cancelForeignSessions
        options.session.cooldownSeconds = cooldown
        var engine = SyncEngine(options: options)
        if job.progress {
            // The ETA never assumes requests faster than the org's rate budget allows.
            var rules = ProgressTracker.Rules()
            if let perMinute = tenant.org.rateLimitPerMinute {
                rules.budgetSecondsPerRequest = 60 / max(1, Double(perMinute) * tenant.org.rateLimitShare)
            }
            engine.progress = ProgressTracker(tenant: job.tenant, source: job.source, rules: rules) { emitProgress($0) }
        }
        let registry = PluginRegistry(searchPath: PluginSearchPath(extraDirectories: job.pluginPaths))
        // An approval given on the status page counts as `--approve-deactivations N` for this run.
        let approvals = ApprovalStore(stateDirectory: job.stateDirectory, backend: job.stateBackend)
        let stored = job.approve == nil ? approvals.pending(tenant: job.tenant, source: job.source) : nil
        if let stored { log.info("using the approval of \(stored) deactivation(s) given on the status page") }
        var syncJob = SyncJobFactory.job(tenant: tenant, source: source, registry: registry,
                                         stateDirectory: job.stateDirectory, approve: job.approve ?? stored,
                                         approveGroupDeletions: job.approveGroupDeletions,
                                         client: client, logger: log)
        syncJob.stateBackend = job.stateBackend
        syncJob.fence = job.leaseGeneration.map { LeaseFence(tenant: job.tenant, source: job.source, generation: $0) }
        let runLog = log.redacting(syncJob.redactor)
        engine.log = { runLog.info($0) }
        let outcome = await engine.run(syncJob)
        if stored != nil, !job.dryRun, outcome.report.status != .failed {
            approvals.consume(tenant: job.tenant, source: job.source)
        }
        var rate = observer.current
        let status = limiter.status()
        rate.waits = status.waitsTotal
        rate.secondsWaited = status.secondsWaited
        return WorkerResult(report: outcome.report, runId: outcome.runId, rate: rate)
    }
}
