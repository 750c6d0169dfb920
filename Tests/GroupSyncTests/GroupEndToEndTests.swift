import Foundation
import SyncTestSupport
import Testing
import TestSupport
import XaasJSON

/// Groups end to end through `xaas sync` subprocesses into the real emulator: the CSV connector's group
/// column, the group safeguard (exit 3, nothing written, then approval), a SIGKILL between the group and
/// membership phases, `--dry-run --diff` and `xaas status`.
@Suite(.serialized) struct GroupEndToEndTests {
    static let columns = "id,active,title,first_name,last_name,email,teams\n"

    /// A fixture whose CSV source reads groups from the `teams` column (no `groups` key: on by default).
    static func fixture() throws -> EmulatorFixture {
        let f = try EmulatorFixture()
        try f.write("acme/hr.json", """
            {"identitySourceId": "\(EmulatorFixture.sourceId)", "connector": "csv",
             "settings": {"path": "users.csv", "externalId": "id", "status": {"attribute": "active", "activeValues": ["true"]},
                          "groups": {"column": "teams", "separator": ";"}},
             "mapping": {"userName": "${email}", "email": "${email}", "firstName": "${first_name}", "lastName": "${last_name}"}}
            """)
        return f
    }

    static func write(_ f: EmulatorFixture, _ rows: [(String, String)]) throws {
        var text = columns
        for (i, (id, teams)) in rows.enumerated() { text += "\(id),true,T,First\(i),Last\(i),\(id)@example.com,\(teams)\n" }
        try text.write(to: f.csv, atomically: true, encoding: .utf8)
    }

    /// externalId → (displayName, sorted members) of the emulator's groups for the source.
    static func groups(_ f: EmulatorFixture) throws -> [String: [String]] {
        var out: [String: [String]] = [:]
        for g in try f.inspect("groups").arrayValue ?? [] {
            let name = g["profile"]?["displayName"]?.stringValue ?? "?"
            out["\(g["externalId"]?.stringValue ?? "")=\(name)"] = (g["members"]?.arrayValue ?? []).compactMap(\.stringValue).sorted()
        }
        return out
    }

    static let baseline = [("u1", "Eng;All"), ("u2", "Eng;All"), ("u3", "Sales;All"), ("u4", "Ops"), ("u5", "Ops;All")]

    @Test func csvGroupColumnEndToEnd() throws {
        let f = try Self.fixture()
        try Self.write(f, Self.baseline)
        var r = try f.sync()
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.run?["groups"]?.int("created") == 4)
        #expect(r.run?["memberships"]?.int("added") == 9)
        #expect(r.run?["notes"]?.arrayValue?.contains { $0.stringValue?.contains("connector csv reads groups") == true } == true)
        #expect(try Self.groups(f) == ["All=All": ["u1", "u2", "u3", "u5"], "Eng=Eng": ["u1", "u2"],
                                       "Ops=Ops": ["u4", "u5"], "Sales=Sales": ["u3"]])

        // u2 leaves Eng, u4 joins Sales: a dry run shows exactly that, then the sync sends it.
        let changed = [("u1", "Eng;All"), ("u2", "All"), ("u3", "Sales;All"), ("u4", "Ops;Sales"), ("u5", "Ops;All")]
        try Self.write(f, changed)
        let diff = try TestSupport.xaas(["sync", "--config", f.configDir.path, "--state", f.stateDir.path, "--dry-run", "--diff"])
        #expect(diff.status == 0, "\(diff.stderr)")
        let lines = diff.stdout.split(separator: "\n").filter { $0.hasPrefix("+") || $0.hasPrefix("-") || $0.hasPrefix("~") }
        #expect(lines.sorted() == ["+ add member u4 to group Sales", "- remove member u2 from group Eng"])
        r = try f.sync()
        #expect(r.status == 0, "\(r.stderr)")
        #expect((r.run?["memberships"]?.int("added"), r.run?["memberships"]?.int("removed")) == (1, 1))
        #expect(r.run?.int("bulkRequests") == 2)
        #expect(try Self.groups(f) == ["All=All": ["u1", "u2", "u3", "u5"], "Eng=Eng": ["u1"],
                                       "Ops=Ops": ["u4", "u5"], "Sales=Sales": ["u3", "u4"]])

        let status = try TestSupport.xaas(["status", "--config", f.configDir.path, "--state", f.stateDir.path])
        #expect(status.stdout.contains("4 groups") && status.stdout.contains("9 memberships"), "\(status.stdout)")
    }

    @Test func removingHalfTheGroupsIsBlockedUntilApproved() throws {
        let f = try Self.fixture()
        try Self.write(f, Self.baseline)
        #expect(try f.sync().status == 0)
        let requests = try f.stat("bulkRequests")
        // Nobody is in Eng or Sales any more: 2 of 4 groups go.
        try Self.write(f, [("u1", "All"), ("u2", "All"), ("u3", "All"), ("u4", "Ops"), ("u5", "Ops;All")])
        var r = try f.sync()
        #expect(r.status == 3, "\(r.stderr)")
        #expect(r.run?["status"]?.stringValue == "blocked")
        #expect(r.run?["error"]?.stringValue?.contains("--approve-group-deletions 2") == true)
        #expect(try f.stat("bulkRequests") == requests, "nothing was written")
        #expect(try Self.groups(f).count == 4)
        r = try f.sync(["--approve-group-deletions", "2"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.run?["groups"]?.int("deleted") == 2)
        #expect(try Self.groups(f) == ["All=All": ["u1", "u2", "u3", "u5"], "Ops=Ops": ["u4", "u5"]])
    }

    @Test func sigkillBetweenGroupAndMembershipPhasesConverges() throws {
        let f = try Self.fixture()
        try Self.write(f, Self.baseline)
        // Request 1 upserts users, 2 upserts groups; die before request 3 (the memberships).
        let crashed = try f.sync(environment: ["XAAS_FAILPOINT": "before-bulk:3"])
        #expect(crashed.status != 0 && crashed.stderr.contains("failpoint"), "\(crashed.stderr)")
        #expect(try Self.groups(f).isEmpty, "the killed session was never triggered")
        let again = try f.sync()
        #expect(again.status == 0, "\(again.stderr)")
        #expect(try Self.groups(f) == ["All=All": ["u1", "u2", "u3", "u5"], "Eng=Eng": ["u1", "u2"],
                                       "Ops=Ops": ["u4", "u5"], "Sales=Sales": ["u3"]])
        let third = try f.sync()
        #expect(third.run?.int("bulkRequests") == 0, "converged: nothing left to send")
    }

    @Test func groupsFalseTurnsGroupSyncOff() throws {
        let f = try Self.fixture()
        let text = try String(contentsOf: f.configDir.appendingPathComponent("acme/hr.json"), encoding: .utf8)
        try f.write("acme/hr.json", text.replacingOccurrences(of: "\"connector\": \"csv\",", with: "\"connector\": \"csv\", \"groups\": false,"))
        try Self.write(f, Self.baseline)
        let r = try f.sync()
        #expect(r.status == 0, "\(r.stderr)")
        #expect(try Self.groups(f).isEmpty)
        #expect(r.run?["notes"]?.arrayValue?.contains { $0.stringValue?.contains("passed over") == true } == true)
    }
}
