import Foundation
import Glibc
import XaasJSON

/// What a worker reports for its run: the ``RunReport`` plus what only the worker saw (the plan's run id
/// for `--diff`, rate-limit figures for metrics). Printed by the worker as one JSON line on its result
/// channel; rebuilt by the parent, or made up by the parent when the worker crashed or timed out.
struct WorkerResult: Sendable {
    var report: RunReport
    var runId: Int64?
    var rate = RunRateObserver.Figures()

    var json: JSONValue {
        func n(_ i: Int?) -> JSONValue { i.map { .number(String($0)) } ?? .null }
        return .object([
            ("report", report.json), ("runId", runId.map { .number(String($0)) } ?? .null),
            ("rateLimited", n(rate.rateLimited)), ("rateLimitRemaining", n(rate.remaining)),
            ("rateLimitLimit", n(rate.limit)), ("rateLimitWaits", n(rate.waits)),
            ("rateLimitSecondsWaited", .number(String(format: "%.3f", rate.secondsWaited))),
        ])
    }

    init(report: RunReport, runId: Int64? = nil, rate: RunRateObserver.Figures = .init()) {
        self.report = report
        self.runId = runId
        self.rate = rate
    }

    init?(json: JSONValue) {
        guard let reportJSON = json["report"], let report = RunReport(json: reportJSON) else { return nil }
        self.report = report
        runId = json["runId"]?.numberText.flatMap { Int64($0) }
        rate.rateLimited = json["rateLimited"]?.intValue ?? 0
        rate.remaining = json["rateLimitRemaining"]?.intValue
        rate.limit = json["rateLimitLimit"]?.intValue
        rate.waits = json["rateLimitWaits"]?.intValue ?? 0
        rate.secondsWaited = json["rateLimitSecondsWaited"]?.doubleValue ?? 0
    }

    /// A `failed` result for a worker that ended without a report.
    static func failed(tenant: String, source: String, durationMs: Int, _ message: String) -> WorkerResult {
        var report = RunReport(tenant: tenant, source: source)
        report.status = .failed
        report.error = message
        report.durationMs = durationMs
        return WorkerResult(report: report)
    }

    /// `SIGSEGV (11)`.
    static func signalName(_ signal: Int32) -> String {
        let names: [Int32: String] = [SIGSEGV: "SIGSEGV", SIGABRT: "SIGABRT", SIGBUS: "SIGBUS", SIGILL: "SIGILL",
                                      SIGFPE: "SIGFPE", SIGKILL: "SIGKILL", SIGTERM: "SIGTERM", SIGINT: "SIGINT",
                                      SIGTRAP: "SIGTRAP", SIGPIPE: "SIGPIPE", SIGHUP: "SIGHUP"]
        return "\(names[signal] ?? "signal") (\(signal))"
    }
}
