import Foundation
@testable import Host
import Testing

/// On PostgreSQL: a finished run drops its own plan rows only (dry and blocked runs keep theirs until the
/// source's next run), and the planner's index loads from the rows' bytes.
@Suite(.enabled(if: PostgresCluster.unavailable == nil, "\(PostgresCluster.unavailable ?? "")"))
struct PostgresPlanLifetimeTests {
    func store(_ conninfo: String, source: String) throws -> StateStore {
        try StateStore.open(.postgres(conninfo: conninfo, schema: "xaas"), tenant: "acme", source: source)
    }

    func plan(_ s: StateStore, run: Int64, ids: [String]) throws {
        try s.batch { b in
            for (i, id) in ids.enumerated() {
                try b.appendPlan(runId: run, PlanEntry(seq: Int64(i + 1), kind: .user, externalId: id, action: .create,
                                                       status: .active, hash: 7, profile: nil, reason: nil))
            }
        }
    }

    @Test func finishedRunsDropTheirPlanAndKeptOnesGoWithTheNextRun() throws {
        let db = try #require(PostgresCluster.shared, "the throwaway PostgreSQL cluster did not start").makeDatabase()
        let hr = try store(db, source: "hr"), other = try store(db, source: "other")
        let otherDry = try other.beginRun(dryRun: true)
        try plan(other, run: otherDry, ids: ["o1", "o2"])
        try other.finishRun(otherDry, status: "ok", reportJSON: "{}")
        let applied = try hr.beginRun(dryRun: false)
        try plan(hr, run: applied, ids: ["u1", "u2", "u3"])
        try hr.finishRun(applied, status: "ok", reportJSON: "{}")
        #expect(try hr.planCounts(runId: applied).isEmpty)
        #expect(try other.planCounts(runId: otherDry) == [.create: 2], "a dry run's plan stays for --diff")
        let crashed = try hr.beginRun(dryRun: false)
        try plan(hr, run: crashed, ids: ["u4"])
        let next = try hr.beginRun(dryRun: false)   // the crashed run never finished
        #expect(try hr.planCounts(runId: crashed).isEmpty)
        try plan(hr, run: next, ids: ["u5"])
        try hr.finishRun(next, status: "blocked", reportJSON: "{}")
        #expect(try hr.planCounts(runId: next) == [.create: 1], "a blocked run's plan stays for the status page")
        #expect(try other.planCounts(runId: otherDry) == [.create: 2])
        _ = try other.beginRun(dryRun: false)
        #expect(try other.planCounts(runId: otherDry).isEmpty)
        #expect(try hr.planCounts(runId: next) == [.create: 1])
    }

    @Test func theIndexLoadsFromTheRowsBytes() throws {
        let db = try #require(PostgresCluster.shared, "the throwaway PostgreSQL cluster did not start").makeDatabase()
        let s = try store(db, source: "hr")
        let run = try s.beginRun(dryRun: false)
        try s.recordSessionCreated(id: "S1", identitySourceId: "IS", runId: run)
        try s.recordBulkRequest(sessionId: "S1", entities: [
            JournalEntity(kind: .user, externalId: "émp-2", status: .active, hash: -5, profileJSON: "{}"),
            JournalEntity(kind: .user, externalId: "emp-1", status: .inactive, hash: 9, profileJSON: "{}")])
        try s.commitSession("S1")
        let index = try s.loadIndex(kind: .user)
        #expect(index.appliedCount == 2)
        let hit = index.see("émp-2")
        #expect(hit.first && index.applied(hit.entity) == AppliedEntity(status: .active, hash: -5, profileJSON: nil))
        let inactive = index.see("emp-1")
        #expect(index.applied(inactive.entity) == AppliedEntity(status: .inactive, hash: 9, profileJSON: nil))
        #expect(index.applied(index.see("emp-3").entity) == nil)
    }
}
