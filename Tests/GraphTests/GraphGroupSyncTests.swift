import Foundation
import SyncTestSupport
import Testing
import XaasJSON

/// Graph groups end to end: the fake serves a group whose members span several pages; after a delta
/// round in which one member left and another joined, exactly that add and that removal reach the org.
@Suite(.serialized) struct GraphGroupSyncTests {
    static func upn(_ i: Int) -> String { "adele\(i)@contoso.onmicrosoft.com" }

    static func members(_ f: GraphSyncFixture) throws -> [String: [String]] {
        var out: [String: [String]] = [:]
        for g in try f.inspect("groups").arrayValue ?? [] {
            out[g["profile"]?["displayName"]?.stringValue ?? "?"] = (g["members"]?.arrayValue ?? []).compactMap(\.stringValue).sorted()
        }
        return out
    }

    @Test func pagedMembersThenADeltaRoundAddsAndRemovesAMember() throws {
        let f = try GraphSyncFixture()
        let text = try String(contentsOf: f.configDir.appendingPathComponent("acme/entra.json"), encoding: .utf8)
        try f.write("acme/entra.json", text.replacingOccurrences(of: "\"pageSize\": 200,", with: "\"pageSize\": 2, \"groups\": true,"))
        for i in 1...5 { f.graph.upsert(GraphUsers.user(i, department: "Okta Workflows")) }
        f.graph.state.withLock { s in
            s.groups = [("g-1", "Sales", (1...4).map { (GraphUsers.id($0), "#microsoft.graph.user") })]
        }
        var (status, run, stderr) = try f.sync()
        #expect(status == 0, "\(stderr)")
        #expect(run?["memberships"]?.int("added") == 4, "\(run?.serialized ?? stderr)")
        #expect(try Self.members(f) == ["Sales": (1...4).map(Self.upn).sorted()])
        #expect(f.graph.requests.filter { $0.path == "/v1.0/groups/g-1/members" }.count == 2, "members read in pages of 2")

        // Delta round: user 2 leaves Sales, user 5 joins.
        f.graph.state.withLock { s in
            s.groups = [("g-1", "Sales", [1, 3, 4, 5].map { (GraphUsers.id($0), "#microsoft.graph.user") })]
        }
        (status, run, stderr) = try f.sync()
        #expect(status == 0, "\(stderr)")
        #expect(run?["incremental"]?.boolValue == true)
        #expect((run?["memberships"]?.int("added"), run?["memberships"]?.int("removed")) == (1, 1), "\(run?.serialized ?? "")")
        #expect(run?.int("bulkRequests") == 2, "one membership upsert, one membership delete")
        #expect(try Self.members(f) == ["Sales": [1, 3, 4, 5].map(Self.upn).sorted()])
    }
}
