import Emulator
import Foundation
import Host
import SyncTestSupport
import Testing
import TestSupport

/// The emulator's `appliedLost` fault: Okta applies a request and the answer is lost (503 or a dropped
/// connection). The client must stay correct: a re-sent bulk request counts toward the session's 50 (no
/// session overflows), and create-session / start-import retries find the session they already made.
@Suite struct AppliedLostTests {
    @Test("10,400 users with 15 % of answers lost after the request was applied: run ok, no session over 50, no stray sessions")
    func appliedButLost() async throws {
        var org = EmulatorSyncFixture.org(token: EmulatorFixture.token, identitySources: [EmulatorFixture.sourceId],
                                          cooldownSeconds: 300)
        org.faults.appliedLost = 0.15
        let f = try EmulatorSyncFixture(orgs: [org], manualClock: true, seed: 11, directoryPrefix: "applied-lost")
        var configuration = OktaClientConfiguration(baseURL: URL(string: "http://127.0.0.1:\(f.port)")!,
                                                    token: OktaSecret(EmulatorFixture.token))
        configuration.initialBackoffSeconds = 0.01
        configuration.maxRetries = 8
        let client = try OktaClient(configuration: configuration)
        let report = await ManualClockRun.run(f, client: client, users: 10_400, source: "lost")
        #expect(report.status == .ok, "\(report.error ?? "")")
        #expect(try f.stat("faultsInjected") > 0, "answers were lost")
        let sessions = try f.inspect("sessions").arrayValue ?? []
        let counts = sessions.map { $0["report"]?["bulkRequests"]?.intValue ?? 0 }
        #expect(counts.allSatisfy { $0 <= 50 }, "no session overflowed: \(counts)")
        #expect(sessions.filter { $0["status"]?.stringValue == "COMPLETED" }.count == report.sessions, "\(sessions)")
        #expect(!sessions.contains { ["CREATED", "IN_PROGRESS"].contains($0["status"]?.stringValue ?? "") }, "no stray open session")
        #expect(try f.activeUsers("acme").count == 10_400)
    }
}
