import Foundation
import Host
import Testing
import XaasJSON

/// Group delta through the real plugin (``GraphHarness``): the checkpoint carries both deltaLinks; with an
/// externalId other than `id` a changed group's member list is read again; an expired groups deltaLink
/// falls back to a whole groups round.
@Suite(.serialized) struct GraphGroupDeltaReadTests {
    static func user(_ i: Int) -> (id: String, type: String) { (GraphUsers.id(i), "#microsoft.graph.user") }
    static func upn(_ i: Int) -> String { "adele\(i)@contoso.onmicrosoft.com" }

    static func memberLists(_ round: GraphHarness.Round) -> [String: [String]] {
        Dictionary(round.records.filter { $0.kind == .membership }.map {
            ($0.externalId, $0.attributes.filter { $0.name == "member" }.map(\.value).sorted())
        }, uniquingKeysWith: { $0 + $1 })
    }

    @Test func changedGroupsAreReReadWhenTheExternalIdIsNotTheObjectId() throws {
        let fake = try FakeGraph()
        defer { fake.stop() }
        for i in 1...4 { fake.upsert(GraphUsers.user(i)) }
        fake.state.withLock { s in
            s.groups = [("g-1", "Sales", [1, 2].map(Self.user)), ("g-2", "Ops", [Self.user(3)])]
        }
        let harness = try GraphHarness(fake, settings: "\"delta\": true, \"groups\": true, \"externalId\": \"userPrincipalName\", \"pageSize\": 2")
        let first = try harness.readAll()
        #expect(first.pages.allSatisfy { !$0.incremental })
        #expect(Self.memberLists(first) == ["g-1": [1, 2].map(Self.upn), "g-2": [Self.upn(3)]])
        let checkpoint = try #require(first.checkpoint)
        #expect(first.pages.compactMap(\.checkpoint).count == 1, "one checkpoint, on the last page")
        let saved = try JSONValue.parse(checkpoint)
        #expect(saved["deltaLink"]?.stringValue?.contains("/users/delta?$deltatoken=") == true)
        #expect(saved["groupsDeltaLink"]?.stringValue?.contains("/groups/delta?$deltatoken=") == true, "\(checkpoint)")

        // Sales: user 2 leaves, user 4 joins; Ops renamed to Operations (members unchanged).
        fake.state.withLock { s in
            s.groups = [("g-1", "Sales", [1, 4].map(Self.user)), ("g-2", "Operations", [Self.user(3)])]
        }
        let before = fake.requests.count
        let second = try harness.readAll(checkpoint: checkpoint)
        #expect(second.pages.allSatisfy { $0.incremental })
        #expect(Self.memberLists(second) == ["g-1": [1, 4].map(Self.upn)], "only the changed group, as a whole list")
        let groups = second.records.filter { $0.kind == .group }
        #expect(groups.map(\.externalId) == ["g-2"] && groups.first?.firstValue("displayName") == "Operations")
        #expect(fake.requests.dropFirst(before).map(\.path)
                == ["/v1.0/users/delta", "/v1.0/groups/delta", "/v1.0/groups/g-1/members"])
        let next = try #require(second.checkpoint)
        #expect(next != checkpoint)

        // The groups deltaLink expired: a whole groups round, noted, inside the incremental read.
        fake.inject(.init(pathPrefix: "/v1.0/groups/delta", response: FakeGraph.error(410, "syncStateNotFound", "Resync required.")))
        let third = try harness.readAll(checkpoint: next)
        #expect(third.notes.contains { $0.contains("reading every group again") }, "\(third.notes)")
        #expect(Self.memberLists(third) == ["g-1": [1, 4].map(Self.upn), "g-2": [Self.upn(3)]])
        #expect(third.records.filter { $0.kind == .group }.count == 2)
        #expect(third.checkpoint != nil)
    }

    @Test func membersDeltaPairsAndADeletedGroupWithTheObjectIdAsExternalId() throws {
        let fake = try FakeGraph()
        defer { fake.stop() }
        for i in 1...3 { fake.upsert(GraphUsers.user(i)) }
        fake.state.withLock { s in
            s.groups = [("g-1", "Sales", [1, 2].map(Self.user)), ("g-2", "Ops", [Self.user(3)])]
        }
        let harness = try GraphHarness(fake, settings: "\"delta\": true, \"groups\": true")
        let first = try harness.readAll()
        fake.state.withLock { s in s.groups = [("g-1", "Sales", [1, 3].map(Self.user))] }
        let second = try harness.readAll(checkpoint: try #require(first.checkpoint))
        let changes = second.records.filter { $0.kind != .user }
        #expect(changes.count == 2, "\(changes)")
        let deleted = changes.first { $0.kind == .group }
        #expect(deleted?.externalId == "g-2" && deleted?.status == .deleted)
        let membership = changes.first { $0.kind == .membership }
        #expect(membership?.externalId == "g-1")
        #expect(membership?.attributes.map { "\($0.name)=\($0.value)" }.sorted()
                == ["memberAdded=\(GraphUsers.id(3))", "memberRemoved=\(GraphUsers.id(2))"])

        // Graph reports a changed description without the name: the group is read whole.
        fake.state.withLock { s in
            s.groupDescriptions["g-1"] = "Night shift"
            s.extraGroupDeltaEntries = [.object([("id", .string("g-1")), ("description", .string("Night shift"))])]
        }
        let before = fake.requests.count
        let third = try harness.readAll(checkpoint: try #require(second.checkpoint))
        let group = third.records.first { $0.kind == .group }
        #expect((group?.externalId, group?.firstValue("displayName"), group?.firstValue("description")) == ("g-1", "Sales", "Night shift"))
        #expect(third.records.filter { $0.kind == .membership }.isEmpty)
        #expect(fake.requests.dropFirst(before).map(\.path) == ["/v1.0/users/delta", "/v1.0/groups/delta", "/v1.0/groups/g-1"])
    }
}
