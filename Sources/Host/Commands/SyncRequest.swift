import Foundation

/// What one `xaas sync` command line asks for, parsed and checked before anything runs (every mistake is a
/// usage error, exit 2). Paths are absolute (``Arguments/configDirectory()``), as workers need them.
struct SyncRequest: Sendable {
    static let options: Set<String> = [
        "--config", "--state", "--tenant", "--source", "--approve-deactivations", "--approve-group-deletions",
        "--plugin-path", "--jobs", "--log-format", "--log-level", "--progress",
    ]
    static let flags: Set<String> = ["--dry-run", "--diff", "--full", "--json", "--cancel-foreign-sessions"]

    var config: URL
    var state: URL
    var tenants: [String]
    var sources: [String]
    var dryRun: Bool
    var diff: Bool
    var full: Bool
    var json: Bool
    var cancelForeignSessions: Bool
    var approve: Int?
    var approveGroupDeletions: Int?
    var pluginPaths: [String]
    var jobs: Int
    var log: LogWriter
    var progress: ProgressDisplay.Mode

    init(_ args: [String]) throws(UsageError) {
        let arguments = try Arguments(args, options: Self.options, flags: Self.flags)
        _ = try arguments.positionals(exactly: [])
        config = try arguments.configDirectory()
        state = try arguments.stateDirectory(config: config)
        tenants = arguments.values("--tenant")
        sources = arguments.values("--source")
        (dryRun, diff, full) = (arguments.flag("--dry-run"), arguments.flag("--diff"), arguments.flag("--full"))
        if diff && !dryRun { throw UsageError("--diff goes with --dry-run") }
        json = arguments.flag("--json")
        cancelForeignSessions = arguments.flag("--cancel-foreign-sessions")
        approve = try arguments.int("--approve-deactivations")
        approveGroupDeletions = try arguments.int("--approve-group-deletions")
        pluginPaths = arguments.values("--plugin-path").map { URL(fileURLWithPath: $0).standardizedFileURL.path }
        jobs = try arguments.int("--jobs", in: 1...256) ?? 4
        log = try arguments.logWriter()
        let mode = try arguments.value("--progress") ?? "auto"
        guard let progress = ProgressDisplay.Mode(rawValue: mode) else {
            throw UsageError("--progress must be auto, always or never, got '\(mode)'")
        }
        self.progress = progress
    }

    /// The worker job for one source (without its endpoint and progress switch).
    func job(tenant: String, source: String) -> WorkerJob {
        var job = WorkerJob(configPath: config, stateDirectory: state, tenant: tenant, source: source)
        job.dryRun = dryRun
        job.full = full
        job.cancelForeignSessions = cancelForeignSessions
        job.approve = approve
        job.approveGroupDeletions = approveGroupDeletions
        job.pluginPaths = pluginPaths
        return job
    }
}
