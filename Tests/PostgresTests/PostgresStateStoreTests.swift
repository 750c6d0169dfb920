import Foundation
@testable import Host
import Testing

/// The state store on PostgreSQL: the journal and plan SQL the engine runs, the schema's versioning, and
/// generation fencing. Needs PostgreSQL 15 server binaries (see ``PostgresCluster``).
@Suite(.enabled(if: PostgresCluster.unavailable == nil, "\(PostgresCluster.unavailable ?? "")"))
struct PostgresStateStoreTests {
    func store(_ conninfo: String, tenant: String = "acme", source: String = "hr", fence: LeaseFence? = nil) throws -> StateStore {
        try StateStore.open(.postgres(conninfo: conninfo, schema: "xaas"), tenant: tenant, source: source, fence: fence)
    }

    func cluster() throws -> PostgresCluster {
        try #require(PostgresCluster.shared, "the throwaway PostgreSQL cluster did not start (see stderr)")
    }

    @Test func anApprovalGivenOnOneHostReachesAnother() throws {
        let backend = StateBackend.postgres(conninfo: try cluster().makeDatabase(), schema: "xaas")
        let hostA = ApprovalStore(stateDirectory: URL(fileURLWithPath: "/nonexistent/a"), backend: backend)
        let hostB = ApprovalStore(stateDirectory: URL(fileURLWithPath: "/nonexistent/b"), backend: backend)
        _ = try StateStore.open(backend, tenant: "acme", source: "hr")   // the schema exists once a run opened it
        #expect(hostB.pending(tenant: "acme", source: "hr") == nil)
        try hostA.approve(tenant: "acme", source: "hr", count: 42)
        #expect(hostB.pending(tenant: "acme", source: "hr") == 42)
        #expect(hostB.pending(tenant: "acme", source: "other") == nil)
        hostB.consume(tenant: "acme", source: "hr")
        #expect(hostA.pending(tenant: "acme", source: "hr") == nil)
    }

