import Foundation
@testable import Host
import SyncTestSupport
import Testing
import TestSupport

/// How long a run's plan rows live in state: dropped when an applied (or failed) run finishes, kept for
/// what reads them after the run (`--dry-run --diff`, the status page of a blocked run) until the next
/// run of the source, and cleaned up by the next run after a crash — without touching another source's.
@Suite struct PlanLifetimeTests {
    let stateDir: URL
    let okta = FakeImportTarget()

    init() throws { stateDir = try TestSupport.makeTemporaryDirectory("plan-lifetime") }

    func run(_ records: [SourceRecord], source: String = "hr", dryRun: Bool = false) async -> SyncEngine.Outcome {
        var options = SyncEngine.Options()
        options.dryRun = dryRun
        options.session.cooldownSeconds = 0
        var engine = SyncEngine(options: options)
        engine.sleep = { _ in }
        let job = SyncEngine.Job(
            tenant: "acme", source: source, stateDirectory: stateDir, pageSize: 50,
            rules: Planner.Rules(filter: nil, map: workshopMapping),
            safeguards: SafeguardCheck(maxDeactivationPercent: 20, maxDeactivations: nil, approvedDeactivations: nil),
            openSource: { ArraySource(records: records) }, target: okta)
        return await engine.run(job)
    }

    func store(_ source: String = "hr") throws -> StateStore {
        try StateStore(directory: stateDir, tenant: "acme", source: source)
    }

    /// Every plan row of run `runId`, of any action.
    func planned(_ runId: Int64?, source: String = "hr") throws -> Int {
        let runId = try #require(runId)
        return try store(source).planCounts(runId: runId).values.reduce(0, +)
    }

    @Test func anAppliedRunDropsItsPlanWhenItFinishes() async throws {
        let first = await run(workshopUsers(120))
        #expect(first.report.status == .ok && first.report.created == 120, "\(first.report.error ?? "")")
        #expect(try planned(first.runId) == 0)
        var users = workshopUsers(120)
        users[3].status = .inactive
        let second = await run(users)
        #expect(second.report.status == .ok && second.report.deactivated == 1, "\(second.report.error ?? "")")
        #expect(try planned(second.runId) == 0)
        #expect(okta.users["emp-00004"]?.active == false)
    }

    @Test func aDryRunKeepsItsPlanForTheDiffUntilTheNextRun() async throws {
        let dry = await run(workshopUsers(30), dryRun: true)
        #expect(dry.report.status == .ok && dry.report.created == 30)
        #expect(try planned(dry.runId) == 30)
        var lines: [String] = []
        try PlanPrinter.diff(store: store(), runId: #require(dry.runId)) { lines.append($0) }
        #expect(lines.filter { $0.hasPrefix("+ create ") }.count == 30)
        let applied = await run(workshopUsers(30))
        #expect(applied.report.created == 30)
        #expect(try planned(dry.runId) == 0 && planned(applied.runId) == 0)
    }

    @Test func aBlockedRunKeepsItsPlanForTheStatusPage() async throws {
        _ = await run(workshopUsers(100))
        let blocked = await run(Array(workshopUsers(100).prefix(60)))
        #expect(blocked.report.status == .blocked)
        #expect(try store().planCounts(runId: #require(blocked.runId))[.deactivate] == 40)
        let next = await run(workshopUsers(100))
        #expect(next.report.status == .ok && next.report.unchanged == 100)
        #expect(try planned(blocked.runId) == 0)
    }

    @Test func theRunAfterACrashDropsTheCrashedPlan() async throws {
        let crashed = try store()
        let runId = try crashed.beginRun(dryRun: false)
        try crashed.batch { batch in
            for i in 1 ... 5 {
                try batch.appendPlan(runId: runId, PlanEntry(
                    seq: Int64(i), kind: .user, externalId: "emp-\(i)", action: .create, status: .active, hash: Int64(i),
                    profile: nil, reason: nil))
            }
        }
        #expect(try planned(runId) == 5)   // never finished: the process died here
        let next = await run(workshopUsers(10))
        #expect(next.report.status == .ok && next.report.created == 10)
        #expect(try planned(runId) == 0 && planned(next.runId) == 0)
    }

    @Test func droppingAPlanLeavesAnotherSourcesPlanInTheSharedFile() async throws {
        let otherDry = await run(workshopUsers(20), source: "contractors", dryRun: true)
        #expect(try planned(otherDry.runId, source: "contractors") == 20)
        let mine = await run(workshopUsers(40))
        #expect(mine.report.status == .ok && mine.report.created == 40)
        let again = await run(workshopUsers(40, titlePrefix: "Manager"))
        #expect(again.report.updated == 40)
        #expect(try planned(mine.runId) == 0 && planned(again.runId) == 0)
        #expect(try planned(otherDry.runId, source: "contractors") == 20, "another source's kept plan is not ours to drop")
        // And the other source's next run drops only its own: this source's later dry-run plan stays.
        let myDry = await run(workshopUsers(40, titlePrefix: "Director"), dryRun: true)
        #expect(myDry.report.updated == 40)
        _ = await run(workshopUsers(20), source: "contractors", dryRun: true)
        #expect(try planned(otherDry.runId, source: "contractors") == 0)
        #expect(try planned(myDry.runId) == 40)
    }
}
