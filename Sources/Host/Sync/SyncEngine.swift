import Foundation

/// Runs one identity source end to end: lock, recover, read and plan, safeguards, apply, report.
public struct SyncEngine {
    /// Everything one source's run needs, resolved from config by the command layer.
    public struct Job {
        public var tenant: String
        public var source: String
        public var stateDirectory: URL
        public var pageSize: Int
        public var rules: Planner.Rules
        public var safeguards: SafeguardCheck
        /// Opens the connector (called on the planning thread).
        public var openSource: () throws -> any RecordSource
        /// Okta for this source; may be `nil` for a dry run.
        public var target: (any ImportTarget)?
        /// Removes the source's secrets from the report before it is stored or returned.
        public var redactor = SecretRedactor.none
        /// Group and membership planning; `nil` = group records are passed over.
        public var groups: GroupPlanner.Rules?
        /// ``groups`` came from defaults (the `groups` key is absent): used only if the connector declares
        /// the groups capability.
        public var groupsByCapability = false
        /// `--approve-group-deletions N` (falls back to `--approve-deactivations N`).
        public var approvedGroupDeletions: Int?
        /// Where state lives (`nil` = SQLite in ``stateDirectory``) and, on PostgreSQL, the lease generation
        /// every state write is fenced by (`xaas serve` with several hosts).
        public var stateBackend: StateBackend?
        public var fence: LeaseFence?

        public init(tenant: String, source: String, stateDirectory: URL, pageSize: Int, rules: Planner.Rules,
                    safeguards: SafeguardCheck, openSource: @escaping () throws -> any RecordSource,
                    target: (any ImportTarget)?) {
            self.tenant = tenant
            self.source = source
            self.stateDirectory = stateDirectory
            self.pageSize = pageSize
            self.rules = rules
            self.safeguards = safeguards
            self.openSource = openSource
            self.target = target
        }
    }

    public struct Options: Sendable {
        public var dryRun = false
        /// Resend every in-scope user and ignore checkpoints.
        public var full = false
        public var session = SessionRunner.Options()
        public init() {}
    }

    public var options: Options
    public var sleep: @Sendable (Double) async -> Void = { try? await Task.sleep(for: .seconds($0)) }
    public var log: @Sendable (String) -> Void = { _ in }
    /// Receives the run's progress (phase, counts, ETA) when set.
    public var progress: ProgressTracker?
    /// Now, in epoch seconds, for the session runner's cool-down (injectable with ``sleep`` for a virtual clock).
    public var now: @Sendable () -> Double = { Date().timeIntervalSince1970 }

    public init(options: Options) { self.options = options }

    /// The outcome of a run, with the plan's run id for `--diff` printing.
    public struct Outcome {
        public var report: RunReport
        public var runId: Int64?
        public var store: StateStore?
    }

    /// Runs `job`; never throws: every failure becomes a `failed` (or `blocked`) report.
    /// Its Okta requests queue in the org's rate limiter under the source's name (round-robin).
    public func run(_ job: Job) async -> Outcome {
        await RateLimitContext.$source.withValue(job.source) { await runJob(job) }
    }

