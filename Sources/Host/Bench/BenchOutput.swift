import Foundation
import XaasJSON

/// Prints a scenario's measurements: a table with the machine line and, when both ways ran, the ratios;
/// or one JSON object per measured phase (`--json`).
struct BenchOutput {
    var scenario: BenchScenario
    var settings: BenchEnvironment.Settings
    var results: [BenchMeasurement]

    private var phases: [String] {
        var seen = Set<String>()
        return results.map(\.phase).filter { seen.insert($0).inserted }
    }

    // MARK: Table

    func table() -> String {
        var text = "xaas bench \(scenario.rawValue): \(Self.grouped(settings.users)) users"
        if scenario != .read {
            text += ", change rate \(settings.changeRate * 100)%, budget \(settings.budget)/min (\(settings.perMinute) × \(settings.share)), "
                + "\(Int(settings.bulkSeconds * 1000)) ms per bulk request, 5-minute rule"
        }
        text += "\nmachine: \(Self.machine())\n"
        if settings.groups > 0, scenario != .read { text += "groups: \(Self.grouped(settings.groups)) (a groups column in the CSV)\n" }
        if scenario != .read { text += "peak RSS is of the whole bench process, which also holds the emulator and its directory\n" }
        text += "\n"
        var rows: [[String]] = []
        if scenario == .read {
            rows.append(["reader", "records", "wall", "CPU", "peak RSS", "records/s", "CPU ÷ connector's"])
            var connectorCPU = 0.0
            for m in results {
                if m.peerMissing {
                    rows.append([m.strategy, "not installed", "", "", "", "", ""])
                    continue
                }
                let isPeer = m.strategy.hasPrefix("python")
                if !isPeer { connectorCPU = m.cpuSeconds }
                rows.append([m.strategy, Self.grouped(m.records), Self.seconds(m.wallSeconds), Self.seconds(m.cpuSeconds),
                             isPeer ? "" : Self.mebibytes(m.peakRSSBytes), Self.grouped(Int(m.recordsPerSecond)),
                             isPeer && connectorCPU > 0 ? String(format: "%.2f×", m.cpuSeconds / connectorCPU) : ""])
            }
        } else {
            rows.append(["phase", "way", "wall", "CPU", "peak RSS", "records/s", "requests", "floor", "packing", "sessions",
                         "bytes sent", "Okta time", "Okta floor"])
            for m in results {
                if m.strategy.hasPrefix("python") {
                    rows.append([m.phase, m.strategy, m.peerMissing ? "not installed" : Self.seconds(m.wallSeconds),
                                 m.peerMissing ? "" : Self.seconds(m.cpuSeconds), "", m.peerMissing ? "" : Self.grouped(Int(m.recordsPerSecond)),
                                 "", "", "", "", "", "", ""])
                    continue
                }
                let o = m.okta ?? BenchMeasurement.Okta()
                rows.append([m.phase, m.strategy, Self.seconds(m.wallSeconds), Self.seconds(m.cpuSeconds),
                             Self.mebibytes(m.peakRSSBytes), Self.grouped(Int(m.recordsPerSecond)),
                             Self.grouped(o.bulkRequests), Self.grouped(o.requestFloor), String(format: "%.2f", o.packing),
                             Self.grouped(o.sessions), Self.mebibytes(o.bytesSent),
                             Self.duration(o.oktaSeconds), Self.duration(o.oktaFloorSeconds)])
            }
        }
        text += Self.render(rows)
        for m in results where m.strategy == "xaas" && m.peakRSSBytes > 0 && m.startRSSBytes > 0 {
            text += "\n\(m.phase): peak RSS \(Self.mebibytes(m.peakRSSBytes)) = \(Self.mebibytes(m.startRSSBytes)) held before the run "
                + "(emulator, its directory) + \(Self.mebibytes(m.peakRSSBytes - m.startRSSBytes)) grown during it"
        }
        for m in results where m.strategy.hasPrefix("python") && !m.peerMissing {
            guard let x = results.first(where: { $0.phase == m.phase && $0.strategy == "xaas" }), m.cpuSeconds > 0, m.wallSeconds > 0 else { continue }
            text += "\n\(m.phase): the whole xaas sync ÷ \(m.strategy) reading the same file: wall "
                + String(format: "%.2f×, CPU %.2f×", x.wallSeconds / m.wallSeconds, x.cpuSeconds / m.cpuSeconds)
            if let e = x.emulatorCPUSeconds, e > 0 {
                text += String(format: "; without the in-process emulator's %.2f s (serving, processing): CPU %.2f×",
                               e, (x.cpuSeconds - e) / m.cpuSeconds)
            }
        }
        text += hostLines()
        for phase in phases {
            guard let r = ratios(phase) else { continue }
            text += "\n\(phase): the Workflows way ÷ xaas: Okta time \(Self.ratio(r.time)), bulk requests \(Self.ratio(r.requests)), "
                + "sessions \(Self.ratio(r.sessions)), bytes sent \(Self.ratio(r.bytes))"
        }
        return text + "\n"
    }

