import Foundation
import Host
import SyncTestSupport
import Testing
import TestSupport

/// The engine tags its Okta calls for the org's rate limiter: the source's name (round-robin) and, for the
/// delete phase, the deactivation priority.
@Suite struct RateLimitContextTests {
    @Test func deactivationBulkCallsRunWithDeactivationPriorityUnderTheSourcesName() async throws {
        let stateDir = try TestSupport.makeTemporaryDirectory("ratelimit-context")
        defer { try? FileManager.default.removeItem(at: stateDir) }
        let okta = FakeImportTarget()
        func run(_ records: [SourceRecord]) async -> RunReport {
            var options = SyncEngine.Options()
            options.session.cooldownSeconds = 0
            var engine = SyncEngine(options: options)
            engine.sleep = { _ in }
            let job = SyncEngine.Job(
                tenant: "acme", source: "hr", stateDirectory: stateDir, pageSize: 200,
                rules: Planner.Rules(filter: nil, map: workshopMapping),
                safeguards: SafeguardCheck(maxDeactivationPercent: 50, maxDeactivations: nil, approvedDeactivations: nil),
                openSource: { ArraySource(records: records) }, target: okta)
            return await engine.run(job).report
        }
        var users = workshopUsers(50)
        #expect(await run(users).status == .ok)
        for i in 0..<3 { users[i].status = .inactive }
        users[10].attributes[3] = SourceAttribute("title", "Director")
        let r = await run(users)
        #expect(r.status == .ok, "\(r.error ?? "")")
        #expect((r.deactivated, r.updated) == (3, 1))
        let contexts = okta.state.withLock { $0.bulkContexts }
        let deletes = contexts.filter { $0.0 == .deleteUsers }, upserts = contexts.filter { $0.0 == .upsertUsers }
        #expect(deletes.count == 1 && upserts.count == 2)
        #expect(deletes.allSatisfy { $0.1 == "hr" && $0.2 == .deactivation })
        #expect(upserts.allSatisfy { $0.1 == "hr" && $0.2 == .normal })
        // Outside the engine, nothing is tagged.
        #expect(RateLimitContext.source == nil && RateLimitContext.priority == .normal)
    }
}
