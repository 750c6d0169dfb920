import Foundation
import HTTPServer
import Host
import Testing
import XaasJSON

/// Delta rounds: a full round to the deltaLink (a snapshot, not incremental), then changes only from the
/// checkpoint (incremental; `@removed` → deleted), and the fall-backs to a full read (410, expired token).
@Suite struct GraphDeltaTests {
    static let settings = "\"delta\": true, \"pageSize\": 3"

    @Test func aDeltaRoundThenChangesOnly() throws {
        let fake = try GraphPagingTests.fake(users: 8)
        let h = try GraphHarness(fake, settings: Self.settings)
        let first = try h.readAll()
        #expect(first.users.count == 8 && first.pages.count == 3)
        #expect(first.pages.allSatisfy { !$0.incremental }, "a full delta round is a complete snapshot")
        let checkpoint = try #require(first.checkpoint)
        #expect(first.pages.last?.checkpoint != nil && first.pages.dropLast().allSatisfy { $0.checkpoint == nil })
        #expect(fake.requests.allSatisfy { $0.headers["Prefer"] == "odata.maxpagesize=3" })
        #expect(fake.requests.first?.target.hasPrefix("/v1.0/users/delta?$select=id,") == true)
        #expect(!fake.requests.dropFirst().contains { $0.target.contains("$select") }, "options only on the first call")

        // Changes: a new user, an update, a disabled user, a soft and a hard removal.
        fake.upsert(GraphUsers.user(9))
        fake.update(GraphUsers.id(2), [("jobTitle", .string("Director"))])
        fake.update(GraphUsers.id(3), [("accountEnabled", .bool(false))])
        fake.remove(GraphUsers.id(4), hard: false)
        fake.remove(GraphUsers.id(5), hard: true)
        let before = fake.requests.count
        let second = try h.readAll(checkpoint: checkpoint)
        #expect(second.pages.allSatisfy { $0.incremental })
        #expect(fake.requests[before].target.contains("$deltatoken="))
        let byId = Dictionary(second.users.map { ($0.externalId, $0) }, uniquingKeysWith: { $1 })
        #expect(Set(byId.keys) == Set([9, 2, 3, 4, 5].map(GraphUsers.id)))
        #expect(byId[GraphUsers.id(9)]?.status == .active)
        #expect(byId[GraphUsers.id(2)]?.firstValue("jobTitle") == "Director")
        #expect(byId[GraphUsers.id(3)]?.status == .inactive)
        #expect(byId[GraphUsers.id(4)]?.status == .deleted && byId[GraphUsers.id(5)]?.status == .deleted)
        let next = try #require(second.checkpoint)
        #expect(next != checkpoint)

        // Nothing changed: an empty incremental round with a new checkpoint.
        let third = try h.readAll(checkpoint: next)
        #expect(third.users.isEmpty && third.pages.allSatisfy { $0.incremental } && third.checkpoint != nil)
    }

    @Test func replaysInAPageAreMergedLaterWins() throws {
        let fake = try GraphPagingTests.fake(users: 2)
        let h = try GraphHarness(fake, settings: Self.settings)
        let checkpoint = try #require(try h.readAll().checkpoint)
        fake.update(GraphUsers.id(1), [("jobTitle", .string("CFO"))])
        fake.state.withLock { $0.replayInDelta = true }
        let round = try h.readAll(checkpoint: checkpoint)
        #expect(round.users.map(\.externalId) == [GraphUsers.id(1)])
        #expect(round.users.first?.firstValue("jobTitle") == "CFO")
    }

    @Test func goneFallsBackToAFullRead() throws {
        let fake = try GraphPagingTests.fake(users: 4)
        let h = try GraphHarness(fake, settings: Self.settings)
        let checkpoint = try #require(try h.readAll().checkpoint)
        fake.remove(GraphUsers.id(1), hard: true)
        fake.expireDeltaLinks()
        let round = try h.readAll(checkpoint: checkpoint)
        #expect(round.pages.allSatisfy { !$0.incremental }, "a full snapshot after 410")
        #expect(round.users.map(\.externalId) == (2...4).map(GraphUsers.id))
        #expect(round.notes.first?.contains("410 Gone") == true && round.notes.first?.contains("full snapshot") == true)
        #expect(round.checkpoint != nil)
    }

    @Test func anUnknownSyncStateFallsBackToAFullRead() throws {
        let fake = try GraphPagingTests.fake(users: 2)
        let h = try GraphHarness(fake, settings: Self.settings)
        let stale = #"{"v":1,"deltaLink":"\#(fake.baseURL)/users/delta?$deltatoken=unknown","select":"\#(try selectText(h))"}"#
        let round = try h.readAll(checkpoint: stale)
        #expect(round.users.count == 2 && round.pages.allSatisfy { !$0.incremental })
        #expect(round.notes.first?.contains("syncStateNotFound") == true)
        // A checkpoint made for another $select is not used.
        let other = try GraphHarness(fake, settings: Self.settings + ", \"select\": [\"displayName\"]")
        let checkpoint = try #require(try h.readAll().checkpoint)
        let changed = try other.readAll(checkpoint: checkpoint)
        #expect(changed.pages.allSatisfy { !$0.incremental } && changed.notes.first?.contains("does not match") == true)
    }

    private func selectText(_ h: GraphHarness) throws -> String {
        let round = try h.readAll()
        let checkpoint = try #require(round.checkpoint)
        return try #require(JSONValue.parse(checkpoint)["select"]?.stringValue)
    }

    @Test func hardRemovalsNeedIdAsExternalId() throws {
        let fake = try GraphPagingTests.fake(users: 2)
        let h = try GraphHarness(fake, settings: Self.settings + ", \"externalId\": \"userPrincipalName\"")
        let checkpoint = try #require(try h.readAll().checkpoint)
        fake.remove(GraphUsers.id(1), hard: true)
        let round = try h.readAll(checkpoint: checkpoint)
        #expect(round.users.isEmpty)
        #expect(round.pages.reduce(0) { $0 + $1.skippedCount } == 1)
        #expect(round.notes.contains { $0.contains("removed (deleted)") && $0.contains("\"externalId\": \"id\"") })
    }
}
