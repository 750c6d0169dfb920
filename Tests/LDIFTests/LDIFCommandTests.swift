import Foundation
import Testing
import TestSupport

/// The connector through the host's command `xaas plugins read ldif --settings FILE` (NDJSON out).
@Suite struct LDIFCommandTests {
    func run(_ ldif: String, _ extra: String) throws -> TestSupport.ProcessResult {
        let path = try LDIFFixtures.write(ldif)
        let settings = (path as NSString).deletingLastPathComponent + "/settings.json"
        try Data(LDIFFixtures.settings(path, extra).utf8).write(to: URL(fileURLWithPath: settings))
        return try TestSupport.xaas(["plugins", "read", "ldif", "--settings", settings])
    }

    @Test func readPrintsUsersGroupsAndMembershipsAsNDJSON() throws {
        let r = try run(LDIFMappingTests.directory, #""externalId": "uid", "groups": {"externalId": "cn"}"#)
        #expect(r.status == 0, "\(r.stderr)")
        let lines = r.stdout.split(separator: "\n").map(String.init)
        let objects = try lines.map { try #require(JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]) }
        #expect(objects.map { "\($0["kind"]!):\($0["externalId"]!)" } ==
                ["group:staff", "user:ada", "user:bob", "group:admins", "group:unix",
                 "membership:staff", "membership:admins", "membership:unix"])
        let ada = try #require(objects[1]["attributes"] as? [String: Any])
        #expect(ada["mail"] as? [String] == ["ada@example.com", "ada.l@example.com"])
        #expect(ada["userPassword"] == nil)
        #expect((objects[5]["attributes"] as? [String: Any])?["member"] as? [String] == ["ada", "bob"])
        #expect(r.stderr.contains("uid=ghost"))  // an unresolvable member is a note, not a member
    }

    @Test func aBadFileFailsWithTheLineAndDN() throws {
        let r = try run("dn: uid=a,dc=t\nobjectClass: person\nuid: a\n\ndn: uid=b,dc=t\nobjectClass: person\n cont\n\tbad\n",
                        #""externalId": "uid""#)
        #expect(r.status != 0)
        #expect(r.stderr.contains("line 8"), "\(r.stderr)")
    }

    @Test func anUnknownSettingIsRefused() throws {
        let r = try run("dn: uid=a,dc=t\n", #""externalID": "uid""#)
        #expect(r.status != 0)
        #expect(r.stderr.contains("externalID"), "\(r.stderr)")
    }
}
