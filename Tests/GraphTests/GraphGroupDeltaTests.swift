import Foundation
import SyncTestSupport
import Testing
import XaasJSON

/// Graph group delta end to end (`/groups/delta`, checkpointed next to the users' deltaLink), and
/// `transitiveMembers` through the real plugin.
@Suite(.serialized) struct GraphGroupDeltaTests {
    static func user(_ i: Int) -> (id: String, type: String) { (GraphUsers.id(i), "#microsoft.graph.user") }

    /// displayName → sorted member externalIds of the emulator's groups.
    static func groups(_ f: GraphSyncFixture) throws -> [String: [String]] {
        var out: [String: [String]] = [:]
        for g in try f.inspect("groups").arrayValue ?? [] where g["status"]?.stringValue != "DELETED" {
            out[g["profile"]?["displayName"]?.stringValue ?? "?"] = (g["members"]?.arrayValue ?? []).compactMap(\.stringValue).sorted()
        }
        return out
    }

    @Test func aDeltaRoundAddsAndRemovesAMemberAndDeletesAGroup() throws {
        let f = try GraphSyncFixture()
        let text = try String(contentsOf: f.configDir.appendingPathComponent("acme/entra.json"), encoding: .utf8)
        try f.write("acme/entra.json", text.replacingOccurrences(of: "\"pageSize\": 200,", with: "\"pageSize\": 2, \"groups\": true,")
            .replacingOccurrences(of: "\"externalId\": \"userPrincipalName\"", with: "\"externalId\": \"id\""))
        for i in 1...5 { f.graph.upsert(GraphUsers.user(i)) }
        f.graph.state.withLock { s in
            s.groups = [("g-1", "Sales", [1, 2, 3].map(Self.user)), ("g-2", "Ops", [Self.user(4)]),
                        ("g-3", "Eng", [5, 1].map(Self.user))]
        }
        var (status, run, stderr) = try f.sync()
        #expect(status == 0, "\(stderr)")
        #expect(run?["groups"]?.int("created") == 3 && run?["memberships"]?.int("added") == 6, "\(run?.serialized ?? stderr)")
        #expect(try Self.groups(f) == ["Sales": [1, 2, 3].map(GraphUsers.id), "Ops": [GraphUsers.id(4)],
                                       "Eng": [1, 5].map(GraphUsers.id)])
        #expect(f.graph.requests.filter { $0.path == "/v1.0/groups/delta" }.count == 2, "3 groups in pages of 2")
        #expect(f.graph.requests.filter { $0.path == "/v1.0/groups" }.isEmpty, "delta on: no /groups list")

        // In Graph: user 2 leaves Sales, user 4 joins it, Eng is deleted.
        f.graph.state.withLock { s in
            s.groups = [("g-1", "Sales", [1, 3, 4].map(Self.user)), ("g-2", "Ops", [Self.user(4)])]
        }
        let graphBefore = f.graph.requests.count
        let sessionsBefore = try f.inspect("sessions").arrayValue?.count ?? 0
        (status, run, stderr) = try f.sync(["--approve-group-deletions", "1"])
        #expect(status == 0, "\(stderr)")
        #expect(run?["incremental"]?.boolValue == true, "\(run?.serialized ?? stderr)")
        let graphRequests = f.graph.requests.dropFirst(graphBefore).map(\.path)
        #expect(graphRequests == ["/v1.0/users/delta", "/v1.0/groups/delta"], "members@delta applied as is, no member reads")
        // Exactly: one membership add, one membership removal, one group delete.
        #expect(run?.int("bulkRequests") == 3, "\(run?.serialized ?? "")")
        #expect((run?["groups"]?.int("created"), run?["groups"]?.int("updated"), run?["groups"]?.int("deleted")) == (0, 0, 1))
        #expect((run?["memberships"]?.int("added"), run?["memberships"]?.int("removed")) == (1, 1), "\(run?.serialized ?? "")")
        #expect((run?.int("created"), run?.int("updated"), run?.int("deactivated")) == (0, 0, 0))
        let report = try f.inspect("sessions").arrayValue?.dropFirst(sessionsBefore).first?["report"]
        #expect(report?.int("groupsDeleted") == 1 && report?.int("groupsCreated") == 0 && report?.int("groupsUpdated") == 0)
        #expect(report?.int("membershipsAdded") == 1 && report?.int("membershipsRemoved") == 1, "\(report?.serialized ?? "")")
        #expect(try Self.groups(f) == ["Sales": [1, 3, 4].map(GraphUsers.id), "Ops": [GraphUsers.id(4)]])

        // Nothing changed: both delta links answer empty pages, nothing is sent.
        (status, run, stderr) = try f.sync()
        #expect(status == 0 && run?.int("bulkRequests") == 0, "\(run?.serialized ?? "") \(stderr)")
        #expect(f.graph.requests.last?.target.contains("/groups/delta?$deltatoken=") == true)
    }

    @Test func transitiveMembersReadsNestedGroupsMembersInPages() throws {
        let fake = try FakeGraph()
        defer { fake.stop() }
        for i in 1...4 { fake.upsert(GraphUsers.user(i)) }
        fake.state.withLock { s in
            s.groups = [("g-p", "Parent", [Self.user(1), ("g-c", FakeGraph.groupType)]),
                        ("g-c", "Child", [2, 3, 4].map(Self.user))]
        }
        let harness = try GraphHarness(fake, settings: "\"groups\": true, \"transitiveMembers\": true, \"pageSize\": 2")
        let round = try harness.readAll()
        let members = Dictionary(round.records.filter { $0.kind == .membership }.map {
            ($0.externalId, $0.attributes.filter { $0.name == "member" }.map(\.value).sorted())
        }, uniquingKeysWith: { $0 + $1 })
        #expect(members["g-p"] == [1, 2, 3, 4].map(GraphUsers.id), "the child's users are members of the parent")
        #expect(members["g-c"] == [2, 3, 4].map(GraphUsers.id))
        let paths = fake.requests.map(\.path)
        #expect(paths.filter { $0 == "/v1.0/groups/g-p/transitiveMembers" }.count == 3, "5 entries in pages of 2")
        #expect(!paths.contains { $0.hasSuffix("/members") })
        #expect(round.notes.contains { $0.contains("group g-p: 1 member(s) that are not users") }, "\(round.notes)")
    }
}
