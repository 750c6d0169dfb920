import Foundation
import Host
import SyncTestSupport
import Testing
import TestSupport
import XaasJSON

/// `xaas sync` as a user runs it (a subprocess), against the real emulator, reproducing the seed workshop.
@Suite(.serialized) struct EndToEndTests {
    @Test func workshopScenario() throws {
        let f = try EmulatorFixture()
        var rows = WorkshopRow.make(100)
        try f.writeUsers(rows)

        var (status, run, stderr) = try f.sync()
        #expect(status == 0, "\(stderr)")
        #expect(run?.int("created") == 100)
        #expect(run?.int("bulkRequests") == 1 && run?.int("sessions") == 1)
        var users = try f.users()
        #expect(users.count == 100 && users.values.allSatisfy { $0.status == "ACTIVE" })
        #expect(users["emp-10009"]?.profile["displayName"] == "Ann9 Müller-Łukasz")

        // Nothing changed: no API call but the session listing.
        let bulkBefore = try f.stat("bulkRequests")
        (status, run, stderr) = try f.sync()
        #expect(status == 0 && run?.int("unchanged") == 100 && run?.int("bulkRequests") == 0)
        #expect(try f.stat("bulkRequests") == bulkBefore)

        // One title changed: exactly one profile sent.
        rows[41].title = "Director"
        try f.writeUsers(rows)
        (status, run, stderr) = try f.sync()
        #expect(status == 0, "\(stderr)")
        #expect(run?.int("updated") == 1 && run?.int("unchanged") == 99 && run?.int("bulkRequests") == 1)
        #expect(try f.stat("bulkRequests") == bulkBefore + 1)
        let sessions = try f.inspect("sessions").arrayValue ?? []
        #expect(sessions.last?["report"]?["entities"]?.intValue == 1, "exactly one entity in the session: \(sessions.last?.serialized ?? "")")
        #expect(try f.users()["emp-10042"]?.profile["title"] == "Director")

        // One user set active=false: deactivated.
        rows[6].active = "false"
        try f.writeUsers(rows)
        (status, run, stderr) = try f.sync()
        #expect(status == 0 && run?.int("deactivated") == 1, "\(stderr)")
        #expect(try f.users()["emp-10007"]?.status == "DEPROVISIONED")

        // 30 rows removed: blocked (exit 3), nothing written; then applied with approval.
        let before = try f.stat("bulkRequests")
        try f.writeUsers(Array(rows.prefix(70)))
        (status, run, stderr) = try f.sync()
        #expect(status == 3)
        #expect(run?["status"]?.stringValue == "blocked")
        #expect(try f.stat("bulkRequests") == before, "a blocked run writes nothing")
        (status, run, stderr) = try f.sync(["--approve-deactivations", "30"])
        #expect(status == 0 && run?.int("deactivated") == 30, "\(stderr)")
        users = try f.users()
        #expect(users.values.filter { $0.status == "DEPROVISIONED" }.count == 31)
    }

    @Test func dryRunPrintsThePlanAndWritesNothing() throws {
        let f = try EmulatorFixture()
        var rows = WorkshopRow.make(5)
        try f.writeUsers(rows)
        _ = try f.sync()
        rows[0].title = "CTO"
        try f.writeUsers(rows)
        let result = try TestSupport.xaas(["sync", "--config", f.configDir.path, "--state", f.stateDir.path, "--dry-run", "--diff"])
        #expect(result.status == 0)
        #expect(result.stdout.contains("~ update emp-10001"))
        #expect(result.stdout.contains("title: \"Engineer 1\" → \"CTO\""))
        #expect(try f.users()["emp-10001"]?.profile["title"] == "Engineer 1")
    }

    @Test func unknownConfigKeyStopsEverything() throws {
        let f = try EmulatorFixture()
        try f.writeUsers(WorkshopRow.make(3))
        try f.write("acme/org.json", "{\"url\": \"http://127.0.0.1:\(f.port)\", \"token\": {\"value\": \"x\"}, \"tokn\": 1}")
        let (status, _, stderr) = try f.sync()
        #expect(status == 1)
        #expect(stderr.contains("org.json") && stderr.contains("$.tokn"))
        #expect(try f.stat("requests") == 0)
    }
}
