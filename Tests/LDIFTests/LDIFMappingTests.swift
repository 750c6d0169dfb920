import Foundation
import PluginAPI
import Testing

/// Users, groups, memberships, status rules and change records, read through the real plugin.
@Suite struct LDIFMappingTests {
    static let directory = """
    dn: dc=example,dc=com
    objectClass: dcObject
    objectClass: organization
    dc: example
    o: Example

    dn: ou=people,dc=example,dc=com
    objectClass: organizationalUnit
    ou: people

    dn: cn=staff,ou=groups,dc=example,dc=com
    objectClass: groupOfNames
    cn: staff
    description: Everyone
    member: uid=ada,ou=people,dc=example,dc=com
    member: UID=Bob , OU=People,DC=example,DC=com
    member: uid=ghost,ou=people,dc=example,dc=com
    member: cn=admins,ou=groups,dc=example,dc=com
    entryUUID: 00000000-0000-0000-0000-000000000000

    dn: uid=ada,ou=people,dc=example,dc=com
    objectClass: inetOrgPerson
    uid: ada
    cn: Ada Lovelace
    sn: Lovelace
    mail: ada@example.com
    mail: ada.l@example.com
    employeeNumber: 1001
    userPassword: {SSHA}secret-hash
    entryCSN: 20240101000000.000000Z#000000#000#000000
    entryUUID: 11111111-1111-1111-1111-111111111111

    dn: uid=bob,ou=people,dc=example,dc=com
    objectClass: inetOrgPerson
    uid: bob
    cn: Bob
    sn: B
    employeeNumber: 1002
    nsAccountLock: TRUE
    entryUUID: 22222222-2222-2222-2222-222222222222

    dn: cn=admins,ou=groups,dc=example,dc=com
    objectClass: groupOfUniqueNames
    cn: admins
    uniqueMember: uid=ada,ou=people,dc=example,dc=com#'0101'B
    entryUUID: 33333333-3333-3333-3333-333333333333

    dn: cn=unix,ou=groups,dc=example,dc=com
    objectClass: posixGroup
    cn: unix
    gidNumber: 500
    memberUid: bob
    memberUid: nobody
    entryUUID: 44444444-4444-4444-4444-444444444444

    """

    func read(_ extra: String, pageSize: UInt32 = 100) throws -> LDIFPlugin.Result {
        try LDIFFixtures.read(Self.directory, extra, pageSize: pageSize)
    }

