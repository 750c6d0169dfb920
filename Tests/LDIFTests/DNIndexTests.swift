import Foundation
import Testing

/// The LDIF connector's DN index (`DNIndex.swift` and `EntityArena.swift` are symlinks to the
/// connector's sources, compiled into this target): exact resolution even when every key shares one
/// hash, every externalId form round-trips, a later entry wins, and the memory per user stays small.
@Suite struct DNIndexTests {
    static func dn(_ i: Int) -> String { "uid=u\(i),ou=people,dc=example,dc=com" }

    static func uuid(_ i: Int) -> String {
        let hex = String(i, radix: 16)
        let d = String(repeating: "0", count: 12 - hex.count) + hex
        return "6f1c2a4e-0b3d-4c5e-8f70-\(d)"
    }

    /// Users keyed by DN and uid, groups by DN; returns the index.
    static func filled(_ users: Int, groups: Int = 0, hash: @escaping DNIndex.HashFunction = DNIndex.hash) -> DNIndex {
        var index = DNIndex(hash: hash)
        for i in 0..<users { index.insert(dn: dn(i), uids: ["u\(i)"], externalId: uuid(i), kind: .user) }
        for g in 0..<groups { index.insert(dn: "cn=g\(g),ou=groups,dc=example,dc=com", externalId: "group-\(g)", kind: .group) }
        return index
    }

    static func expectExact(_ index: DNIndex, users: Int, groups: Int = 0) {
        var wrong = 0
        for i in 0..<users {
            if index.lookup(dn: dn(i))?.externalId != uuid(i) { wrong += 1 }
            if index.lookup(uid: "u\(i)")?.externalId != uuid(i) { wrong += 1 }
        }
        for g in 0..<groups {
            let found = index.lookup(dn: "cn=g\(g),ou=groups,dc=example,dc=com")
            if found?.externalId != "group-\(g)" || found?.kind != .group { wrong += 1 }
        }
        #expect(wrong == 0)
        #expect(index.count == 2 * users + groups)
    }

    @Test func everyKeyOnOneHashStillResolvesExactly() {
        let index = Self.filled(600, groups: 20, hash: { _, _ in 0x0123_4567_89AB_CDEF })
        Self.expectExact(index, users: 600, groups: 20)
        // Keys that are not indexed find nothing, although their hash matches every slot.
        #expect(index.lookup(dn: Self.dn(600)) == nil)
        #expect(index.lookup(uid: "u600") == nil)
        #expect(index.lookup(dn: "uid=u1,ou=people,dc=example,dc=co") == nil)
        #expect(index.lookup(dn: "uid=u1") == nil)
        // A uid is not a DN, nor the reverse, even with equal text.
        #expect(index.lookup(uid: Self.dn(7)) == nil)
        #expect(index.lookup(dn: "u7") == nil)
    }

    @Test func aFewHashValuesForManyKeysResolveExactly() {
        // 64 hash values for 8,000 keys: long probe runs, growth of crowded shards.
        let index = Self.filled(4000, hash: { ns, key in
            UInt64(key.utf8.reduce(0) { $0 &+ Int($1) } % 64) &* 0x9E37_79B9_7F4A_7C15 ^ UInt64(ns.rawValue) })
        Self.expectExact(index, users: 4000)
        #expect(index.lookup(uid: "u4000") == nil)
    }

    @Test func manyKeysWithTheRealHashResolveExactlyInLittleMemory() {
        let users = 50000
        let index = Self.filled(users, groups: 100)
        Self.expectExact(index, users: users, groups: 100)
        // 8-byte slots at load 0.53–0.8 for 2 keys, a 34-byte record, 1 MiB chunks: < 80 bytes a user
        // (the previous 16-byte slots at load ≤ 0.7 plus 37-byte UUID text took ≈ 117).
        #expect(index.memoryBytes < users * 80, "\(index.memoryBytes) bytes")
        // Keys spread over their shards: linear probing at load ≤ 0.8 reads ≈ 1.5–3 slots a key.
        #expect(index.meanProbeLength < 3, "\(index.meanProbeLength)")
    }

    @Test func aLaterEntryWithTheSameKeyWins() {
        for hash in [DNIndex.hash, { _, _ in 42 }] as [DNIndex.HashFunction] {
            var index = DNIndex(hash: hash)
            index.insert(dn: "uid=a,ou=people,dc=x", uids: ["a"], externalId: "first", kind: .user)
            index.insert(dn: "uid=b,ou=people,dc=x", uids: ["b", "shared"], externalId: "second", kind: .user)
            index.insert(dn: "uid=a,ou=people,dc=x", uids: ["shared"], externalId: "third", kind: .group)
            #expect(index.lookup(dn: "uid=a,ou=people,dc=x")?.externalId == "third")
            #expect(index.lookup(dn: "uid=a,ou=people,dc=x")?.kind == .group)
            #expect(index.lookup(uid: "a")?.externalId == "first")
            #expect(index.lookup(uid: "b")?.externalId == "second")
            #expect(index.lookup(uid: "shared")?.externalId == "third")
            #expect(index.count == 5)
        }
    }

