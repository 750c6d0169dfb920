import Foundation
import Host
import SyncTestSupport
import Synchronization
import Testing
import TestSupport

/// The progress model: the ETA replays Okta's session rules, and the engine feeds the tracker phase by phase.
@Suite struct ProgressModelTests {
    @Test func etaReplaysSessionsCooldownsAndImports() {
        // 103 requests: sessions of 50, 50, 3; 0.1 s per request, 10 s per import, 300 s cool-down.
        let model = EtaModel(requestsLeft: 103, cooldownSeconds: 300, secondsPerRequest: 0.1, importSeconds: 10)
        // s1: 5 s sending, trigger at 5; s2 at 305 → trigger 310; s3 at 610 → 610.3, import → 620.3.
        #expect(abs(model.secondsLeft(now: 1000) - 620.3) < 1e-6)

        var cooling = EtaModel(requestsLeft: 3, cooldownSeconds: 300, secondsPerRequest: 0.1, importSeconds: 10)
        cooling.lastTriggerAt = 1000 - 100
        #expect(abs(cooling.secondsLeft(now: 1000) - (200 + 0.3 + 10)) < 1e-6, "waits out what is left of the cool-down")

        var waiting = EtaModel(requestsLeft: 0, cooldownSeconds: 300, secondsPerRequest: 0.1, importSeconds: 10)
        waiting.waitingSince = 996
        #expect(abs(waiting.secondsLeft(now: 1000) - 6) < 1e-6, "the rest of the observed import time")

        var open = EtaModel(requestsLeft: 10, cooldownSeconds: 300, secondsPerRequest: 1, importSeconds: 2)
        open.sessionOpen = true
        open.requestsInOpenSession = 45
        open.lastTriggerAt = 900
        // 5 more fit the open session (5 s), trigger, import, next session at max(1007, 1305), 5 s, import 2.
        #expect(abs(open.secondsLeft(now: 1000) - (305 + 5 + 2)) < 1e-6)
    }

    @Test func progressRecordsRoundTripAndRender() throws {
        var p = SyncProgress(tenant: "acme", source: "hr")
        p.phase = .coolingDown
        p.recordsRead = 20_500
        p.requestsSent = 50
        p.requestsPlanned = 103
        p.sessionsDone = 1
        p.sessionsPlanned = 3
        p.etaSeconds = 65
        p.at = 1000
        let back = try #require(SyncProgress(json: p.json))
        #expect(back == p)
        #expect(p.line(now: 1000) == "acme/hr: cooling down — 20,500 read · 50/103 requests · session 2/3 · ETA 1m05s")
        #expect(p.line(now: 1010).hasSuffix("ETA 55s"), "the ETA ages with the snapshot")
    }

    @Test func engineFeedsTheTracker() async throws {
        let stateDir = try TestSupport.makeTemporaryDirectory("progress")
        let okta = FakeImportTarget()
        let seen = Mutex<[SyncProgress]>([])
        var options = SyncEngine.Options()
        options.session.cooldownSeconds = 300
        options.session.maxRequestsPerSession = 2
        var engine = SyncEngine(options: options)
        engine.sleep = { _ in }
        engine.progress = ProgressTracker(tenant: "acme", source: "hr", minimumInterval: 0) { p in
            seen.withLock { $0.append(p) }
        }
        let job = SyncEngine.Job(
            tenant: "acme", source: "hr", stateDirectory: stateDir, pageSize: 100,
            rules: Planner.Rules(filter: nil, map: SyncEngineTests.mapping),
            safeguards: SafeguardCheck(maxDeactivationPercent: 20, maxDeactivations: nil, approvedDeactivations: nil),
            openSource: { ArraySource(records: workshopUsers(1000)) }, target: okta)
        let report = await engine.run(job).report
        #expect(report.status == .ok, "\(report.error ?? "")")
        let all = seen.withLock { $0 }
        let phases = all.map(\.phase)
        #expect(phases.first == .reading)
        #expect(phases.contains(.planning) && phases.contains(.waitingForOkta) && phases.contains(.coolingDown))
        #expect(all.contains { $0.phase == .sending && $0.requestsPlanned == 5 && $0.sessionsPlanned == 3 },
                "1,000 users: 5 requests of 200 in sessions of at most 2")
        let last = try #require(all.last)
        #expect(last.recordsRead == 1000)
        #expect((last.requestsSent, last.sessionsDone) == (report.bulkRequests, report.sessions))
        #expect(all.filter { $0.phase == .sending }.allSatisfy { $0.etaSeconds != nil })
        #expect(all.filter { $0.phase == .reading }.allSatisfy { $0.etaSeconds == nil })
    }
}
