import Foundation
import Glibc
import XaasJSON

/// What `xaas sync` prints: progress and log lines on stderr (tagged with tenant/source), then a summary
/// table — or, with `--json`, one JSON object `{"runs":[…]}` on stdout. Never prints secrets: everything
/// shown comes from reports and messages that are built without them.
final class SyncOutput: Sendable {
    let json: Bool
    let diff: Bool
    let terminal = isatty(STDERR_FILENO) != 0
    let logWriter: LogWriter

    init(json: Bool, diff: Bool, log: LogWriter = LogWriter()) {
        self.json = json
        self.diff = diff
        self.logWriter = log
    }

    func started(tenant: String, source: String) {
        if logWriter.format == .json {
            logWriter.log(tenant: tenant, source: source, "syncing")
        } else if terminal && !json && ProgressDisplay.active.withLock({ $0 }) == nil {
            StandardError.print("\(tenant)/\(source): syncing…")
        }
    }

    func log(tenant: String, source: String, _ message: String) {
        logWriter.log(tenant: tenant, source: source, message)
    }

    func finished(_ r: RunReport) {
        if logWriter.format == .json {
            logWriter.log(r.status == .failed ? .error : .info, tenant: r.tenant, source: r.source,
                          "\(r.status.rawValue): \(r.created) created, \(r.updated) updated, \(r.unchanged) unchanged, "
                          + "\(r.deactivated) deactivated, \(r.invalid) invalid, \(r.pending) pending\(r.error.map { " — \($0)" } ?? "")")
            return
        }
        guard !json else { return }
        var line = "\(r.tenant)/\(r.source): \(r.status.rawValue)\(r.dryRun ? " (dry run: planned)" : "") — "
        line += "\(r.created) created, \(r.updated) updated, \(r.unchanged) unchanged, \(r.deactivated) deactivated"
        if r.invalid > 0 { line += ", \(r.invalid) invalid" }
        if r.pending > 0 { line += ", \(r.pending) pending" }
        if r.outOfScope > 0 { line += ", \(r.outOfScope) out of scope" }
        if r.inactiveNotApplied > 0 { line += ", \(r.inactiveNotApplied) inactive (never in Okta)" }
        if r.skippedByConnector > 0 { line += ", \(r.skippedByConnector) skipped by the connector" }
        line += " (\(r.sessions) session\(r.sessions == 1 ? "" : "s"), \(r.bulkRequests) bulk request\(r.bulkRequests == 1 ? "" : "s"), "
        line += String(format: "%.1f s)", Double(r.durationMs) / 1000)
        StandardError.print(line)
        if let groups = r.groupsLine { StandardError.print("  " + groups) }
        for (reason, count) in r.deactivationsByReason.sorted(by: { $0.key < $1.key }) {
            StandardError.print("  \(count) deactivation\(count == 1 ? "" : "s"): \(reason)")
        }
        for p in r.problems { StandardError.print("  invalid: \(p)") }
        if r.invalid > r.problems.count { StandardError.print("  … and \(r.invalid - r.problems.count) more invalid records") }
        for n in r.notes { StandardError.print("  note: \(n)") }
        if let error = r.error { StandardError.print("  \(r.status == .blocked ? "" : "error: ")\(error)") }
    }

    func summary(_ reports: [RunReport]) {
        if json {
            print(JSONValue.object([("runs", .array(reports.map(\.json)))]).serialized)
            return
        }
        let header = ["TENANT", "SOURCE", "STATUS", "CREATED", "UPDATED", "UNCHANGED", "DEACTIVATED", "INVALID",
                      "REQUESTS", "SESSIONS", "TIME"]
        let rows = reports.map { r in
            [r.tenant, r.source, r.status.rawValue + (r.dryRun ? " (dry run)" : ""), "\(r.created)", "\(r.updated)",
             "\(r.unchanged)", "\(r.deactivated)", "\(r.invalid)", "\(r.bulkRequests)", "\(r.sessions)",
             String(format: "%.1fs", Double(r.durationMs) / 1000)]
        }
        print(TextTable.render(header: header, rows: rows), terminator: "")
    }
}

/// A plain left-aligned text table.
enum TextTable {
    static func render(header: [String], rows: [[String]]) -> String {
        var widths = header.map(\.count)
        for row in rows { for (i, cell) in row.enumerated() where i < widths.count { widths[i] = max(widths[i], cell.count) } }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { i, c in
                i == cells.count - 1 ? c : c + String(repeating: " ", count: widths[i] - c.count)
            }.joined(separator: "  ") + "\n"
        }
        return ([header] + rows).map(line).joined()
    }
}
