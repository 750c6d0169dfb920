import Foundation
import Host
import SyncTestSupport
import Testing
import TestSupport
import XaasJSON

/// `xaas sync` with a `lifecycle` key against the emulator, the clock moved with `XAAS_NOW`.
final class LifecycleFixture: EmulatorSyncFixture, @unchecked Sendable {
    static let token = "lifecycle-token"
    static let sourceId = "0oalifecycle00000001"

    init(preHireDays: Int = 7, graceDays: Int = 0, schedule: String? = nil) throws {
        try super.init(orgs: [EmulatorSyncFixture.org(token: Self.token, identitySources: [Self.sourceId])],
                       directoryPrefix: "lifecycle")
        try writeOrg(token: Self.token)
        try write("acme/hr.json", """
            {"identitySourceId": "\(Self.sourceId)", "connector": "csv",
             "settings": {"path": "users.csv", "externalId": "id", "positions": true,
                          "status": {"attribute": "active", "activeValues": ["true"]}},
             "mapping": {"userName": "${email}", "email": "${email}", "firstName": "${first}", "lastName": "${last}"},
             "lifecycle": {"startDate": "${hire_date}", "endDate": "${termination_date}", "timeZone": "Europe/Berlin",
                           "preHireDays": \(preHireDays), "graceDays": \(graceDays), "dateFormats": ["yyyy-MM-dd", "ISO8601"]},
             \(schedule.map { "\"schedule\": {\"every\": \"\($0)\"}," } ?? "")
             "safeguards": {"maxDeactivationPercent": 20}}
            """)
    }

    /// Writes `acme/users.csv`: one row per (id, hire_date, termination_date), all active in the status column.
    func writeUsers(_ rows: [(String, String, String)]) throws {
        var text = "id,active,first,last,email,hire_date,termination_date\n"
        for (id, start, end) in rows { text += "\(id),true,F,\(id),\(id)@example.com,\(start),\(end)\n" }
        try write("acme/users.csv", text)
    }

    /// `xaas sync --json` with the clock at `now`.
    func sync(at now: String, _ extra: [String] = []) throws -> (status: Int32, run: JSONValue?, stderr: String) {
        try sync(extra, environment: ["XAAS_NOW": now])
    }

    /// `xaas sync --dry-run --diff` at `now`: the printed lines.
    func diff(at now: String) throws -> [String] {
        let r = try TestSupport.xaas(["sync", "--config", configDir.path, "--state", stateDir.path, "--dry-run", "--diff"],
                                     environment: ["XAAS_NOW": now])
        return r.stdout.split(separator: "\n").map(String.init)
    }

    /// `xaas status --json` at `now`: the source's `nextDue` list.
    func nextDue(at now: String) throws -> [JSONValue] {
        let r = try TestSupport.xaas(["status", "--config", configDir.path, "--state", stateDir.path, "--json"],
                                     environment: ["XAAS_NOW": now])
        return (try JSONValue.parse(r.stdout))["sources"]?.arrayValue?.first?["nextDue"]?.arrayValue ?? []
    }

    func status(_ id: String) throws -> String? { try users()[id]?.status }
}

@Suite(.serialized) struct LifecycleSyncTests {
    /// 2026-12-07 00:00 in Berlin: seven days before a 2026-12-14 start.
    static let due = "2026-12-06T23:00:00Z"
    static let minuteBefore = "2026-12-06T22:59:00Z"

    @Test func hireIsHeldThenCreatedExactlyPreHireDaysBeforeStart() throws {
        let f = try LifecycleFixture()
        try f.writeUsers([("emp-1", "2020-01-06", ""), ("emp-2", "2026-12-14", "")])

        var (status, run, stderr) = try f.sync(at: Self.minuteBefore)
        #expect(status == 0, "\(stderr)")
        #expect(run?.int("created") == 1 && run?.int("pending") == 1 && run?.int("deactivated") == 0, "\(run?.serialized ?? stderr)")
        #expect(try f.status("emp-1") == "ACTIVE" && f.status("emp-2") == nil)
        #expect(try f.diff(at: Self.minuteBefore).contains("@ emp-2 creates on 2026-12-07 (7 days before start 2026-12-14)"))
        let next = try f.nextDue(at: Self.minuteBefore)
        #expect(next.first?["externalId"]?.stringValue == "emp-2" && next.first?["due"]?.stringValue == Self.due
                && next.first?["action"]?.stringValue == "create", "\(next)")

        // A second run before the due time: still held, still not absent.
        (status, run, stderr) = try f.sync(at: Self.minuteBefore)
        #expect(status == 0 && run?.int("pending") == 1 && run?.int("created") == 0 && run?.int("deactivated") == 0, "\(stderr)")

