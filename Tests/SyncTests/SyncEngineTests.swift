import Foundation
import Host
import SyncTestSupport
import Synchronization
import Testing
import TestSupport

/// Engine behaviour against an in-memory Okta double (fast, exhaustive); the same scenarios run against
/// the real emulator in the end-to-end suite.
@Suite struct SyncEngineTests {
    let stateDir: URL
    let okta = FakeImportTarget()
    let sleeps = SleepLog()

    init() throws { stateDir = try TestSupport.makeTemporaryDirectory("sync-engine") }

    static func mapping(_ r: SourceRecord) -> [(String, String)] { workshopMapping(r) }

    func run(_ records: [SourceRecord], dryRun: Bool = false, approve: Int? = nil, full: Bool = false,
             source: (any RecordSource)? = nil, filter: ((SourceRecord) -> Bool)? = nil) async -> RunReport {
        var options = SyncEngine.Options()
        options.dryRun = dryRun
        options.full = full
        options.session.cooldownSeconds = 300
        var engine = SyncEngine(options: options)
        let sleeps = self.sleeps
        engine.sleep = { seconds in sleeps.values.withLock { $0.append(seconds) } }
        let src: any RecordSource = source ?? ArraySource(records: records)
        let job = SyncEngine.Job(
            tenant: "acme", source: "hr", stateDirectory: stateDir, pageSize: 200,
            rules: Planner.Rules(filter: filter.map(RecordFilter.init), map: Self.mapping),
            safeguards: SafeguardCheck(maxDeactivationPercent: 20, maxDeactivations: nil, approvedDeactivations: approve),
            openSource: { src }, target: okta)
        return await engine.run(job).report
    }

    @Test func workshopLifecycle() async throws {
        var users = workshopUsers(100)
        var r = await run(users)
        #expect(r.status == .ok, "\(r.error ?? "")")
        #expect((r.created, r.updated, r.unchanged, r.deactivated) == (100, 0, 0, 0))
        #expect((r.bulkRequests, r.sessions) == (1, 1))
        #expect(okta.users.count == 100)

        r = await run(users)
        #expect((r.created, r.updated, r.unchanged, r.bulkRequests, r.sessions) == (0, 0, 100, 0, 0))

        users[41].attributes[3] = SourceAttribute("title", "Director")
        r = await run(users)
        #expect((r.created, r.updated, r.unchanged, r.bulkRequests) == (0, 1, 99, 1))
        #expect(okta.users["emp-00042"]?.profile["title"] == "Director")

        users[6].status = .inactive
        r = await run(users)
        #expect((r.deactivated, r.updated, r.bulkRequests) == (1, 0, 1))
        #expect(r.deactivationsByReason == ["inactive in source": 1])
        #expect(okta.users["emp-00007"]?.active == false)
        // The 5-minute rule was honoured between the sessions (the fake sleeper recorded the waits).
        #expect(sleeps.values.withLock { $0.contains { $0 > 250 } })
    }

    @Test func massRemovalIsBlockedThenApprovedExactly() async throws {
        let users = workshopUsers(100)
        _ = await run(users)
        let before = okta.bulkRequests
        var r = await run(Array(users.prefix(70)))
        #expect(r.status == .blocked)
        #expect(has(r.error, "30 of 100"))
        #expect(has(r.error, "--approve-deactivations 30"))
        #expect(okta.bulkRequests == before, "a blocked plan writes nothing")

        r = await run(Array(users.prefix(70)), approve: 29)
        #expect(r.status == .blocked)
        r = await run(Array(users.prefix(70)), approve: 30)
        #expect(r.status == .ok)
        #expect(r.deactivated == 30)
        #expect(r.deactivationsByReason == ["absent from a complete read": 30])
        #expect(okta.users.values.filter { !$0.active }.count == 30)
    }

    @Test func emptySourceIsBlocked() async throws {
        _ = await run(workshopUsers(10))
        let r = await run([])
        #expect(r.status == .blocked)
        #expect(has(r.error, "no records"))
    }

    @Test func failedReadNeverDeactivates() async throws {
        let users = workshopUsers(1000)
        _ = await run(users)
        var changed = Array(users.prefix(500))
        changed[0].attributes[3] = SourceAttribute("title", "Changed")
        let r = await run([], source: ArraySource(records: changed, failAfterPages: 2))
        #expect(r.status == .failed)
        #expect(r.deactivated == 0)
        #expect(has(r.error, "no deactivations"))
        #expect(r.updated == 1, "what was read before the failure is still applied")
        #expect(okta.users.values.allSatisfy { $0.active })
    }

    @Test func incrementalReadTreatsAbsenceAsUnchanged() async throws {
        let users = workshopUsers(50)
        _ = await run(users)
        let r = await run([], source: ArraySource(records: Array(users.prefix(5)), incremental: true))
        #expect(r.status == .ok)
        #expect(r.deactivated == 0)
        #expect(r.incremental)
    }

