import Foundation
import Glibc
import Synchronization
import XaasJSON

/// Runs one source in a worker process and turns whatever happened into a ``WorkerResult``: the
/// worker's own result, or a `failed` one naming the signal, exit status or timeout.
///
/// Threading: `running` (a `Mutex`) guards the set of live workers so ``killAll(_:)`` (shutdown) can reach
/// them from any thread.
final class WorkerRunner: Sendable {
    let log: LogWriter
    private let running = Mutex<[ObjectIdentifier: WorkerProcess]>([:])

    init(log: LogWriter) { self.log = log }

    /// Runs `job` at this runner's log level; never throws. `timeoutSeconds` is the source's
    /// `timeoutSeconds`. Progress records the worker streams (when `job.progress`) go to `onProgress`, never
    /// to the log. `redactor` (the source's secrets) cleans raw text a connector writes on stderr itself.
    func run(_ job: WorkerJob, timeoutSeconds: Double?, redactor: SecretRedactor = .none,
             onProgress: (@Sendable (SyncProgress) -> Void)? = nil) async -> WorkerResult {
        var job = job
        job.logLevel = log.minimum
        let process = WorkerProcess()
        let key = ObjectIdentifier(process)
        running.withLock { $0[key] = process }
        defer { _ = running.withLock { $0.removeValue(forKey: key) } }
        let log = self.log, tenant = job.tenant, source = job.source
        let outcome: WorkerProcess.Outcome
        do {
            outcome = try await process.run(input: Array(job.json.serialized.utf8), timeoutSeconds: timeoutSeconds) {
                if let progress = SyncProgress(workerLine: $0) { onProgress?(progress); return }
                log.relay(workerLine: $0, tenant: tenant, source: source, redactor: redactor)
            }
        } catch {
            return .failed(tenant: tenant, source: source, durationMs: 0, "\(error)")
        }
        return Self.interpret(outcome, tenant: tenant, source: source, timeoutSeconds: timeoutSeconds)
    }

    static func interpret(_ outcome: WorkerProcess.Outcome, tenant: String, source: String,
                          timeoutSeconds: Double?) -> WorkerResult {
        let resume = "its journal is kept and the next run resumes it"
        if outcome.timedOut {
            let limit = timeoutSeconds.map { String(format: "%g", $0) } ?? "?"
            return .failed(tenant: tenant, source: source, durationMs: outcome.durationMs,
                           "timed out after \(limit) s (the source's timeoutSeconds); the worker was killed, \(resume)")
        }
        let text = String(decoding: outcome.stdout, as: UTF8.self)
        let lastLine = text.split(separator: "\n").last.map(String.init) ?? ""
        if outcome.termination == .exited(0), let json = try? JSONValue.parse(lastLine), let result = WorkerResult(json: json) {
            return result
        }
        switch outcome.termination {
        case .signalled(let signal):
            return .failed(tenant: tenant, source: source, durationMs: outcome.durationMs,
                           "the worker crashed with \(WorkerResult.signalName(signal)) (in the connector or xaas); \(resume)")
        case .exited(let status):
            return .failed(tenant: tenant, source: source, durationMs: outcome.durationMs,
                           "the worker exited with status \(status) without a report (a connector may have called exit()); \(resume)")
        }
    }

    /// Sends `signal` to every live worker.
    func killAll(_ signal: Int32) {
        for process in running.withLock({ Array($0.values) }) { process.kill(signal) }
    }

    /// How many workers are running.
    var count: Int { running.withLock { $0.count } }
}
