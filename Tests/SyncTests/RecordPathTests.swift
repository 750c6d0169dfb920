import Foundation
import Testing
@testable import Host
import XaasJSON

/// The record path's own stages: the mapper's profile (canonical JSON + hash), the state index the planner
/// diffs against, and the batcher splicing stored profiles into bulk bodies.
@Suite struct RecordPathTests {
    static let mapping = try! Mapping([
        ("userName", "${email | lower}"), ("email", "${email}"), ("firstName", "${first}"),
        ("displayName", "${first} ${last}"), ("title", "Dr. ${title}"), ("department", "${dept | default:\"none\"}"),
        ("note", "${note}"),
    ])

    static func record(_ id: String, _ pairs: [(String, String)]) -> SourceRecord {
        SourceRecord(externalId: id, attributes: pairs.map { SourceAttribute($0.0, $0.1) })
    }

    @Test(arguments: [
        [("email", "Ann@Example.com"), ("first", "Ann"), ("last", "Lee"), ("title", "x"), ("note", "a \"q\"\n\\")],
        [("email", "bo@example.com"), ("first", ""), ("first", "Bo"), ("dept", "Ops")],
        [("email", "zoë@example.com"), ("last", "Ünal"), ("title", "")],
    ])
    func mapperWritesTheSameProfileAsTheMappingPairs(_ attributes: [(String, String)]) throws {
        let record = Self.record("emp-1", attributes)
        guard let fast = ProfileMapper(Self.mapping).profile(record) else {
            Issue.record("refused a valid record")
            return
        }
        let expected = Profile(Self.mapping.profile(for: record))
        #expect(fast == expected)
        #expect(fast.hash == Profile.hash(fast.json))
        #expect(fast.pairs.map(\.0) == Self.mapping.profile(for: record).map(\.0))
    }

    @Test func mapperRefusesWithTheValidationMessage() {
        let cases: [[(String, String)]] = [
            [("first", "Ann")],                                   // no userName, no email
            [("email", "not-an-email"), ("first", "Ann")],
            [("email", "a@b.c"), ("first", String(repeating: "é", count: 51))],
        ]
        var buffers = ProfileMapper.Buffers()
        for attributes in cases {
            let record = Self.record("emp-2", attributes)
            let expected = Mapping.validate(externalId: "emp-2", profile: Self.mapping.profile(for: record))
            guard case .invalid(let problem) = ProfileMapper(Self.mapping).map(record, using: &buffers) else {
                Issue.record("accepted \(attributes)")
                continue
            }
            #expect(problem == expected)
        }
    }

    @Test func profileKeepsTheFirstPositionAndLastValueOfARepeatedKey() {
        let profile = Profile([("a", "1"), ("b", "2"), ("a", "3")])
        #expect(profile.json == #"{"a":"3","b":"2"}"#)
    }

    @Test func indexFindsAppliedEntitiesAndMarksSeenOnce() {
        let index = StateIndex(expected: 3)
        index.addApplied("emp-1", status: .active, hash: 11)
        index.addApplied("emp-10", status: .inactive, hash: 12)
        index.addApplied("emp-2", status: .active, hash: 13)
        let (e1, first1) = index.see("emp-10")
        #expect(first1)
        #expect(index.applied(e1) == AppliedEntity(status: .inactive, hash: 12, profileJSON: nil))
        #expect(index.see("emp-10").first == false)
        let (new, firstNew) = index.see("emp-3")
        #expect(firstNew && index.applied(new) == nil)
        #expect(index.see("emp-3").first == false)
        #expect(index.unseenActive().map(\.externalId) == ["emp-1", "emp-2"])
        #expect(index.unseenActive().map(\.hash) == [11, 13])
        #expect(Set(index.seenIds()) == ["emp-10", "emp-3"])
    }

    @Test func indexGrowsAndStaysExact() {
        let index = StateIndex()
        for i in 0 ..< 5000 { index.addApplied("user-\(i)", status: i % 3 == 0 ? .inactive : .active, hash: Int64(i)) }
        for i in stride(from: 0, to: 10000, by: 2) {
            let (entity, first) = index.see("user-\(i)")
            #expect(first)
            if i < 5000 { #expect(index.applied(entity)?.hash == Int64(i)) } else { #expect(index.applied(entity) == nil) }
        }
        #expect(index.count == 7500)
        let unseen = index.unseenActive()
        #expect(unseen.count == (0 ..< 5000).filter { $0 % 2 == 1 && $0 % 3 != 0 }.count)
        #expect(unseen.allSatisfy { Int($0.externalId.dropFirst(5))! % 2 == 1 })
        // Ids that share a prefix or differ only in length are distinct entities.
        #expect(index.see("x-1").first && index.see("x-10").first && !index.see("x-1").first && !index.see("x-10").first)
        #expect(index.see("").first && !index.see("").first)
    }

    @Test func batcherSplicesTheStoredProfileAsIs() throws {
        let profile = Profile([("userName", "ann@example.com"), ("title", "a \"b\"")])
        var batcher = BulkBatcher(operation: .upsertUsers)
        let appended = batcher.append(.user(externalId: "emp-\"1\"", profile: profile))
        #expect(appended)
        let finished = batcher.finish()
        let body = try #require(finished)
        let text = String(decoding: body.bytes, as: UTF8.self)
        #expect(text == #"{"entityType":"USERS","profiles":[{"externalId":"emp-\"1\"","profile":"# + profile.json + "}]}")
        #expect(BulkBatcher(operation: .deleteUsers).maxBytes == SessionRunner.Options().maxBytesPerRequest)
    }

    @Test func byteEscaperWritesWhatTheStringEscaperWrites() {
        let controls = String((0 ..< 0x20).map { Character(Unicode.Scalar(UInt8($0))) })
        for text in ["", "plain", "a \"q\" \\ b", controls, "zoë ✓ 😀", "\u{7F}x"] {
            var string = ""
            JSONValue.writeString(text, to: &string)
            var bytes: [UInt8] = []
            JSONValue.writeString(text, to: &bytes)
            #expect(String(decoding: bytes, as: UTF8.self) == string)
        }
    }
}