    @Test func journalCommitAndPlanRoundTrip() throws {
        let db = try cluster().makeDatabase()
        let s = try store(db)
        let run = try s.beginRun(dryRun: false)
        #expect(run > 0)
        try s.batch { b in
            #expect(try b.markSeen(kind: "user", externalId: "u1"))
            #expect(try !b.markSeen(kind: "user", externalId: "u1"))
            try b.appendPlan(runId: run, PlanEntry(seq: 1, kind: .user, externalId: "u1", action: .create, status: .active,
                                                   hash: Int64.max - 7, profile: Profile(json: #"{"a":"é"}"#, hash: Int64.max - 7), reason: nil))
        }
        #expect(try s.planCounts(runId: run) == [.create: 1])
        try s.recordSessionCreated(id: "S1", identitySourceId: "IS", runId: run)
        try s.recordBulkRequest(sessionId: "S1", entities: [
            JournalEntity(kind: .user, externalId: "u1", status: .active, hash: Int64.max - 7, profileJSON: #"{"a":"é"}"#)])
        try s.recordSessionTriggered("S1", at: 1_700_000_000.25)
        #expect(try s.unfinishedSessions().map(\.id) == ["S1"])
        #expect(try s.lastTriggeredAt() == 1_700_000_000.25)
        try s.commitSession("S1")
        #expect(try s.applied(kind: .user, externalId: "u1") == AppliedEntity(status: .active, hash: Int64.max - 7, profileJSON: #"{"a":"é"}"#))
        #expect(try s.unfinishedSessions().isEmpty)
        // A complete read that no longer sees u1 plans its deactivation.
        let next = try s.beginRun(dryRun: false)
        #expect(try s.planAbsentDeactivations(runId: next, kind: .user, firstSeq: 1) == 1)
        #expect(try s.planEntries(runId: next, actions: [.deactivate], afterSeq: 0, limit: 10).map(\.externalId) == ["u1"])
        try s.finishRun(next, status: "ok", reportJSON: "{}")
        #expect(try s.latestRun()?.status == "ok")
        try s.saveCheckpoint("c1")
        #expect(try s.checkpoint() == "c1")
        // Another source's rows are apart.
        #expect(try store(db, source: "other").allApplied().isEmpty)
    }

    @Test func membershipPlanningUsesPortableSQL() throws {
        let db = try cluster().makeDatabase()
        let s = try store(db)
        let run = try s.beginRun(dryRun: false)
        try s.prepareGroupPlanning()
        try s.batch { b in
            try b.appendPlan(runId: run, PlanEntry(seq: 1, kind: .user, externalId: "u1", action: .create, status: .active, hash: 1, profile: Profile(json: "{}", hash: 1), reason: nil))
            try b.appendPlan(runId: run, PlanEntry(seq: 2, kind: .group, externalId: "g1", action: .create, status: .active, hash: 1, profile: Profile(json: "{}", hash: 1), reason: nil))
            try b.appendPlan(runId: run, PlanEntry(seq: 3, kind: .group, externalId: "g2", action: .create, status: .active, hash: 1, profile: Profile(json: "{}", hash: 1), reason: nil))
            try b.parkMember(group: "g1", member: "u1", op: .add)
            try b.parkMember(group: "g1", member: "u1", op: .list)
            try b.parkNestedGroup(parent: "g2", child: "g1")
        }
        let changes = try s.planMembershipChanges(runId: run, firstSeq: 4, removals: true, incremental: false)
        #expect(changes.adds == 2)   // g1⊃u1 and, through nesting, g2⊃u1
        let keys = try s.planEntries(runId: run, actions: [.create], kind: .membership, afterSeq: 0, limit: 10).map(\.externalId)
        #expect(keys == ["g1\u{1F}u1", "g2\u{1F}u1"])
    }

    @Test func newerSchemaIsRefused() throws {
        let db = try cluster().makeDatabase()
        _ = try store(db)
        let admin = try PostgresConnection(conninfo: db)
        try admin.execute("UPDATE xaas.meta SET value='99' WHERE key='schema_version'")
        // A fresh process would migrate; the check runs on every migration attempt, so use a new schema key.
        do {
            try PostgresSchema.migrate(admin, schema: "xaas")
            Issue.record("a newer schema version was accepted")
        } catch {
            #expect(error.area == .schema)
            #expect("\(error)".contains("version 99"))
        }
    }

    @Test func wrongPasswordErrorNeverShowsIt() throws {
        let c = try cluster()
        let url = "postgresql://nobody:hunter2@127.0.0.1:\(c.port)/postgres?connect_timeout=5"
        do {
            _ = try StateStore.open(.postgres(conninfo: url, schema: "xaas"), tenant: "t", source: "s")
            Issue.record("connected as an unknown role")
        } catch {
            #expect(!"\(error)".contains("hunter2"))
            #expect("\(error)".contains("cannot connect"))
        }
        #expect(!StateBackend.postgres(conninfo: url, schema: "xaas").description.contains("hunter2"))
    }

    @Test func staleGenerationWriteIsRejectedInTheSameTransaction() throws {
        let db = try cluster().makeDatabase()
        let admin = try PostgresConnection(conninfo: db)
        _ = try store(db)
        try admin.execute("INSERT INTO xaas.leases(tenant, source, generation, holder) VALUES('acme','hr',5,'b')")
        let current = try store(db, fence: LeaseFence(tenant: "acme", source: "hr", generation: 5))
        let stale = try store(db, fence: LeaseFence(tenant: "acme", source: "hr", generation: 4))
        let run = try current.beginRun(dryRun: false)
        try current.recordSessionCreated(id: "S1", identitySourceId: "IS", runId: run)
        #expect(throws: LeaseError.self) { try stale.recordSessionCreated(id: "S2", identitySourceId: "IS", runId: run) }
        #expect(throws: LeaseError.self) { try stale.commitSession("S1") }
        #expect(throws: LeaseError.self) { _ = try stale.beginRun(dryRun: false) }
        #expect(try current.recentSessions().map(\.id) == ["S1"])
        #expect(try current.recentSessions().first?.state == .open)
    }
}
