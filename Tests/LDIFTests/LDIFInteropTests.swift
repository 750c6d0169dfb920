import Foundation
import Testing
import TestSupport

/// Differential test against real peers: Debian's OpenLDAP writes the LDIF (slapadd a generated
/// directory with hard values, then slapcat at three wrap widths and ldapsearch in five modes), and
/// python-ldap's parser reads the same files. The connector's records must match python-ldap's
/// exactly, and its memberships must match what the generator put in the groups.
/// Scripts: Tests/LDIFTests/interop/{run.sh, generate.py, oracle.py}.
@Suite(.enabled(if: Interop.slapd, "slapd/ldap-utils not installed (apt-get install -y slapd ldap-utils)"),
       .enabled(if: Interop.python != nil, "python-ldap not installed (apt-get install -y python3-ldap)"))
struct LDIFInteropTests {
    static let dumps = ["input.ldif", "slapcat.ldif", "slapcat40.ldif", "slapcat_nowrap.ldif", "ldapsearch.ldif",
                        "ldapsearch_L.ldif", "ldapsearch_LLL.ldif", "ldapsearch_paged.ldif", "ldapsearch_ops.ldif"]

    /// Binary types the connector hands over as base64 (docs/connectors.md).
    static let binaryTypes: Set<String> = ["jpegphoto"]

    /// One entry in the oracle's shape.
    struct Entry: Equatable, CustomStringConvertible {
        var dn: String
        var attributes: [[String]]  // [key, b64, b64, …]
        var description: String { "\(dn) \(attributes)" }
    }

    static func canonical(_ record: LDIFPlugin.Rec) -> Entry {
        var keys: [String] = []
        var values: [String: [String]] = [:]
        for a in record.attributes where a.name != "dn" {
            let key = a.name.lowercased()
            let type = String(key.prefix { $0 != ";" })
            let b64 = binaryTypes.contains(type) ? a.value : Data(a.value.utf8).base64EncodedString()
            if values[key] == nil { keys.append(key) }
            values[key, default: []].append(b64)
        }
        return Entry(dn: record.values("dn").first ?? "", attributes: keys.map { [$0] + values[$0]! })
    }

    static func oracle(_ file: URL) throws -> [Entry] {
        let script = TestSupport.packageRoot.appendingPathComponent("Tests/LDIFTests/interop/oracle.py")
        let r = try TestSupport.run(Interop.python!, [script.path, file.path])
        try #require(r.status == 0, "oracle.py \(file.lastPathComponent): \(r.stderr)")
        let json = try #require(JSONSerialization.jsonObject(with: r.stdoutData) as? [[String: Any]])
        return json.map { e in
            Entry(dn: e["dn"] as? String ?? "",
                  attributes: (e["attributes"] as? [[Any]] ?? []).map { pair in [pair[0] as! String] + (pair[1] as! [String]) })
        }
    }

    @Test func slapdOutputParsesExactlyLikePythonLDAP() throws {
        let dir = try TestSupport.makeTemporaryDirectory("xaas-ldif-interop")
        defer { try? FileManager.default.removeItem(at: dir) }
        let script = TestSupport.packageRoot.appendingPathComponent("Tests/LDIFTests/interop/run.sh")
        let run = try TestSupport.run(URL(fileURLWithPath: "/bin/sh"), [script.path, dir.path, "60"],
                                      environment: ["PYTHON": Interop.python!.path])
        try #require(run.status == 0, "run.sh failed: \(run.stderr)")

        let expectedGroups = try #require(JSONSerialization.jsonObject(
            with: Data(contentsOf: dir.appendingPathComponent("expected_groups.json"))) as? [String: [String]])
        for name in Self.dumps {
            let file = dir.appendingPathComponent(name)
            let want = try Self.oracle(file)
            #expect(want.count == 67, "\(name): python-ldap read \(want.count) entries")
            let all = try LDIFPlugin.read(LDIFFixtures.settings(file.path,
                #""userFilter": ["*"], "externalId": "dn", "groups": false, "operationalAttributes": true"#), pageSize: 16)
            let got = all.records.map(Self.canonical)
            #expect(got.count == want.count, "\(name)")
            for (g, w) in zip(got, want) where g != w {
                Issue.record("\(name): connector \(g.description.prefix(600))\n   python-ldap \(w.description.prefix(600))")
                break
            }

            // The same file as users/groups/memberships: members resolve to the generator's groups.
            let mapped = try LDIFPlugin.read(LDIFFixtures.settings(file.path, #""externalId": "uid", "groups": {"externalId": "cn"}"#))
            #expect(mapped.users.count == 60, "\(name)")
            var members: [String: [String]] = [:]
            for m in mapped.memberships { members[m.externalId] = m.values("member").sorted() }
            #expect(members == expectedGroups, "\(name)")
            #expect(mapped.notes.isEmpty, "\(name): \(mapped.notes)")
        }
    }
}

/// Which real peers this machine has.
enum Interop {
    static let slapd = ["/usr/sbin/slapadd", "/usr/sbin/slapcat", "/usr/sbin/slapd", "/usr/bin/ldapsearch"]
        .allSatisfy { FileManager.default.isExecutableFile(atPath: $0) }

    /// A python3 that can `import ldap, ldif` (Debian's python3-ldap lives under /usr/bin/python3,
    /// which may not be the python3 first on PATH).
    static let python: URL? = {
        var candidates = ["/usr/bin/python3", "/usr/local/bin/python3"]
        for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":") { candidates.append("\(dir)/python3") }
        for path in candidates where FileManager.default.isExecutableFile(atPath: path) {
            let url = URL(fileURLWithPath: path)
            if let r = try? TestSupport.run(url, ["-c", "import ldap, ldif"]), r.status == 0 { return url }
        }
        return nil
    }()
}
