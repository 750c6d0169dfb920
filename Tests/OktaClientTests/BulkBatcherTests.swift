import Foundation
import Testing
import XaasJSON
@testable import Host

@Suite("BulkBatcher")
struct BulkBatcherTests {
    /// The expected body, built independently with XaasJSON's serialiser.
    static func expectedUsers(_ users: [(String, [(String, String)])]) -> String {
        JSONValue.object([
            ("entityType", .string("USERS")),
            ("profiles", .array(users.map { user in
                .object([("externalId", .string(user.0)),
                         ("profile", .object(user.1.map { ($0.0, JSONValue.string($0.1)) }))])
            })),
        ]).serialized
    }

    static let tricky: [(String, [(String, String)])] = [
        ("emp-0001", [("userName", "zoë@example.com"), ("firstName", "Zoë"), ("lastName", "北京 🎉")]),
        ("q\"uote\\back", [("title", "line1\nline2\ttab\r"), ("x", "\u{01}\u{1F}\u{7F}\u{08}\u{0C}/")]),
        ("emp-0003", [("displayName", "Ann \"A\" Lee"), ("department", "")]),
    ]

    @Test("user upsert: exact bytes of the §2.2 shape, multi-byte UTF-8 and escapes, byteCount exact")
    func userUpsertExact() throws {
        var batcher = BulkBatcher(operation: .upsertUsers)
        do { let ok = batcher.byteCount == 0 && batcher.finish() == nil; #expect(ok) }
        for (id, profile) in Self.tricky { let ok = batcher.append(.user(externalId: id, profile: Profile(profile))); #expect(ok) }
        let predicted = batcher.byteCount
        let body = try unwrap(batcher.finish())
        #expect(predicted == body.bytes.count)
        #expect(body.entityCount == 3)
        #expect(String(decoding: body.bytes, as: UTF8.self) == Self.expectedUsers(Self.tricky))
        let json = try JSONValue.parse(bytes: body.bytes)
        #expect(json["entityType"]?.stringValue == "USERS")
        let profiles = try #require(json["profiles"]?.arrayValue)
        #expect(profiles[1]["externalId"]?.stringValue == "q\"uote\\back")
        #expect(profiles[1]["profile"]?["x"]?.stringValue == "\u{01}\u{1F}\u{7F}\u{08}\u{0C}/")
        #expect(profiles[0]["profile"]?["lastName"]?.stringValue == "北京 🎉")
        #expect(batcher.count == 0 && batcher.byteCount == 0)
    }

    @Test("limit by count: the (max+1)th append is refused as .full and nothing changes")
    func countLimit() throws {
        var batcher = BulkBatcher(operation: .deleteUsers, maxEntities: 3)
        for i in 1...3 { let ok = batcher.append(.deletion(externalId: "e\(i)")); #expect(ok) }
        let before = batcher.byteCount
        do { let ok = !batcher.append(.deletion(externalId: "e4")); #expect(ok) }
        #expect(batcher.lastRejection == .full && batcher.count == 3 && batcher.byteCount == before)
        let body = try unwrap(batcher.finish())
        #expect(String(decoding: body.bytes, as: UTF8.self)
                == #"{"entityType":"USERS","profiles":[{"externalId":"e1"},{"externalId":"e2"},{"externalId":"e3"}]}"#)
        do { let ok = batcher.append(.deletion(externalId: "e4")) && batcher.count == 1; #expect(ok) }
    }

    @Test("limit by bytes: a body of exactly maxBytes fits, one byte less does not")
    func byteLimit() throws {
        let users = Array(Self.tricky.prefix(2))
        let exact = Self.expectedUsers(users).utf8.count
        var fits = BulkBatcher(operation: .upsertUsers, maxBytes: exact)
        for (id, p) in users { let ok = fits.append(.user(externalId: id, profile: Profile(p))); #expect(ok) }
        #expect(fits.byteCount == exact)
        do { let ok = fits.finish()?.bytes.count == exact; #expect(ok) }

        var tight = BulkBatcher(operation: .upsertUsers, maxBytes: exact - 1)
        do { let ok = tight.append(.user(externalId: users[0].0, profile: Profile(users[0].1))); #expect(ok) }
        do { let ok = !tight.append(.user(externalId: users[1].0, profile: Profile(users[1].1))); #expect(ok) }
        #expect(tight.lastRejection == .full && tight.count == 1)
    }

    @Test("an entity larger than maxBytes on its own is .tooLarge (flushing won't help)")
    func tooLarge() {
        var batcher = BulkBatcher(operation: .upsertUsers, maxBytes: 100)
        do { let ok = !batcher.append(.user(externalId: "big", profile: Profile([("title", String(repeating: "é", count: 60))]))); #expect(ok) }
        #expect(batcher.lastRejection == .tooLarge && batcher.count == 0)
        do { let ok = batcher.append(.user(externalId: "small", profile: Profile([]))); #expect(ok) }
        #expect(batcher.lastRejection == nil)
    }

    @Test("default limits: 200 entities, ≤ 199,000 bytes (below both readings of 200 KB; the session runner's default too)")
    func defaults() throws {
        var batcher = BulkBatcher(operation: .deleteUsers)
        var accepted = 0
        while batcher.append(.deletion(externalId: "emp-\(accepted)")) { accepted += 1 }
        #expect(accepted == 200)
        var big = BulkBatcher(operation: .upsertUsers)
        let value = String(repeating: "ü", count: 1000)  // 2,000 bytes
        while big.append(.user(externalId: "e\(big.count)", profile: Profile([("title", value)]))) {}
        #expect(big.lastRejection == .full)
        let body = try unwrap(big.finish())
        let limit = 199_000
        #expect(BulkBatcher.defaultMaxBytes == limit && SessionRunner.Options().maxBytesPerRequest == limit)
        #expect(body.bytes.count <= limit && body.bytes.count > limit - 2100)
        let envelope = #"{"entityType":"USERS","profiles":[]}"#.utf8.count
        let next = Self.expectedUsers([("e\(body.entityCount)", [("title", value)])]).utf8.count - envelope
        #expect(body.bytes.count + 1 + next > limit, "the batch was really full")
        #expect(body.entityCount > 90 && body.entityCount < 101)
    }

    @Test("group upsert, group delete and membership bodies have the §2.4 shapes")
    func groupShapes() throws {
        var groups = BulkBatcher(operation: .upsertGroups)
        do { let ok = groups.append(.group(externalId: "g1", profile: Profile([("displayName", "Ops"), ("description", "Öps team")]))); #expect(ok) }
        let groupBody = try unwrap(groups.finish())
        #expect(String(decoding: groupBody.bytes, as: UTF8.self)
                == #"{"profiles":[{"externalId":"g1","profile":{"displayName":"Ops","description":"Öps team"}}]}"#)

        var deletions = BulkBatcher(operation: .deleteGroups)
        do { let ok = deletions.append(.deletion(externalId: "g1")) && deletions.append(.deletion(externalId: "g\"2")); #expect(ok) }
        #expect(deletions.byteCount == #"{"externalIds":["g1","g\"2"]}"#.utf8.count)
        let deletionBody = try unwrap(deletions.finish())
        #expect(String(decoding: deletionBody.bytes, as: UTF8.self) == #"{"externalIds":["g1","g\"2"]}"#)

        for operation in [BulkOperation.upsertMemberships, .deleteMemberships] {
            var members = BulkBatcher(operation: operation)
            do { let ok = members.append(.membership(groupExternalId: "g1", memberExternalIds: ["u1", "ü2"])); #expect(ok) }
            do { let ok = members.append(.membership(groupExternalId: "g2", memberExternalIds: [])); #expect(ok) }
            let size = members.byteCount
            let body = try unwrap(members.finish())
            #expect(size == body.bytes.count && body.entityCount == 2)
            #expect(String(decoding: body.bytes, as: UTF8.self)
                    == #"{"memberships":[{"groupExternalId":"g1","memberExternalIds":["u1","ü2"]},{"groupExternalId":"g2","memberExternalIds":[]}]}"#)
        }
    }

    @Test("a repeated profile key keeps its first position and last value (valid JSON)")
    func duplicateKeys() throws {
        var batcher = BulkBatcher(operation: .upsertUsers)
        do { let ok = batcher.append(.user(externalId: "e", profile: Profile([("a", "1"), ("b", "2"), ("a", "3")]))); #expect(ok) }
        let body = try unwrap(batcher.finish())
        #expect(String(decoding: body.bytes, as: UTF8.self)
                == #"{"entityType":"USERS","profiles":[{"externalId":"e","profile":{"a":"3","b":"2"}}]}"#)
        #expect(throws: Never.self) { try JSONValue.parse(bytes: body.bytes) }
    }

    @Test("random profiles: every flushed body parses, is ≤ maxBytes, and its size was predicted exactly")
    func randomised() throws {
        var rng = SplitMix64(seed: 0xC0FFEE)
        let alphabet: [Character] = ["a", "Z", "0", " ", "\"", "\\", "\n", "\t", "\u{00}", "\u{1F}", "é", "ß", "北", "🎉", "\u{2028}", "/"]
        func randomString(_ max: Int) -> String {
            String((0..<Int(rng.next() % UInt64(max + 1))).map { _ in alphabet[Int(rng.next() % UInt64(alphabet.count))] })
        }
        var batcher = BulkBatcher(operation: .upsertUsers, maxEntities: 50, maxBytes: 4096)
        var sent = 0, bodies = 0, pending: (String, [(String, String)])?
        while sent < 2000 {
            let user = pending ?? ("id-\(sent)-" + randomString(8), (0..<Int(rng.next() % 6)).map { i in ("k\(i)", randomString(40)) })
            if batcher.append(.user(externalId: user.0, profile: Profile(user.1))) { sent += 1; pending = nil; continue }
            try #require(batcher.lastRejection == .full)
            let predicted = batcher.byteCount
            let body = try unwrap(batcher.finish())
            #expect(predicted == body.bytes.count && body.bytes.count <= 4096 && body.entityCount <= 50)
            let parsed = try JSONValue.parse(bytes: body.bytes)
            #expect(parsed["profiles"]?.arrayValue?.count == body.entityCount)
            bodies += 1
            pending = user
        }
        #expect(bodies > 10)
    }
}

/// A tiny deterministic PRNG for the randomised test.
struct SplitMix64 {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E3779B97F4A7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58476D1CE4E5B9
        z = (z ^ (z >> 27)) &* 0x94D049BB133111EB
        return z ^ (z >> 31)
    }
}

/// `#require` for values from mutating calls (the expectation macros cannot capture `inout` receivers).
func unwrap<T>(_ value: T?, sourceLocation: SourceLocation = #_sourceLocation) throws -> T {
    try #require(value, sourceLocation: sourceLocation)
}
