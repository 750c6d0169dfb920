import Foundation
import Host
import SyncTestSupport
import Testing
import TestSupport
import XaasJSON

/// The README's first command on the shipped example: a real sync into the embedded emulators, and a second
/// run that reports everything unchanged.
@Suite(.serialized) struct QuickstartTests {
    @Test func shippedExampleSyncsThenReportsEverythingUnchanged() throws {
        let dir = try TestSupport.makeTemporaryDirectory("quickstart")
        let config = dir.appendingPathComponent("connectors.d")
        try FileManager.default.copyItem(at: TestSupport.packageRoot.appendingPathComponent("connectors.d"), to: config)
        func sync() throws -> (Int32, [JSONValue], String) {
            let r = try TestSupport.xaas(["sync", "--config", config.path, "--json"])
            return (r.status, (try? JSONValue.parse(r.stdout))?["runs"]?.arrayValue ?? [], r.stdout + r.stderr)
        }
        let (first, runs, output) = try sync()
        #expect(first == 0, "\(output)")
        #expect(runs.count == 2)
        let created = runs.map { $0["created"]?.intValue ?? 0 }.reduce(0, +)
        #expect(created > 0)
        // acme/hr holds its one future hire (2099): pending, not created, not absent.
        #expect(runs.run("acme", "hr")?["pending"]?.intValue == 1, "\(output)")
        #expect(runs.run("globex", "staff")?["pending"]?.intValue == 0, "\(output)")
        // The C static connector's group reaches the org: one group, its two active members.
        let globex = runs.first { $0["tenant"]?.stringValue == "globex" }
        #expect(globex?["groups"]?["created"]?.intValue == 1 && globex?["memberships"]?["added"]?.intValue == 2,
                "\(globex?.serialized ?? "")")
        let (second, again, output2) = try sync()
        #expect(second == 0, "\(output2)")
        for run in again {
            #expect(run["status"]?.stringValue == "ok", "\(run.serialized)")
            #expect(run["created"]?.intValue == 0 && run["deactivated"]?.intValue == 0, "\(run.serialized)")
            #expect(run["bulkRequests"]?.intValue == 0, "\(run.serialized)")
        }
        #expect(again.first { $0["tenant"]?.stringValue == "globex" }?["groups"]?["unchanged"]?.intValue == 1)
        #expect(again.map { $0["unchanged"]?.intValue ?? 0 }.reduce(0, +) == created)
        #expect(again.run("acme", "hr")?["pending"]?.intValue == 1)
    }
}

/// Import session ids are unique only within one org: two tenants whose orgs hand out the same id must not
/// see each other's journal.
@Suite struct JournalIsolationTests {
    @Test func sameSessionIdInTwoTenantsStaysApart() throws {
        let dir = try TestSupport.makeTemporaryDirectory("journal")
        let a = try StateStore(directory: dir, tenant: "acme", source: "hr")
        let b = try StateStore(directory: dir, tenant: "globex", source: "staff")
        for (store, user) in [(a, "a1"), (b, "b1")] {
            try store.recordSessionCreated(id: "aps1", identitySourceId: "0oa1", runId: 1)
            try store.recordBulkRequest(sessionId: "aps1", entities: [
                JournalEntity(kind: .user, externalId: user, status: .active, hash: 7, profileJSON: "{}")])
        }
        try a.commitSession("aps1")
        #expect(try a.allApplied().keys.sorted() == ["user/a1"])
        #expect(try b.allApplied().isEmpty)
        #expect(try b.unfinishedSessions().map(\.id) == ["aps1"])
        try b.commitSession("aps1")
        #expect(try b.allApplied().keys.sorted() == ["user/b1"])
    }
}

/// Several workers start at once on a fresh state directory: each opens the database (switching it to WAL
/// and creating the schema) and writes. None may fail with "database is locked".
@Suite struct StateConcurrencyTests {
    @Test func concurrentFirstOpensAndWritesSucceed() async throws {
        for round in 0..<5 {
            let dir = try TestSupport.makeTemporaryDirectory("state-race-\(round)")
            let failures = try await withThrowingTaskGroup(of: String?.self) { group in
                for i in 0..<8 {
                    group.addTask {
                        do {
                            let store = try StateStore(directory: dir, tenant: "t\(i)", source: "s")
                            _ = try store.beginRun(dryRun: false)
                            try store.recordSessionCreated(id: "aps1", identitySourceId: "0oa1", runId: 1)
                            return nil
                        } catch {
                            return "\(error)"
                        }
                    }
                }
                return try await group.reduce(into: [String]()) { if let e = $1 { $0.append(e) } }
            }
            #expect(failures.isEmpty, "round \(round): \(failures)")
        }
    }
}
