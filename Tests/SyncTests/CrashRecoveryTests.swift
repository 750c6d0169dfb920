import Foundation
import Host
import SyncTestSupport
import Testing
import TestSupport
import XaasJSON

/// Kill -9 the sync at many points (a real SIGKILL, placed by `XAAS_FAILPOINT`), then run again: the
/// directory must converge to the source with nobody lost, nobody deactivated by mistake, and no
/// "session already exists" failure.
@Suite(.serialized) struct CrashRecoveryTests {
    static let points = [
        "plan-page:1", "before-create-session:1", "after-create-session:1", "before-bulk:1", "after-bulk:1",
        "after-bulk:2", "after-trigger:1", "before-commit:1", "after-commit:1", "after-bulk:4", "before-bulk:3",
    ]

    @Test(arguments: points)
    func killedRunConverges(failpoint: String) throws {
        let f = try EmulatorFixture()
        // First a committed baseline, then a change set with creates, updates and a deactivation, large
        // enough for several bulk requests.
        var rows = WorkshopRow.make(300)
        try f.writeUsers(rows)
        #expect(try f.sync().status == 0)
        for i in 0..<250 { rows[i].title = "Changed \(i)" }
        rows[299].active = "false"
        rows += (301...700).map { i in
            WorkshopRow(id: "emp-\(10000 + i)", active: "true", title: "New", first: "N\(i)", last: "L", email: "n\(i)@example.com")
        }
        try f.writeUsers(rows)

        let crashed = try f.sync(environment: ["XAAS_FAILPOINT": failpoint])
        #expect(crashed.status != 0, "the failpoint \(failpoint) must kill the run")
        #expect(crashed.stderr.contains("failpoint"), "\(crashed.stderr)")
        // Nobody was deactivated by mistake, even mid-crash.
        let during = try f.users()
        #expect(during.filter { $0.value.status == "DEPROVISIONED" }.keys.allSatisfy { $0 == "emp-10300" })

        let again = try f.sync()
        #expect(again.status == 0, "rerun after \(failpoint): \(again.stderr)")
        let users = try f.users()
        #expect(users.count == 700)
        for r in rows {
            let u = users[r.id]
            #expect(u?.status == (r.active == "true" ? "ACTIVE" : "DEPROVISIONED"), "\(r.id) after \(failpoint)")
            #expect(u?.profile["title"] == r.title, "\(r.id) after \(failpoint)")
        }
        // State now matches Okta: a further run sends nothing.
        let third = try f.sync()
        #expect(third.status == 0 && third.run?.int("bulkRequests") == 0, "\(third.run?.serialized ?? third.stderr)")
    }
}
