import Emulator
import Foundation
import SyncTestSupport
import Testing
import TestSupport
import XaasJSON

/// Bad input for the file connectors (CSV, LDIF) and for `connectors.d/`: after a baseline of users is
/// applied, the source is replaced by a bad one. Every run must end with exit 1 and an error that names the
/// file and the line/record/field, and must deactivate nobody.
@Suite("Bad input: clear errors, no deactivation", .serialized,
       .enabled(if: FileManager.default.isExecutableFile(atPath: TestSupport.xaasExecutable.path),
                "the xaas executable is not built (run swift build first)"))
struct BadInputTests {
    final class Fixture: EmulatorSyncFixture, @unchecked Sendable {
        static let token = "bad-input-token"
        static let sourceId = "0oabad00000000000001"

        init(connector: String, settings: String, mapping: String) throws {
            try super.init(orgs: [EmulatorSyncFixture.org(token: Self.token, identitySources: [Self.sourceId], cooldownSeconds: 0)],
                           directoryPrefix: "bad-input")
            try writeOrg(token: Self.token, cooldownSeconds: 0)
            try write("acme/hr.json", """
                {"identitySourceId": "\(Self.sourceId)", "connector": "\(connector)", "settings": \(settings),
                 "mapping": \(mapping), "safeguards": {"maxDeactivationPercent": null}}
                """)
        }

        func writeBytes(_ name: String, _ bytes: [UInt8]) throws {
            try Data(bytes).write(to: configDir.appendingPathComponent("acme/\(name)"))
        }

        /// Syncs; returns the status and every error text (stderr and the `--json` report).
        func failingSync() throws -> (status: Int32, text: String) {
            let r = try syncAll()
            return (r.status, r.stderr + "\n" + r.runs.map(\.serialized).joined(separator: "\n"))
        }

        func deprovisioned() throws -> [String] {
            try users().filter { $0.value.status == "DEPROVISIONED" }.map(\.key).sorted()
        }
    }

    // MARK: CSV

    static let csvMapping = #"{"userName": "${email}", "email": "${email}", "firstName": "${first}", "lastName": "${last}"}"#

