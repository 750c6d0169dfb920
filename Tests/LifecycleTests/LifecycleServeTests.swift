import Foundation
@testable import Host
import SyncTestSupport
import Testing
import TestSupport

/// `xaas serve` runs a lifecycle source again at its next dated event, not only on its schedule.
@Suite(.serialized) struct LifecycleServeTests {
    @Test func terminationTakesEffectAtItsInstantUnderServe() throws {
        let f = try LifecycleFixture(schedule: "1h")
        try f.writeUsers((1...5).map { ("emp-\($0)", "2020-01-06", $0 == 1 ? "2026-12-10" : "") })
        // The clock starts 12 s before 2026-12-10 00:00 in Berlin (2026-12-09T23:00:00Z), emp-1's end date.
        let lead = 12.0
        let started = Date()
        let serve = try ServeProcess(["--config", f.configDir.path, "--state", f.stateDir.path, "--jobs", "1"],
                                     environment: ["XAAS_NOW": "2026-12-09T22:59:48Z"])
        let dueAt = started.addingTimeInterval(lead)

        // The scheduled first run creates everyone; emp-1 is active until the instant.
        let created = ServeProcess.eventually(60) { ((try? f.users()) ?? [:]).count == 5 }
        #expect(created, "\(serve.log)")
        if Date() < dueAt.addingTimeInterval(-1) {
            #expect(try f.status("emp-1") == "ACTIVE", "deactivated before its end date: \(serve.log)")
        }
        #expect(ServeProcess.eventually(30) { serve.log.contains("next lifecycle event: emp-1 deactivates on 2026-12-10 (end date 2026-12-10)") },
                "\(serve.log)")

        // The extra run at the instant deactivates emp-1 (the hourly schedule would not run again for an hour).
        let deactivated = ServeProcess.eventually(60) { (try? f.status("emp-1")) == "DEPROVISIONED" }
        #expect(deactivated, "\(serve.log)")
        #expect(Date() >= dueAt, "deactivated \(dueAt.timeIntervalSinceNow) s before the instant")
        #expect(try (2...5).allSatisfy { try f.status("emp-\($0)") == "ACTIVE" })

        serve.signal(SIGTERM)
        #expect(serve.exitStatus(within: 30) == 0, "\(serve.log)")
        #expect(serve.log.contains("1 deactivated"), "\(serve.log)")
    }
}