        (status, run, stderr) = try f.sync(at: Self.due)
        #expect(status == 0 && run?.int("created") == 1 && run?.int("pending") == 0, "\(run?.serialized ?? stderr)")
        #expect(try f.status("emp-2") == "ACTIVE")
        #expect(try f.nextDue(at: Self.due).isEmpty)
    }

    @Test func aDateChangeInTheSourceMovesTheDueTime() throws {
        let f = try LifecycleFixture()
        try f.writeUsers([("emp-1", "2020-01-06", ""), ("emp-2", "2026-12-14", "")])
        #expect(try f.sync(at: Self.minuteBefore).run?.int("pending") == 1)
        try f.writeUsers([("emp-1", "2020-01-06", ""), ("emp-2", "2026-12-21", "")])
        var (status, run, stderr) = try f.sync(at: Self.due)
        #expect(status == 0 && run?.int("created") == 0 && run?.int("pending") == 1, "\(run?.serialized ?? stderr)")
        #expect(try f.nextDue(at: Self.due).first?["due"]?.stringValue == "2026-12-13T23:00:00Z")
        (status, run, stderr) = try f.sync(at: "2026-12-13T23:00:00Z")
        #expect(status == 0 && run?.int("created") == 1 && run?.int("pending") == 0, "\(run?.serialized ?? stderr)")

        // Start moved later once the user is in Okta: left as is, reported.
        try f.writeUsers([("emp-1", "2020-01-06", ""), ("emp-2", "2027-01-11", "")])
        (status, run, stderr) = try f.sync(at: "2026-12-14T08:00:00Z")
        #expect(status == 0 && run?.int("pending") == 1 && run?.int("deactivated") == 0 && run?.int("updated") == 0,
                "\(run?.serialized ?? stderr)")
        let notes = run?["notes"]?.arrayValue?.compactMap(\.stringValue) ?? []
        #expect(notes.contains { $0.hasPrefix("externalId \"emp-2\": already in Okta; left as is (start date moved later) until 2027-01-04") },
                "\(notes)")
        #expect(try f.status("emp-2") == "ACTIVE")
    }

    @Test func endDateDeactivatesWithReasonEndedCountedBySafeguardsThenRehire() throws {
        let f = try LifecycleFixture()
        var rows = (1...10).map { ("emp-\($0)", "2020-01-06", "") }
        for i in 0..<3 { rows[i].2 = "2026-12-10" }
        try f.writeUsers(rows)
        var (status, run, stderr) = try f.sync(at: "2026-12-09T12:00:00Z")
        #expect(status == 0 && run?.int("created") == 10, "\(stderr)")
        #expect(try f.nextDue(at: "2026-12-09T12:00:00Z").map { $0["due"]?.stringValue } == Array(repeating: "2026-12-09T23:00:00Z", count: 3))
        #expect(try f.diff(at: "2026-12-09T12:00:00Z").contains("@ emp-1 deactivates on 2026-12-10 (end date 2026-12-10)"))

        // 3 of 10 (30 %) is over maxDeactivationPercent 20: the date-driven deactivations are blocked like any.
        (status, run, stderr) = try f.sync(at: "2026-12-09T23:00:00Z")
        #expect(status == 3, "\(stderr)")
        #expect(run?["deactivationsByReason"]?["ended"]?.intValue == 3 && run?.int("deactivated") == 0, "\(run?.serialized ?? "")")
        #expect(try f.status("emp-1") == "ACTIVE")
        (status, run, stderr) = try f.sync(at: "2026-12-09T23:00:00Z", ["--approve-deactivations", "3"])
        #expect(status == 0 && run?.int("deactivated") == 3, "\(run?.serialized ?? stderr)")
        #expect(try (1...3).allSatisfy { try f.status("emp-\($0)") == "DEPROVISIONED" })
        #expect(try f.status("emp-4") == "ACTIVE")

        // Rehire of emp-1 (old end date stays in the record): held until 7 days before the new start.
        rows[0].1 = "2027-01-11"
        try f.writeUsers(rows)
        (status, run, stderr) = try f.sync(at: "2026-12-20T12:00:00Z")
        #expect(status == 0 && run?.int("pending") == 1 && run?.int("updated") == 0 && run?.int("deactivated") == 0,
                "\(run?.serialized ?? stderr)")
        #expect(try f.diff(at: "2026-12-20T12:00:00Z").contains("@ emp-1 reactivates on 2027-01-04 (7 days before start 2027-01-11, rehire)"))
        (status, run, stderr) = try f.sync(at: "2027-01-03T23:00:00Z")
        #expect(status == 0 && run?.int("updated") == 1 && run?.int("pending") == 0, "\(run?.serialized ?? stderr)")
        #expect(try f.status("emp-1") == "ACTIVE")
    }

    @Test func badDatesAreReportedWithFileLineAndFieldAndNeverDeactivate() throws {
        let f = try LifecycleFixture()
        // Three more good rows keep the invalid share (2 of 6) under the maxInvalidPercent safeguard (50).
        let good = (4...6).map { ("emp-\($0)", "2020-01-06", "") }
        try f.writeUsers([("emp-1", "2020-01-06", ""), ("emp-2", "2020-01-06", ""), ("emp-3", "2020-01-06", "")] + good)
        #expect(try f.sync(at: "2026-12-04T10:00:00Z").run?.int("created") == 6)
        try f.writeUsers([("emp-1", "2020-01-06", ""), ("emp-2", "2026-13-01", ""), ("emp-3", "", "")] + good)
        let (status, run, stderr) = try f.sync(at: "2026-12-04T10:00:00Z")
        #expect(run?.int("invalid") == 2 && run?.int("deactivated") == 0, "\(run?.serialized ?? stderr)")
        #expect(status != 3)
        let problems = run?["problems"]?.arrayValue?.compactMap(\.stringValue) ?? []
        let csv = f.configDir.appendingPathComponent("acme/users.csv").standardizedFileURL.path
        #expect(problems.contains("\(csv) line 3: externalId \"emp-2\": lifecycle.startDate: \"2026-13-01\" (from ${hire_date}) is not a date in the formats yyyy-MM-dd, ISO8601"),
                "\(problems)")
        #expect(problems.contains("\(csv) line 4: externalId \"emp-3\": lifecycle.startDate: missing (${hire_date} is empty)"), "\(problems)")
        #expect(try f.status("emp-2") == "ACTIVE" && f.status("emp-3") == "ACTIVE")
    }
}