    static func csvFixture(rows: Int = 50) throws -> Fixture {
        let f = try Fixture(connector: "csv", settings: #"{"path": "users.csv", "externalId": "id"}"#, mapping: csvMapping)
        try f.writeBytes("users.csv", Array(csv(rows).utf8))
        let baseline = try f.sync()
        #expect(baseline.status == 0, "baseline: \(baseline.stderr)")
        return f
    }

    static func csv(_ rows: Int, header: String = "id,first,last,email") -> String {
        header + "\n" + (1...rows).map { "emp-\($0),Ann\($0),Lee\($0),user\($0)@example.com" }.joined(separator: "\n") + "\n"
    }

    /// Replaces users.csv with `bytes`, syncs, and checks exit 1, the error names, and no deactivation.
    func expectCSVError(_ bytes: [UInt8], naming words: [String], rows: Int = 50) throws {
        let f = try Self.csvFixture(rows: rows)
        try f.writeBytes("users.csv", bytes)
        let (status, text) = try f.failingSync()
        #expect(status == 1, "exit \(status): \(text.suffix(1500))")
        for word in ["users.csv"] + words { #expect(text.contains(word), "the error should name \(word): \(text.suffix(1500))") }
        #expect(try f.deprovisioned().isEmpty, "deactivated after bad input")
    }

    @Test func csvTruncatedInsideAQuotedField() throws {
        var text = Self.csv(50)
        text += "emp-51,\"Ann"
        try expectCSVError(Array(text.utf8), naming: ["line 52"])
    }

    @Test func csvTruncatedMidReadAfterManyPages() throws {
        var text = Self.csv(3000)
        text += "emp-3001,\"unterminated"
        try expectCSVError(Array(text.utf8), naming: ["line 3002"], rows: 3000)
    }

    @Test func csvInvalidUTF8InAField() throws {
        var bytes = Array(Self.csv(50).utf8)
        let at = bytes.firstIndex(of: UInt8(ascii: "A"))!  // first data row's first name
        bytes.insert(contentsOf: [0xC3, 0x28, 0xFF], at: at)
        try expectCSVError(bytes, naming: ["line 2"])
    }

    @Test func csvWrongDelimiter() throws {
        let text = Self.csv(50).replacingOccurrences(of: ",", with: ";")
        try expectCSVError(Array(text.utf8), naming: ["id"])
    }

    @Test func csvHundredMegabyteLine() throws {
        var bytes = Array(Self.csv(50).utf8)
        bytes += Array("emp-51,".utf8) + [UInt8](repeating: UInt8(ascii: "x"), count: 100 << 20) + Array(",L,x@example.com\n".utf8)
        try expectCSVError(bytes, naming: ["line 52"])
    }

    @Test func csvDuplicateExternalIds() throws {
        let f = try Self.csvFixture()
        let text = Self.csv(50) + "emp-7,Other,Person,other@example.com\n"
        try f.writeBytes("users.csv", Array(text.utf8))
        let r = try f.sync()
        let text2 = r.stderr + (r.run?.serialized ?? "")
        #expect(text2.contains("emp-7") && text2.contains("duplicate"), "\(text2.suffix(1500))")
        #expect(try f.deprovisioned().isEmpty)
        #expect(try f.users()["emp-7"]?.profile["email"] == "user7@example.com", "the first occurrence wins")
    }

    @Test func csvMissingExternalIdColumn() throws {
        try expectCSVError(Array(Self.csv(50, header: "key,first,last,email").utf8), naming: ["id"])
    }

    @Test func csvZeroRecordsIsBlockedNotApplied() throws {
        let f = try Self.csvFixture()
        try f.writeBytes("users.csv", Array("id,first,last,email\n".utf8))
        let (status, text) = try f.failingSync()
        #expect(status != 0, "a source that suddenly yields nothing must not be applied: \(text.suffix(800))")
        #expect(try f.deprovisioned().isEmpty)
    }

    @Test func csvMissingFile() throws {
        let f = try Self.csvFixture()
        try FileManager.default.removeItem(at: f.configDir.appendingPathComponent("acme/users.csv"))
        let (status, text) = try f.failingSync()
        #expect(status == 1 && text.contains("users.csv"), "exit \(status): \(text.suffix(800))")
        #expect(try f.deprovisioned().isEmpty)
    }

    @Test
    func csvMissingRequiredMappingAttribute() throws {
        let f = try Fixture(connector: "csv", settings: #"{"path": "users.csv", "externalId": "id"}"#,
                            mapping: #"{"userName": "${mail}", "email": "${mail}", "firstName": "${first}", "lastName": "${last}"}"#)
        try f.writeBytes("users.csv", Array(Self.csv(20).utf8))
        let r = try f.sync()
        let text = r.stderr + (r.run?.serialized ?? "")
        #expect(text.contains("${mail}") || text.contains("\"mail\"") || text.contains(#"\"mail\""#), "the problem names the attribute: \(text.suffix(1500))")
        #expect(r.status != 0 && r.run?["status"]?.stringValue != "ok", "every record invalid is not ok")
        #expect(try f.users().isEmpty, "nobody is created without userName/email")
    }

    @Test func csvFileChangingDuringTheRead() throws {
        // The file is replaced (a new inode, as an export job writes it) while a slow emulator holds the run;
        // whatever the run saw, it must not deactivate users present in both versions.
        let f = try Self.csvFixture(rows: 2000)
        let replacer = Thread {
            usleep(150_000)
            try? Self.csv(2000).replacingOccurrences(of: "Ann", with: "Bea")
                .write(to: f.configDir.appendingPathComponent("acme/users.csv"), atomically: true, encoding: .utf8)
        }
        try f.writeBytes("users.csv", Array(Self.csv(2000).replacingOccurrences(of: "Lee", with: "Kim").utf8))
        replacer.start()
        let r = try f.sync()
        #expect([0, 1].contains(r.status), "\(r.stderr.suffix(800))")
        #expect(try f.deprovisioned().isEmpty)
    }

    // MARK: LDIF

    static func ldif(_ count: Int) -> String {
        (1...count).map { i in
            "dn: uid=u\(i),ou=people,dc=example,dc=com\nobjectClass: inetOrgPerson\nuid: u\(i)\ncn: U \(i)\nsn: L\(i)\ngivenName: G\(i)\nmail: u\(i)@example.com\n"
        }.joined(separator: "\n")
    }

    static func ldifFixture() throws -> Fixture {
        let f = try Fixture(connector: "ldif", settings: #"{"path": "people.ldif", "externalId": "uid"}"#,
                            mapping: #"{"userName": "${mail}", "email": "${mail}", "firstName": "${givenName}", "lastName": "${sn}"}"#)
        try f.writeBytes("people.ldif", Array(ldif(40).utf8))
        let baseline = try f.sync()
        #expect(baseline.status == 0, "baseline: \(baseline.stderr)")
        return f
    }

    @Test(
          arguments: [
        ("bad base64", "dn: uid=x,dc=example,dc=com\nobjectClass: inetOrgPerson\nuid:: !!!notbase64\n", "line"),
        ("a TAB continuation", "dn: uid=x,dc=example,dc=com\nobjectClass: inetOrgPerson\n\tuid: x\n", "line"),
        ("a bad version", "version: 7\n", "version"),
    ])
    func ldifParseErrorOnTheFirstPage(name: String, text: String, word: String) throws {
        let f = try Self.ldifFixture()
        try f.writeBytes("people.ldif", Array((text + "\n" + Self.ldif(40)).utf8))
        let (status, out) = try f.failingSync()
        #expect(status == 1 && out.contains("people.ldif") && out.contains(word), "\(name): exit \(status): \(out.suffix(800))")
        #expect(try f.deprovisioned().isEmpty)
    }

    @Test func ldifParseErrorAfterValidRecords() throws {
        let f = try Self.ldifFixture()
        try f.writeBytes("people.ldif", Array((Self.ldif(40) + "\ndn: uid=z,dc=example,dc=com\nobjectClass: inetOrgPerson\nuid:: @@@\n").utf8))
        let (status, out) = try f.failingSync()
        #expect(status == 1 && out.contains("people.ldif") && out.contains("line"), "exit \(status): \(out.suffix(800))")
        #expect(try f.deprovisioned().isEmpty)
    }

    /// docs/connectors.md: LDIF values that are not valid UTF-8 are handed over as base64 text, so the run
    /// succeeds and the user's `sn` becomes base64. Recorded as a known issue for the lead to decide.
    @Test func ldifInvalidUTF8Value() throws {
        try withKnownIssue("LDIF hands non-UTF-8 values over as base64 text (documented) instead of an error") {
            try ldifInvalidUTF8ValueIsAnError()
        }
    }

    func ldifInvalidUTF8ValueIsAnError() throws {
        let f = try Self.ldifFixture()
        var bytes = Array(Self.ldif(40).utf8)
        bytes += Array("\ndn: uid=bad,dc=example,dc=com\nobjectClass: inetOrgPerson\nuid: bad\nsn: ".utf8) + [0xFF, 0xFE] + [10]
        try f.writeBytes("people.ldif", bytes)
        let (status, out) = try f.failingSync()
        #expect(status == 1 && out.contains("people.ldif"), "exit \(status): \(out.suffix(800))")
        #expect(try f.deprovisioned().isEmpty)
    }

    // MARK: connectors.d

    @Test func deeplyNestedJSONInASourceFileIsAConfigError() throws {
        let f = try Self.csvFixture()
        try f.write("acme/hr.json", String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000))
        let (status, text) = try f.failingSync()
        #expect(status == 1 && text.contains("hr.json"), "exit \(status): \(text.suffix(800))")
        #expect(try f.deprovisioned().isEmpty)
    }

    @Test func truncatedSourceFileIsAConfigError() throws {
        let f = try Self.csvFixture()
        try f.write("acme/hr.json", #"{"identitySourceId": "0oabad00000000000001", "connector": "csv", "settings": {"path": "us"#)
        let (status, text) = try f.failingSync()
        #expect(status == 1 && text.contains("hr.json"), "exit \(status): \(text.suffix(800))")
        #expect(try f.deprovisioned().isEmpty)
    }

    @Test func invalidUTF8InASourceFileIsAConfigError() throws {
        let f = try Self.csvFixture()
        try f.writeBytes("hr.json", Array(#"{"identitySourceId": "0oabad00000000000001", "connector": "c"#.utf8) + [0xFF] + Array(#"sv"}"#.utf8))
        let (status, text) = try f.failingSync()
        #expect(status == 1 && text.contains("hr.json"), "exit \(status): \(text.suffix(800))")
        #expect(try f.deprovisioned().isEmpty)
    }
}
