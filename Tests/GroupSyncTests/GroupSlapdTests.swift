import Foundation
import SyncTestSupport
import Testing
import TestSupport
import XaasJSON

/// Groups from real OpenLDAP: slapd holds users, a groupOfNames with a nested groupOfNames, a
/// groupOfUniqueNames and a posixGroup; the LDIF comes from `slapcat`; after `xaas sync` the emulator's
/// groups and members equal what `ldapsearch` says (nesting flattened). Then a membership change, a
/// removed group and a renamed group (ldapmodify / modrdn) send exactly those requests.
/// Script: Tests/LDIFTests/interop/groups-directory.sh.
@Suite(.serialized, .enabled(if: SlapdTools.available, "slapd/ldap-utils not installed (apt-get install -y slapd ldap-utils)"))
struct GroupSlapdTests {
    static let script = TestSupport.packageRoot.appendingPathComponent("Tests/LDIFTests/interop/groups-directory.sh")

    static let input = """
        dn: dc=example,dc=com
        objectClass: dcObject
        objectClass: organization
        dc: example
        o: Example

        dn: ou=people,dc=example,dc=com
        objectClass: organizationalUnit
        ou: people

        dn: ou=groups,dc=example,dc=com
        objectClass: organizationalUnit
        ou: groups

        """ + "\n" + (1...6).map { i in """
        dn: uid=u\(i),ou=people,dc=example,dc=com
        objectClass: inetOrgPerson
        uid: u\(i)
        cn: User \(i)
        givenName: User
        sn: Number\(i)
        mail: u\(i)@example.com

        """ + "\n" }.joined() + """
        dn: cn=platform,ou=groups,dc=example,dc=com
        objectClass: groupOfNames
        cn: platform
        member: uid=u3,ou=people,dc=example,dc=com

        dn: cn=engineering,ou=groups,dc=example,dc=com
        objectClass: groupOfNames
        cn: engineering
        description: Builds things
        member: uid=u1,ou=people,dc=example,dc=com
        member: uid=u2,ou=people,dc=example,dc=com
        member: cn=platform,ou=groups,dc=example,dc=com

        dn: cn=sales,ou=groups,dc=example,dc=com
        objectClass: groupOfUniqueNames
        cn: sales
        uniqueMember: uid=u4,ou=people,dc=example,dc=com
        uniqueMember: uid=u5,ou=people,dc=example,dc=com

        dn: cn=ops,ou=groups,dc=example,dc=com
        objectClass: posixGroup
        cn: ops
        gidNumber: 5000
        memberUid: u5
        memberUid: u6

        """

    func directory(_ command: String, _ dir: URL, _ extra: [String] = []) throws {
        let r = try TestSupport.run(URL(fileURLWithPath: "/bin/sh"), [Self.script.path, command, dir.path] + extra)
        try #require(r.status == 0, "groups-directory.sh \(command): \(r.stderr)")
    }

    /// cn (from each entry's DN) → sorted member uids, from ldapsearch's answer, nested groups flattened.
    static func expected(_ ldif: String) -> [String: [String]] {
        var direct: [String: Set<String>] = [:], nested: [String: Set<String>] = [:]
        var cn = ""
        func rdnValue(_ dn: String) -> String { String(dn.split(separator: ",")[0].split(separator: "=")[1]) }
        for line in ldif.split(separator: "\n") {
            let parts = line.split(separator: " ", maxSplits: 1).map(String.init)
            guard parts.count == 2 else { continue }
            switch parts[0] {
            case "dn:": cn = rdnValue(parts[1]); direct[cn, default: []] = direct[cn] ?? []
            case "member:", "uniqueMember:":
                if parts[1].hasPrefix("cn=") { nested[cn, default: []].insert(rdnValue(parts[1])) }
                else { direct[cn, default: []].insert(rdnValue(parts[1])) }
            case "memberUid:": direct[cn, default: []].insert(parts[1])
            default: break
            }
        }
        func all(_ g: String, _ path: Set<String>) -> Set<String> {
            (nested[g] ?? []).filter { !path.contains($0) }.reduce(direct[g] ?? []) { $0.union(all($1, path.union([$1]))) }
        }
        return Dictionary(uniqueKeysWithValues: direct.keys.map { ($0, all($0, [$0]).sorted()) })
    }