    @Test func filteredOutUsersAreDeactivatedAndReported() async throws {
        let users = workshopUsers(20)
        _ = await run(users)
        let r = await run(users, filter: { $0.externalId != "emp-00003" })
        #expect(r.deactivated == 1)
        #expect(r.deactivationsByReason == ["filtered out": 1])
        let again = await run(users, filter: { $0.externalId != "emp-00003" })
        #expect(again.deactivated == 0)
        #expect(again.outOfScope == 1)
    }

    @Test func duplicatesAndInvalidRecordsAreReportedNotSent() async throws {
        var users = workshopUsers(5)
        users.append(users[0])
        users.append(SourceRecord(externalId: "no-email", attributes: [SourceAttribute("first_name", "X")]))
        let r = await run(users)
        #expect(r.created == 5)
        #expect(r.invalid == 2)
        #expect(r.problems.contains { has($0, "duplicate") && has($0, "emp-00001") })
        #expect(r.problems.contains { has($0, "no-email") && has($0, "userName") })
    }

    @Test func dryRunWritesNothing() async throws {
        let r = await run(workshopUsers(10), dryRun: true)
        #expect(r.dryRun && r.created == 10)
        #expect(okta.bulkRequests == 0)
        let real = await run(workshopUsers(10))
        #expect(real.created == 10)
    }

    @Test func fullResendsUnchanged() async throws {
        _ = await run(workshopUsers(10))
        let r = await run(workshopUsers(10), full: true)
        #expect(r.updated == 10)
        #expect(r.bulkRequests == 1)
    }

    @Test func largeSyncRollsOverSessionsAndHonoursCooldown() async throws {
        let r = await run(workshopUsers(25_000))
        #expect(r.status == .ok, "\(r.error ?? "")")
        #expect(r.created == 25_000)
        #expect(r.bulkRequests == 125)
        #expect(r.sessions == 3)
        let waits = sleeps.values.withLock { $0.filter { $0 > 250 } }
        #expect(waits.count == 2, "two cool-downs between three sessions")
    }

    @Test func recoveryCancelsOurHalfFilledSessionAndResends() async throws {
        let users = workshopUsers(300)
        // A failing bulk request leaves a session with accepted data; the run fails and cancels it.
        okta.state.withLock { $0.failNextBulk = true }
        _ = await run(users)
        okta.state.withLock { $0.failNextBulk = false }
        let r = await run(users)
        #expect(r.status == .ok, "\(r.error ?? "")")
        #expect(okta.users.count == 300)
        #expect(okta.users.values.allSatisfy { $0.active })
    }

    @Test func errorSessionIsRetriedOnceWithAFreshSession() async throws {
        okta.state.withLock { $0.endNextSessionWith = .error }
        let r = await run(workshopUsers(10))
        #expect(r.status == .ok, "\(r.error ?? "")")
        #expect(r.created == 10)
        #expect(r.sessions == 2)
        #expect(okta.users.count == 10)
    }

    @Test func foreignOpenSessionIsLeftAloneWithAClearMessage() async throws {
        _ = try await okta.createSession()
        let r = await run(workshopUsers(3))
        #expect(r.status == .failed)
        #expect(has(r.error, "--cancel-foreign-sessions"))
    }
}

/// Sleeps the engine asked for (none really happen).
final class SleepLog: Sendable {
    let values = Mutex<[Double]>([])
}

/// Whether `text` contains `part`.
func has(_ text: String?, _ part: String) -> Bool {
    text?.range(of: part) != nil
}

@Suite struct IncrementalDuplicateTests {
    @Test func laterOccurrenceInAnIncrementalReadWins() async throws {
        let dir = try TestSupport.makeTemporaryDirectory("incr-dup")
        let okta = FakeImportTarget()
        func run(_ source: ArraySource) async -> RunReport {
            let job = SyncEngine.Job(
                tenant: "t", source: "s", stateDirectory: dir, pageSize: 2,
                rules: Planner.Rules(filter: nil, map: SyncEngineTests.mapping),
                safeguards: SafeguardCheck(maxDeactivationPercent: nil, maxDeactivations: nil, approvedDeactivations: nil),
                openSource: { source }, target: okta)
            var engine = SyncEngine(options: SyncEngine.Options())
            engine.sleep = { _ in }
            return await engine.run(job).report
        }
        let users = workshopUsers(4)
        _ = await run(ArraySource(records: users))
        // A delta feed names emp-00002 twice on different pages: first disabled, then updated and active.
        var disabled = users[1]
        disabled.status = .inactive
        var renamed = users[1]
        renamed.attributes[3] = SourceAttribute("title", "Later")
        let r = await run(ArraySource(records: [disabled, users[0], renamed], incremental: true))
        #expect(r.status == .ok, "\(r.error ?? "")")
        #expect((r.updated, r.deactivated, r.invalid) == (1, 0, 0))
        #expect(okta.users["emp-00002"]?.active == true)
        #expect(okta.users["emp-00002"]?.profile["title"] == "Later")
    }
}
