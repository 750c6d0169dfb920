import Foundation
@testable import Host
import Testing

/// The planner's ``StateIndex`` addressed by an externalId's UTF-8 bytes (as state rows and the record
/// path hand them over), agreeing with the `String` API entity for entity.
@Suite struct StateIndexBytesTests {
    func see(_ index: StateIndex, _ id: String) -> (entity: Int, first: Bool) {
        Array(id.utf8).withUnsafeBytes { index.see($0) }
    }

    func addApplied(_ index: StateIndex, _ id: String, _ status: EntityStatus, _ hash: Int64) {
        Array(id.utf8).withUnsafeBytes { index.addApplied($0, status: status, hash: hash) }
    }

    @Test func hitMissDuplicateAndNewIdByBytes() {
        let index = StateIndex(expected: 3)
        addApplied(index, "emp-1", .active, 11)
        addApplied(index, "emp-10", .inactive, 12)
        addApplied(index, "émp-2", .active, 13)
        #expect(index.appliedCount == 3)
        let hit = see(index, "émp-2")
        #expect(hit.first && index.applied(hit.entity) == AppliedEntity(status: .active, hash: 13, profileJSON: nil))
        #expect(see(index, "émp-2") == (hit.entity, false), "a duplicate is the same entity, not first")
        #expect(index.see("émp-2") == (hit.entity, false), "the String API finds what the bytes API marked")
        let new = see(index, "emp-3")
        #expect(new.first && new.entity == 3 && index.applied(new.entity) == nil)
        #expect(index.see("emp-3") == (3, false))
        #expect(index.externalId(new.entity) == "emp-3")
        // A prefix of an applied id and the empty id are misses, appended as new entities.
        let prefix = see(index, "emp-")
        #expect(prefix.first && prefix.entity == 4 && index.applied(prefix.entity) == nil)
        #expect(see(index, "") == (5, true) && see(index, "") == (5, false))
        #expect(index.unseenActive().map(\.externalId) == ["emp-1"])
        #expect(Set(index.seenIds()) == ["émp-2", "emp-3", "emp-", ""])
    }

    @Test func bytesAndStringsIndexTheSameEntities() {
        let byBytes = StateIndex(), byString = StateIndex()
        for i in 0 ..< 3000 {
            let id = "user-\(i)@example.com"
            addApplied(byBytes, id, i % 4 == 0 ? .inactive : .active, Int64(i))
            byString.addApplied(id, status: i % 4 == 0 ? .inactive : .active, hash: Int64(i))
        }
        for i in stride(from: 1, to: 6000, by: 3) {
            let id = "user-\(i)@example.com"
            #expect(see(byBytes, id) == byString.see(id))
        }
        #expect(byBytes.count == byString.count)
        #expect(byBytes.unseenActive().map(\.externalId) == byString.unseenActive().map(\.externalId))
        #expect(byBytes.seenIds() == byString.seenIds())
    }
}