    @Test func externalIdsOfEveryFormRoundTrip() {
        let ids = [
            "6f1c2a4e-0b3d-4c5e-8f70-0123456789ab", "6F1C2A4E-0B3D-4C5E-8F70-0123456789AB",
            "6f1c2a4e-0B3D-4c5e-8f70-0123456789ab",  // mixed case: kept as text
            "00000000-0000-0000-0000-000000000000", "6f1c2a4e-0b3d-4c5e-8f70-0123456789a", "6f1c2a4e+0b3d-4c5e-8f70-0123456789ab",
            "6f1c2a4e-0b3d-4c5e-8f70-0123456789ag", "1001", "Jürgen", "", String(repeating: "x", count: 300),
            "uid=u5,ou=people,dc=example,dc=com",  // equal to its DN: stored once
            "uid=u6,ou=people,dc=example,dc=co",
        ]
        var index = DNIndex(hash: { _, _ in 7 })
        for (i, id) in ids.enumerated() { index.insert(dn: Self.dn(i), uids: ["u\(i)"], externalId: id, kind: .user) }
        for (i, id) in ids.enumerated() {
            #expect(index.lookup(dn: Self.dn(i))?.externalId == id)
            #expect(index.lookup(uid: "u\(i)")?.externalId == id)
        }
    }

    @Test func dnShapesAndUidsSplitAndCompareExactly() {
        let entries: [(dn: String, uids: [String])] = [
            (#"cn=doe\, john,ou=people,dc=x"#, ["jdoe"]),  // escaped comma in the first RDN
            (#"cn=doe,\,john,ou=people,dc=x"#, []),
            (#"cn=a\\,ou=people,dc=x"#, []),  // escaped backslash, then a real separator
            ("dc=x", ["x"]),  // one RDN: no parent
            ("", []),  // the empty DN
            ("cn=x+uid=y,ou=people,dc=x", ["y", "x+uid=y", "other"]),
            ("uid=z,ou=people,dc=x", ["z", "z"]),
        ]
        var index = DNIndex(hash: { _, _ in 1 })
        for (i, e) in entries.enumerated() { index.insert(dn: e.dn, uids: e.uids, externalId: "id\(i)", kind: .user) }
        for (i, e) in entries.enumerated() {
            #expect(index.lookup(dn: e.dn)?.externalId == "id\(i)", "\(e.dn)")
            for uid in e.uids { #expect(index.lookup(uid: uid)?.externalId == "id\(i)", "\(uid)") }
        }
        #expect(index.lookup(dn: #"cn=doe\, john"#) == nil)
        #expect(index.lookup(dn: "cn=doe") == nil)
        #expect(index.lookup(dn: "dc=x,") == nil)
        #expect(index.lookup(uid: "") == nil)
        #expect(index.lookup(uid: "uid=z") == nil)
    }
}

/// Membership resolution through the real plugin on a generated export: every member of
/// `groupOfNames`, `groupOfUniqueNames` and `posixGroup` groups resolves to its own user, and pages
/// of large membership records stay small.
@Suite struct LDIFMembershipScaleTests {
    @Test func manyMembersResolveToTheirOwnUsers() throws {
        let users = 5000
        var text = "dn: ou=people,dc=example,dc=com\nobjectClass: organizationalUnit\nou: people\n\n"
        for i in 0..<users {
            text += "dn: uid=U\(i),ou=people,dc=example,dc=com\nobjectClass: inetOrgPerson\nuid: U\(i)\ncn: u\(i)\nsn: s\n"
            text += "entryUUID: \(DNIndexTests.uuid(i))\n\n"
        }
        let classes = [("groupOfNames", "member"), ("groupOfUniqueNames", "uniqueMember"), ("posixGroup", "memberUid")]
        let groups: [(cls: String, attribute: String, members: [Int])] = (0..<30).map { g in
            (classes[g % 3].0, classes[g % 3].1, Array(stride(from: g, to: users, by: 3 + g % 5)))
        }
        for (g, group) in groups.enumerated() {
            text += "dn: cn=g\(g),ou=groups,dc=example,dc=com\nobjectClass: \(group.cls)\ncn: g\(g)\n"
            for m in group.members {
                text += group.attribute == "memberUid" ? "memberUid: u\(m)\n" : "\(group.attribute): UID=u\(m), ou=People,dc=example,dc=com\n"
            }
            text += "entryUUID: \(DNIndexTests.uuid(1_000_000 + g))\n\n"
        }
        let result = try LDIFFixtures.read(text, #""externalId": "entryUUID""#, pageSize: 1000)
        #expect(result.users.count == users)
        #expect(result.memberships.count == groups.count)
        for (g, group) in groups.enumerated() {
            #expect(result.memberships[g].values("member") == group.members.map { DNIndexTests.uuid($0) })
        }
        #expect(result.notes.isEmpty, "\(result.notes.prefix(3))")
        // ≈ 37,000 member values: pages end after 20,000 values, not after 1,000 records.
        #expect(result.pageValues.max()! < 20_000 + users)
        #expect(result.pages > (result.records.count + 999) / 1000)
    }
}