    /// displayName → sorted members of the emulator's groups.
    static func actual(_ f: EmulatorFixture) throws -> [String: [String]] {
        var out: [String: [String]] = [:]
        for g in try f.inspect("groups").arrayValue ?? [] {
            out[g["profile"]?["displayName"]?.stringValue ?? "?"] = (g["members"]?.arrayValue ?? []).compactMap(\.stringValue).sorted()
        }
        return out
    }

    @Test func slapdGroupsReachTheOrgAndChangesSendExactlyThoseRequests() throws {
        let dir = try TestSupport.makeTemporaryDirectory("groups-slapd")
        let input = dir.appendingPathComponent("input.ldif")
        try Self.input.write(to: input, atomically: true, encoding: .utf8)
        try directory("start", dir, [input.path])
        defer { try? directory("stop", dir) }
        try directory("dump", dir)

        let f = try EmulatorFixture()
        try f.write("acme/hr.json", """
            {"identitySourceId": "\(EmulatorFixture.sourceId)", "connector": "ldif",
             "settings": {"path": "\(dir.appendingPathComponent("dump.ldif").path)", "externalId": "uid",
                          "groups": {"externalId": "entryUUID"}},
             "mapping": {"userName": "${mail}", "email": "${mail}", "firstName": "${givenName}", "lastName": "${sn}"},
             "groups": {"mapping": {"displayName": "${cn}", "description": "${description}"},
                        "safeguards": {"maxDeletePercent": 50}}}
            """)
        var r = try f.sync()
        #expect(r.status == 0, "\(r.stderr)")
        let groupsLDIF = try String(contentsOf: dir.appendingPathComponent("groups.ldif"), encoding: .utf8)
        let want = Self.expected(groupsLDIF)
        #expect(want["engineering"] == ["u1", "u2", "u3"], "nested platform flattened into engineering")
        #expect(try Self.actual(f) == want)
        #expect(r.run?["groups"]?.int("created") == 4)

        // Membership change (u2 out of engineering, u4 in), sales removed, ops renamed to operations.
        let changes = dir.appendingPathComponent("changes.ldif")
        try """
            dn: cn=engineering,ou=groups,dc=example,dc=com
            changetype: modify
            delete: member
            member: uid=u2,ou=people,dc=example,dc=com
            -
            add: member
            member: uid=u4,ou=people,dc=example,dc=com
            -

            dn: cn=sales,ou=groups,dc=example,dc=com
            changetype: delete

            dn: cn=ops,ou=groups,dc=example,dc=com
            changetype: modrdn
            newrdn: cn=operations
            deleteoldrdn: 1

            """.write(to: changes, atomically: true, encoding: .utf8)
        try directory("modify", dir, [changes.path])
        try directory("dump", dir)
        let sessionsBefore = try f.inspect("sessions").arrayValue?.count ?? 0
        r = try f.sync(["--approve-group-deletions", "1"])
        #expect(r.status == 0, "\(r.stderr)")
        let after = Self.expected(try String(contentsOf: dir.appendingPathComponent("groups.ldif"), encoding: .utf8))
        #expect(try Self.actual(f) == after, "ldapsearch says \(after)")
        #expect(try Self.actual(f)["operations"] == ["u5", "u6"])
        // Exactly: one group upsert (the rename), one membership add, one removal, one group delete.
        #expect(r.run?.int("bulkRequests") == 4)
        #expect((r.run?["groups"]?.int("updated"), r.run?["groups"]?.int("deleted")) == (1, 1))
        #expect((r.run?["memberships"]?.int("added"), r.run?["memberships"]?.int("removed")) == (1, 1))
        #expect((r.run?.int("created"), r.run?.int("updated"), r.run?.int("deactivated")) == (0, 0, 0))
        let report = try f.inspect("sessions").arrayValue?.dropFirst(sessionsBefore).first?["report"]
        #expect(report?.int("groupsUpdated") == 1 && report?.int("groupsDeleted") == 1)
        #expect(report?.int("membershipsAdded") == 1 && report?.int("membershipsRemoved") == 1)
        #expect(report?.int("groupsCreated") == 0 && report?.int("created") == 0)
    }
}

/// Whether OpenLDAP's server and client tools are installed.
enum SlapdTools {
    static let available = ["/usr/sbin/slapadd", "/usr/sbin/slapcat", "/usr/sbin/slapd", "/usr/bin/ldapsearch", "/usr/bin/ldapmodify"]
        .allSatisfy { FileManager.default.isExecutableFile(atPath: $0) }
}