    /// Per xaas sync phase: CPU per user, and with groups their requests against the floor.
    private func hostLines() -> String {
        var text = ""
        for m in results where m.strategy == BenchStrategy.xaas.rawValue && m.okta != nil && m.records > 0 {
            text += "\n\(m.phase): CPU per user \(String(format: "%.1f", m.cpuSeconds * 1e6 / Double(m.records))) µs "
                + "(user+sys of the bench process, emulator included)"
            guard let g = m.okta?.groups, g.any else { continue }
            text += "\n\(m.phase): groups \(Self.grouped(g.created)) created, \(Self.grouped(g.updated)) updated, "
                + "\(Self.grouped(g.deleted)) deleted in \(Self.grouped(g.groupRequests)) requests (floor "
                + "\(Self.grouped(g.groupRequestFloor)), packing \(String(format: "%.2f", g.groupPacking))); memberships "
                + "\(Self.grouped(g.membershipsAdded)) added, \(Self.grouped(g.membershipsRemoved)) removed in "
                + "\(Self.grouped(g.membershipRequests)) requests (floor \(Self.grouped(g.membershipRequestFloor)), "
                + "packing \(String(format: "%.2f", g.membershipPacking)))"
        }
        return text.isEmpty ? "" : text + "\n"
    }

    private struct Ratios {
        var time: Double?, requests: Double?, sessions: Double?, bytes: Double?
    }

    /// Workflows ÷ xaas for `phase` (nil values when xaas sent nothing of that kind).
    private func ratios(_ phase: String) -> Ratios? {
        guard let x = results.first(where: { $0.phase == phase && $0.strategy == "xaas" })?.okta,
              let w = results.first(where: { $0.phase == phase && $0.strategy == "workflows" })?.okta else { return nil }
        func r(_ a: Double, _ b: Double) -> Double? { b > 0 ? a / b : nil }
        return Ratios(time: r(w.oktaSeconds, x.oktaSeconds), requests: r(Double(w.bulkRequests), Double(x.bulkRequests)),
                      sessions: r(Double(w.sessions), Double(x.sessions)), bytes: r(Double(w.bytesSent), Double(x.bytesSent)))
    }

    // MARK: JSON

    /// One object per measured phase: the settings, each way's figures, and the ratios when both ran.
    func jsonLines() -> String {
        let groups: [(String, JSONValue)] = settings.groups > 0 ? [("groups", .number(String(settings.groups)))] : []
        var lines = ""
        for phase in phases {
            var members: [(String, JSONValue)] = [
                ("scenario", .string(scenario.rawValue)), ("phase", .string(phase)), ("users", .number(String(settings.users))),
            ] + groups
            if scenario != .read {
                members += [("changeRate", BenchMeasurement.number(settings.changeRate)),
                            ("budgetPerMinute", .number(String(settings.budget))),
                            ("bulkRequestSeconds", BenchMeasurement.number(settings.bulkSeconds))]
            }
            for m in results where m.phase == phase { members.append((m.strategy, m.json)) }
            if let r = ratios(phase) {
                func value(_ d: Double?) -> JSONValue { d.map(BenchMeasurement.number) ?? .null }
                members.append(("workflowsOverXaas", .object([("oktaTime", value(r.time)), ("bulkRequests", value(r.requests)),
                                                              ("sessions", value(r.sessions)), ("bytesSent", value(r.bytes))])))
            }
            members.append(("machine", .string(Self.machine())))
            lines += JSONValue.object(members).serialized + "\n"
        }
        return lines
    }

    // MARK: Formatting

    static func machine() -> String {
        let load = (try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8))?
            .split(separator: " ").prefix(3).joined(separator: " ") ?? "?"
        return "\(ProcessInfo.processInfo.activeProcessorCount) cores, load average \(load)"
    }

    static func grouped(_ n: Int) -> String {
        let digits = Array(String(abs(n)))
        var out = ""
        for (i, d) in digits.enumerated() {
            if i > 0, (digits.count - i) % 3 == 0 { out.append(",") }
            out.append(d)
        }
        return (n < 0 ? "-" : "") + out
    }

    static func seconds(_ s: Double) -> String { String(format: "%.2f s", s) }

    static func mebibytes(_ bytes: Int) -> String { String(format: "%.1f MiB", Double(bytes) / 1_048_576) }

    /// Virtual seconds, with hours and minutes when long (`30,712 s (8 h 31 min)`).
    static func duration(_ s: Double) -> String {
        let base = s < 100 ? String(format: "%.1f s", s) : "\(grouped(Int(s.rounded()))) s"
        guard s >= 3600 else { return s >= 120 ? base + " (\(Int(s / 60)) min)" : base }
        return base + " (\(Int(s / 3600)) h \(Int(s.truncatingRemainder(dividingBy: 3600) / 60)) min)"
    }

    static func ratio(_ r: Double?) -> String {
        guard let r else { return "— (xaas sent nothing)" }
        return r >= 10 ? "\(grouped(Int(r.rounded())))×" : String(format: "%.2f×", r)
    }

    static func render(_ rows: [[String]]) -> String {
        guard let first = rows.first else { return "" }
        let widths = first.indices.map { c in rows.map { $0[c].count }.max() ?? 0 }
        return rows.map { row in
            row.enumerated().map { c, cell in
                let pad = String(repeating: " ", count: widths[c] - cell.count)
                return c < 2 ? cell + pad : pad + cell
            }.joined(separator: "  ")
        }.joined(separator: "\n") + "\n"
    }
}