    @Test func usersCarryAllAttributesExceptPasswordsAndOperationalOnes() throws {
        let result = try read(#""externalId": "employeeNumber", "groups": {"externalId": "dn"}"#)
        #expect(result.users.map(\.externalId) == ["1001", "1002"])
        let ada = result.users[0]
        #expect(ada.values("mail") == ["ada@example.com", "ada.l@example.com"])
        #expect(ada.values("dn") == ["uid=ada,ou=people,dc=example,dc=com"])
        #expect(ada.values("objectClass") == ["inetOrgPerson"])
        #expect(ada.values("userPassword").isEmpty)
        #expect(ada.values("entryCSN").isEmpty)
        #expect(ada.values("entryUUID") == ["11111111-1111-1111-1111-111111111111"])
        #expect(result.users.allSatisfy { $0.status == "active" })
        #expect(!result.incremental)
    }

    @Test func groupsAndMembershipsResolveMemberDNsToExternalIds() throws {
        let result = try read("\"externalId\": \"entryUUID\", \"groups\": {\"externalId\": \"dn\"}")
        #expect(result.groups.map(\.externalId) == ["cn=staff,ou=groups,dc=example,dc=com", "cn=admins,ou=groups,dc=example,dc=com",
                                                     "cn=unix,ou=groups,dc=example,dc=com"])
        #expect(result.groups[0].values("member").isEmpty)
        #expect(result.groups[0].values("description") == ["Everyone"])
        let m = result.memberships
        #expect(m.map(\.externalId) == result.groups.map(\.externalId))
        #expect(m[0].values("member") == ["11111111-1111-1111-1111-111111111111", "22222222-2222-2222-2222-222222222222"])
        #expect(m[1].values("member") == ["11111111-1111-1111-1111-111111111111"])
        #expect(m[2].values("member") == ["22222222-2222-2222-2222-222222222222"])
        // cn=admins is nested in cn=staff: a memberGroup attribute the host flattens.
        #expect(m[0].attributes.filter { $0.name != "member" }.map(\.name) == ["memberGroup"])
        #expect(m[0].values("memberGroup") == ["cn=admins,ou=groups,dc=example,dc=com"])
        // Memberships come after every user and group.
        let firstMembership = try #require(result.records.firstIndex { $0.kind == "membership" })
        #expect(result.records[firstMembership...].allSatisfy { $0.kind == "membership" })
        // Unresolvable members are notes, never invented members.
        #expect(result.notes.contains { $0.contains("uid=ghost") && $0.contains("not a user") && $0.contains("line 11") })
        #expect(!result.notes.contains { $0.contains("cn=admins") })
        #expect(result.notes.contains { $0.contains("nobody") })
    }

    @Test func aGroupWithoutTheExternalIdAttributeIsALocatedError() throws {
        do {
            _ = try read(#""externalId": "employeeNumber""#)
            Issue.record("read succeeded")
        } catch let f as LDIFPlugin.Failure {
            #expect(f.status == XAAS_SOURCE_DATA)
            #expect(f.message.contains("line 11") && f.message.contains("cn=staff") && f.message.contains("employeenumber"))
        }
    }

    @Test func groupsFalseEmitsUsersOnly() throws {
        let result = try read(#""externalId": "uid", "groups": false"#)
        #expect(result.records.map(\.kind) == ["user", "user"])
    }

    @Test func statusFromALockAttribute() throws {
        let result = try read(#""externalId": "uid", "groups": false, "status": {"lockAttribute": "nsAccountLock", "lockedValues": ["true"]}"#)
        #expect(result.users.map(\.status) == ["active", "inactive"])
        let presence = try read(#""externalId": "uid", "groups": false, "status": {"lockAttribute": "NSACCOUNTLOCK"}"#)
        #expect(presence.users.map(\.status) == ["active", "inactive"])
    }

    @Test func statusFromAnAttributeAndActiveValues() throws {
        let result = try read(#""externalId": "uid", "groups": false, "status": {"attribute": "employeeNumber", "activeValues": ["1002"]}"#)
        #expect(result.users.map(\.status) == ["inactive", "active"])
    }

    @Test func userFilterSelectsByObjectClass() throws {
        let result = try read(#""externalId": "dn", "groups": false, "userFilter": ["organizationalUnit"]"#)
        #expect(result.users.map(\.externalId) == ["ou=people,dc=example,dc=com"])
    }

    @Test func smallPagesAndResumingFromAFreshInstanceGiveTheSameRecords() throws {
        let settings = #""externalId": "entryUUID", "groups": {"externalId": "entryUUID"}"#
        let whole = try read(settings)
        let paged = try read(settings, pageSize: 1)
        #expect(paged.pages > whole.pages)
        #expect(paged.records == whole.records)
        let path = try LDIFFixtures.write(Self.directory)
        let reopened = try LDIFPlugin.read(LDIFFixtures.settings(path, settings), pageSize: 2, reopenEachPage: true)
        #expect(reopened.records == whole.records)
        #expect(whole.memberships.map(\.externalId) == whole.groups.map(\.externalId))
    }

    static let changes = """
    version: 1

    dn: uid=carol,ou=people,dc=example,dc=com
    changetype: add
    objectClass: inetOrgPerson
    uid: carol
    cn: Carol
    sn: C

    dn: uid=ada,ou=people,dc=example,dc=com
    control: 1.2.840.113556.1.4.805 true
    changetype: modify
    replace: mail
    mail: ada@new.example.com
    -
    delete: description
    -
    add: title
    title: Countess

    dn: uid=bob,ou=people,dc=example,dc=com
    changetype: delete

    dn: uid=dan,ou=people,dc=example,dc=com
    changetype: modrdn
    newrdn: uid=daniel
    deleteoldrdn: 1

    dn: cn=staff,ou=groups,dc=example,dc=com
    changetype: modify
    replace: member
    member: uid=carol,ou=people,dc=example,dc=com

    """

    @Test func changeRecordsUpsertDeleteAndReportModrdn() throws {
        let result = try LDIFFixtures.read(Self.changes, #""externalId": "uid", "groups": {"externalId": "cn"}, "changeRecords": true"#)
        #expect(result.incremental)
        let kinds = result.records.map { "\($0.kind):\($0.externalId):\($0.status)" }
        #expect(kinds == ["user:carol:active", "user:ada:active", "user:bob:deleted", "group:staff:active", "membership:staff:active"])
        #expect(result.records[1].values("mail") == ["ada@new.example.com"])
        #expect(result.records[1].values("title") == ["Countess"])
        #expect(result.records[4].values("member") == ["carol"])
        #expect(result.skipped == 1)
        #expect(result.notes.contains { $0.contains("modrdn") && $0.contains("uid=dan") && $0.contains("line 24") })
    }

    @Test func modifyAddAndDeleteOfMembersChangeSinglePairs() throws {
        let text = """
        dn: cn=staff,ou=groups,dc=example,dc=com
        changetype: modify
        add: member
        member: uid=erin,ou=people,dc=example,dc=com
        -
        delete: member
        member: uid=frank,ou=people,dc=example,dc=com
        -

        """
        let result = try LDIFFixtures.read(text, #""externalId": "uid", "groups": {"externalId": "cn"}, "changeRecords": true"#)
        let membership = try #require(result.records.first { $0.kind == "membership" })
        #expect(membership.externalId == "staff")
        // Members outside the file resolve through their first RDN (uid = the externalId attribute).
        #expect(membership.values("memberAdded") == ["erin"] && membership.values("memberRemoved") == ["frank"])
        #expect(membership.values("member").isEmpty)
        #expect(!result.notes.contains { $0.contains("not supported") })
    }

    @Test func changeRecordsNeedTheSetting() throws {
        do {
            _ = try LDIFFixtures.read(Self.changes, #""externalId": "uid""#)
            Issue.record("read succeeded")
        } catch let f as LDIFPlugin.Failure {
            #expect(f.status == XAAS_SOURCE_DATA)
            #expect(f.message.contains("line 10") && f.message.contains("changeRecords"))
        }
    }

    @Test func addRecordsReadAsEntriesWithoutTheSetting() throws {
        // AD ldifde writes `changetype: add` on every record of a full export.
        let text = "dn: uid=e,dc=t\nchangetype: add\nobjectClass: person\nuid: e\ncn: e\nsn: e\n"
        let result = try LDIFFixtures.read(text, #""externalId": "uid""#)
        #expect(result.users.map(\.externalId) == ["e"])
        #expect(!result.incremental)
    }

    @Test func mixingContentAndChangeRecordsIsAnError() throws {
        let text = "dn: uid=e,dc=t\nobjectClass: person\nuid: e\n\ndn: uid=f,dc=t\nchangetype: delete\n"
        do {
            _ = try LDIFFixtures.read(text, #""externalId": "uid", "changeRecords": true"#)
            Issue.record("read succeeded")
        } catch let f as LDIFPlugin.Failure {
            #expect(f.message.contains("line 5") && f.message.contains("mixes"))
        }
    }
}