    private func runJob(_ job: Job) async -> Outcome {
        let started = Date()
        var report = RunReport(tenant: job.tenant, source: job.source)
        report.dryRun = options.dryRun
        var runId: Int64?
        var store: StateStore?
        do {
            let lock = try SourceLock(stateDirectory: job.stateDirectory, tenant: job.tenant, source: job.source)
            defer { withExtendedLifetime(lock) {} }
            let opened = try StateStore.open(job.stateBackend ?? .sqlite(directory: job.stateDirectory),
                                             tenant: job.tenant, source: job.source, fence: job.fence)
            store = opened
            let id = try opened.beginRun(dryRun: options.dryRun)
            runId = id
            let runner = job.target.map {
                SessionRunner(target: $0, store: opened, options: options.session, sleep: sleep, log: log)
            }
            runner?.progress = progress
            runner?.now = now
            if !options.dryRun {
                guard let runner else { throw SyncError("this run has no Okta target to apply its plan to (a bug in how the job was built: please report it); rerun with --dry-run to see the plan") }
                try await runner.recover()
            }
            progress?.phase(.reading)
            let summary = try await plan(job, store: opened, runId: id)
            fill(&report, from: summary)
            progress?.phase(.planning)
            let appliedActive = try opened.appliedCount(kind: .user, status: .active)
            let groupBlock = try groupBlockReason(job, summary, opened)
            if let readError = summary.readError, summary.recordsRead == 0 {
                // A read that failed before its first record is a read failure, not an empty source:
                // reported as such (exit 1) before any safeguard, and never with advice to approve.
                report.status = .failed
                report.error = "read failed: \(readError) (nothing was sent; no deactivations were planned)"
                report.created = 0; report.updated = 0; report.deactivated = 0
                report.groups = .init(); report.memberships = .init()
            } else if let reason = job.safeguards.blockReason(summary: summary, appliedActiveUsers: appliedActive) ?? groupBlock {
                report.status = .blocked
                let approval = summary.groups.deletes > 0 || summary.groups.membershipRemovals > 0
                    ? "`--approve-deactivations \(summary.deactivations)` and/or `--approve-group-deletions \(summary.groups.deletes)`"
                    : "`--approve-deactivations \(summary.deactivations)`"
                report.error = "blocked: \(reason). Nothing was sent. Review with `xaas sync --tenant \(job.tenant) --source \(job.source) --dry-run --diff`, then approve with \(approval)."
                report.created = 0; report.updated = 0; report.deactivated = 0
                report.groups = .init(); report.memberships = .init()
            } else if let reason = job.safeguards.changeBlockReason(summary: summary, appliedActiveUsers: appliedActive) {
                report.status = .blocked
                report.error = "blocked: \(reason). " + SafeguardCheck.changeAdvice(tenant: job.tenant, source: job.source)
                report.created = 0; report.updated = 0; report.deactivated = 0
                report.groups = .init(); report.memberships = .init()
            } else if options.dryRun {
                report.created = summary.creates
                report.updated = summary.updates
                report.deactivated = summary.deactivations
                report.groups.fill(planned: summary.groups)
                report.memberships.fill(planned: summary.groups)
            } else if let runner {
                report.created = 0; report.updated = 0; report.deactivated = 0
                ProgressHooks.configure(progress, options: options.session, store: opened, summary: summary)
                do {
                    try await runner.apply(runId: id)
                } catch {
                    report.status = .failed
                    report.error = "\(error)"
                }
                report.created = runner.result.created
                report.updated = runner.result.updated
                report.deactivated = runner.result.deactivated
                report.groups.fill(applied: runner.result)
                report.memberships.fill(applied: runner.result)
                report.bulkRequests = runner.result.bulkRequests
                report.sessions = runner.result.sessions
                if report.status == .ok, summary.complete {
                    // Persisted only now that everything read has been applied (at-least-once delivery).
                    try opened.saveCheckpoint(summary.checkpoint)
                }
            }
            if let readError = summary.readError, report.status == .blocked {
                // A failed read is reported as such (exit 1), whatever a safeguard also found.
                report.status = .failed
                report.error = "read failed: \(readError) (no deactivations were planned); the plan was also \(report.error ?? "blocked")"
            } else if let readError = summary.readError, report.status == .ok {
                report.status = .failed
                report.error = "read failed: \(readError) (no deactivations were planned)"
            }
        } catch {
            report.status = .failed
            report.error = "\(error)"
        }
        report.durationMs = Int(Date().timeIntervalSince(started) * 1000)
        report = job.redactor.redact(report)
        if let store, let runId {
            try? store.finishRun(runId, status: report.status.rawValue, reportJSON: report.json.serialized)
        }
        return Outcome(report: report, runId: runId, store: store)
    }

    private func plan(_ job: Job, store: StateStore, runId: Int64) async throws -> PlanSummary {
        let checkpoint = options.full ? nil : try store.checkpoint()
        let options = self.options
        let progress = self.progress
        let transfer = UncheckedTransfer(value: (job, store))
        return try await onDedicatedThread {
            let (job, store) = transfer.value
            let source = try job.openSource()
            var planner = Planner(store: store, runId: runId, source: source, rules: job.rules,
                                  pageSize: job.pageSize, checkpoint: checkpoint)
            planner.resendUnchanged = options.full
            planner.dryRun = options.dryRun
            if let progress { planner.onPage = { progress.recordsRead($0) } }
            planner.groups = SyncEngine.groupRules(job, source)
            return try planner.plan()
        }
    }

    private func fill(_ report: inout RunReport, from summary: PlanSummary) {
        report.unchanged = summary.unchanged
        report.pending = summary.pending
        report.invalid = summary.invalid
        report.outOfScope = summary.outOfScope
        report.inactiveNotApplied = summary.inactiveNotApplied
        report.skippedByConnector = summary.skippedByConnector
        report.incremental = summary.incremental
        report.deactivationsByReason = summary.deactivationsByReason
        report.problems = summary.invalidSamples
        report.notes = summary.notes
        report.groups.unchanged = summary.groups.unchanged
        report.memberships.skipped = summary.groups.membershipsSkipped
        report.groupProblems(summary.groups)
        if summary.ignoredNonUsers > 0 {
            report.notes.append("\(summary.ignoredNonUsers) group/membership records were passed over (group sync is not enabled)")
        }
    }
}
