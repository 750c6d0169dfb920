import Foundation
import Host
import SyncTestSupport
import Synchronization
import Testing
import TestSupport

/// 25,000 users through the real client and emulator with Okta's real 5-minute rule on a manual clock:
/// 125 bulk requests in 3 sessions, each new session only after the cool-down.
@Suite struct SessionRolloverTests {
    @Test func twentyFiveThousandUsersInThreeSessions() async throws {
        let f = try EmulatorFixture(manualClock: true, cooldownSeconds: 300)
        let client = try OktaClient(configuration: OktaClientConfiguration(
            baseURL: URL(string: "http://127.0.0.1:\(f.port)")!, token: OktaSecret(EmulatorFixture.token)))
        let records = (1...25_000).map { i in
            SourceRecord(externalId: "u\(i)", attributes: [SourceAttribute("email", "u\(i)@example.com")])
        }
        var options = SyncEngine.Options()
        options.session.cooldownSeconds = 300
        var engine = SyncEngine(options: options)
        let waited = Mutex<Double>(0)
        let fixture = f
        engine.sleep = { seconds in
            // Time passes for the emulator only.
            fixture.advanceClock(seconds)
            waited.withLock { $0 += seconds }
            try? await Task.sleep(for: .milliseconds(2))
        }
        // The runner's cool-down is measured on the same virtual time (real time would shorten each wait by
        // however long the machine took between a trigger and the next session).
        let start = Date().timeIntervalSince1970
        engine.now = { start + waited.withLock { $0 } }
        let job = SyncEngine.Job(
            tenant: "acme", source: "big", stateDirectory: f.stateDir, pageSize: 1000,
            rules: Planner.Rules(filter: nil, map: { r in
                let e = r.firstValue("email") ?? ""
                return [("userName", e), ("email", e)]
            }),
            safeguards: SafeguardCheck(maxDeactivationPercent: 20, maxDeactivations: nil, approvedDeactivations: nil),
            openSource: { ArraySource(records: records) },
            target: OktaImportTarget(client: client, identitySourceId: EmulatorFixture.sourceId))
        let report = await engine.run(job).report
        #expect(report.status == .ok, "\(report.error ?? "")")
        #expect(report.created == 25_000)
        #expect(report.bulkRequests == 125)
        #expect(report.sessions == 3)
        let sessions = try f.inspect("sessions").arrayValue ?? []
        #expect(sessions.count == 3)
        #expect(sessions.allSatisfy { $0["status"]?.stringValue == "COMPLETED" })
        #expect(sessions.map { $0["report"]?["bulkRequests"]?.intValue ?? 0 } == [50, 50, 25])
        #expect(waited.withLock { $0 } >= 600, "two cool-downs of 300 s were waited out")
        #expect(try f.stat("rateLimited") == 0)
        let users = try f.users()
        #expect(users.count == 25_000)
    }
}
