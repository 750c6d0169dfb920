import Foundation

/// Server-rendered HTML of the status page: no script, no external assets, every value HTML-escaped.
/// The overview refreshes itself every 5 seconds; the per-source page shows the blocked plan's diff
/// and the approval form.
enum StatusPage {
    /// Escapes `&`, `<`, `>`, `"` and `'`.
    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.count)
        for c in text {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(c)
            }
        }
        return out
    }

    static func time(_ t: Double?) -> String {
        guard let t else { return "—" }
        return Date(timeIntervalSince1970: t).formatted(.iso8601)
    }

    static func page(title: String, refresh: Bool, _ body: String) -> String {
        """
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8">\(refresh ? "<meta http-equiv=\"refresh\" content=\"5\">" : "")
        <title>\(escape(title))</title>
        <style>
        body{font:14px system-ui,sans-serif;margin:1.5em;color:#222}table{border-collapse:collapse;margin:.5em 0}
        td,th{border:1px solid #ccc;padding:.3em .6em;text-align:left;vertical-align:top}th{background:#f3f3f3}
        .ok{color:#176f2c}.failed{color:#b00020}.blocked{color:#a35200}.running{color:#0b57d0}
        pre{background:#f7f7f7;padding:.6em;max-height:30em;overflow:auto}
        </style></head><body>
        \(body)
        </body></html>
        """
    }

    static func counts(_ r: RunReport?) -> String {
        guard let r else { return "—" }
        return "\(r.created) created, \(r.updated) updated, \(r.unchanged) unchanged, \(r.deactivated) deactivated, \(r.invalid) invalid"
    }

    static func overview(_ sources: [SourceStatus], now: Double = Date().timeIntervalSince1970) -> String {
        var rows = ""
        for s in sources {
            let link = "/sources/\(escape(s.tenant))/\(escape(s.source))"
            let sessions = s.openSessions.map { "\($0.id) (\(SourceStatus.oktaStatus($0)))" }.joined(separator: ", ")
            rows += """
                <tr><td>\(escape(s.tenant))</td><td><a href="\(link)">\(escape(s.source))</a></td>
                <td class="\(escape(s.state))">\(escape(s.state))\(s.enabled ? "" : " (disabled)")</td>
                <td>\(escape(time(s.lastRunFinishedAt)))</td><td>\(escape(time(s.nextRunAt)))</td>
                <td>\(escape(counts(s.lastRun)))</td><td>\(escape(sessions.isEmpty ? "—" : sessions))</td>
                <td>\(escape(s.progress?.line(now: now) ?? "—"))</td></tr>

                """
        }
        return page(title: "xaas status", refresh: true, """
            <h1>xaas status</h1>
            <table><tr><th>Tenant</th><th>Source</th><th>State</th><th>Last run</th><th>Next run</th><th>Counts (last run)</th>
            <th>Open sessions</th><th>Progress</th></tr>
            \(rows)</table>
            <p>Refreshes every 5 s. JSON: <a href="/api/v1/status">/api/v1/status</a> · <a href="/metrics">/metrics</a></p>
            """)
    }

    static func source(_ s: SourceStatus, diff: [String], truncated: Bool, csrf: String, actionsEnabled: Bool) -> String {
        var body = "<p><a href=\"/\">← all sources</a></p><h1>\(escape(s.key))</h1>"
        body += "<p>State: <b class=\"\(escape(s.state))\">\(escape(s.state))</b> · last run \(escape(time(s.lastRunFinishedAt)))"
        body += " · next run \(escape(time(s.nextRunAt)))</p>"
        if let p = s.progress { body += "<p>Progress: \(escape(p.line()))</p>" }
        if let pending = s.pendingApproval {
            body += "<p class=\"blocked\">Approved: the next run may deactivate up to \(pending) users.</p>"
        }
        if let count = s.blockedDeactivations, let error = s.lastRun?.error {
            body += "<h2>Blocked run</h2><p class=\"blocked\">\(escape(error))</p>"
            body += "<h3>Plan (diff)</h3><pre>\(escape(diff.joined(separator: "\n")))\(truncated ? "\n…" : "")</pre>"
            if actionsEnabled {
                body += """
                    <form method="post" action="/sources/\(escape(s.tenant))/\(escape(s.source))/approve">
                    <input type="hidden" name="csrf" value="\(escape(csrf))">
                    <input type="hidden" name="count" value="\(count)">
                    <label>Token <input type="password" name="token" autocomplete="off"></label>
                    <button type="submit" id="approve">Approve \(count) deactivations</button>
                    </form>
                    """
            } else {
                body += "<p>Approving needs <code>serve.token</code> in <code>xaas.json</code>.</p>"
            }
        }
        body += "<h2>Recent runs</h2><table><tr><th>Status</th><th>Counts</th><th>Sessions</th><th>Requests</th><th>Time</th><th>Error</th></tr>"
        for r in s.recentRuns {
            body += "<tr><td class=\"\(escape(r.status.rawValue))\">\(escape(r.status.rawValue))\(r.dryRun ? " (dry run)" : "")</td>"
            body += "<td>\(escape(counts(r)))</td><td>\(r.sessions)</td><td>\(r.bulkRequests)</td>"
            body += "<td>\(String(format: "%.1f s", Double(r.durationMs) / 1000))</td><td>\(escape(r.error ?? ""))</td></tr>"
        }
        body += "</table>"
        body += "<h2>Open sessions</h2><ul>"
        for o in s.openSessions { body += "<li>\(escape(o.id)): \(escape(SourceStatus.oktaStatus(o))), \(o.requests) requests</li>" }
        body += s.openSessions.isEmpty ? "<li>none</li></ul>" : "</ul>"
        return page(title: "xaas — \(s.key)", refresh: false, body)
    }
}
