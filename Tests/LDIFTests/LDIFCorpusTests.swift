import Foundation
import PluginAPI
import Testing

/// The shared LDIF corpora (shared/corpora/ldif): python-ldap's t_ldif.py cases, OpenLDAP's
/// tests/data files and perl-ldap's DN canonicalisation table, all read through the real plugin.
@Suite(.enabled(if: LDIFFixtures.corpora != nil, "shared/corpora not found (set XAAS_SHARED_DIR)"))
struct LDIFCorpusTests {
    static var ldif: URL { LDIFFixtures.corpora!.appendingPathComponent("ldif") }

    /// A python-ldap byte value as the connector hands it over (UTF-8 text, else base64).
    static func text(_ v: PythonLiteral) -> String {
        guard case .bytes(let b) = v else { return v.string ?? "" }
        return String(validating: b, as: UTF8.self) ?? Data(b).base64EncodedString()
    }

    @Test func pythonLDAPCases() throws {
        let data = try Data(contentsOf: Self.ldif.appendingPathComponent("python_ldap_cases.json"))
        let cases = try #require(JSONSerialization.jsonObject(with: data) as? [[String: Any]])
        #expect(cases.count == 24)
        var negatives = 0
        for c in cases {
            let name = c["test"] as? String ?? "?"
            let text = try #require(c["ldif"] as? String)
            let change = c["record_type"] as? String == "change"
            var extra = #""userFilter": ["*"], "externalId": "dn", "groups": false"#
            if change { extra += #", "changeRecords": true"# }
            if let ignored = c["ignored_attr_types"] as? [String] {
                extra += ", \"excludeAttributes\": [" + ignored.map { "\"\($0)\"" }.joined(separator: ",") + "]"
            }
            if c["expect_error"] as? Bool == true {
                negatives += 1
                do {
                    let r = try LDIFFixtures.read(text, extra)
                    Issue.record("\(name): expected an error, read \(r.records)")
                } catch let f as LDIFPlugin.Failure {
                    #expect(f.status == XAAS_SOURCE_DATA, "\(name)")
                    #expect(f.message.contains("line "), "\(name): \(f.message)")
                }
                continue
            }
            let result = try LDIFFixtures.read(text, extra)
            let expected = try PythonLiteral.parse(try #require(c["expected_python_repr"] as? String)).items
            let limit = (c["max_entries"] as? Int).flatMap { $0 > 0 ? $0 : nil } ?? expected.count
            let got = Array(result.records.prefix(limit))
            #expect(got.count == expected.count, "\(name): \(got)")
            for (record, want) in zip(got, expected) {
                let parts = want.items
                #expect(record.values("dn") == [parts[0].string ?? ""], "\(name)")
                var wanted: [String: [String]] = [:]
                if change {
                    for op in parts[1].items {
                        let o = op.items
                        guard o[0].string != "delete" else { continue }
                        wanted[o[1].string!, default: []] += o[2].items.map(Self.text)
                    }
                } else if case .dict(let attributes) = parts[1] {
                    for (k, v) in attributes { wanted[k.string!] = v.items.map(Self.text) }
                }
                var have: [String: [String]] = [:]
                for a in record.attributes where a.name != "dn" { have[a.name, default: []].append(a.value) }
                #expect(have == wanted, "\(name)")
            }
        }
        #expect(negatives == 1)
    }

    @Test(arguments: [
        ("test.ldif", 19), ("test-ordered.ldif", 19), ("test-dn.ldif", 35), ("dn.out", 17), ("test-lang.ldif", 1),
        ("lang-out.ldif", 4), ("test-ldapgluepeople.ldif", 4), ("test-ldapgluegroups.ldif", 4), ("passwd.ldif", 6),
        ("nis_sample.ldif", 1265),
    ])
    func openLDAPFilesParse(file: String, entries: Int) throws {
        let path = Self.ldif.appendingPathComponent("openldap-tests/\(file)").path
        let result = try LDIFPlugin.read(LDIFFixtures.settings(path, #""userFilter": ["*"], "externalId": "dn", "groups": false"#))
        #expect(result.records.count == entries)
        // Distinct entries by a plain textual comparison (these files' DNs need no unescaping; some
        // files repeat entries): normalisation must neither merge nor split them.
        let dnLines = try String(contentsOfFile: path, encoding: .utf8).components(separatedBy: "\n").filter { $0.hasPrefix("dn: ") }
        let textual = Set(dnLines.map { $0.dropFirst(4).lowercased().replacingOccurrences(of: ", ", with: ",") })
        #expect(Set(result.records.map(\.externalId)).count == textual.count)
    }

    @Test func openLDAPTestLDIFValues() throws {
        let path = Self.ldif.appendingPathComponent("openldap-tests/test.ldif").path
        let result = try LDIFPlugin.read(LDIFFixtures.settings(path, #""userFilter": ["*"], "externalId": "dn", "groups": false"#))
        // The fixture's base64 value with a leading and trailing space: " Jensen ".
        let all = result.records.flatMap { $0.attributes.map(\.value) }
        #expect(all.contains(" Jensen "))
        let lang = try LDIFPlugin.read(LDIFFixtures.settings(Self.ldif.appendingPathComponent("openldap-tests/test-lang.ldif").path,
                                                              #""userFilter": ["*"], "externalId": "dn", "groups": false"#)).records[0]
        #expect(lang.values("o;lang-x;lang-xx;lang-y;lang-yy;lang-z;lang-zz") == ["Example, Inc."])
        #expect(lang.values("SN;lang-en-gb;lang-en-us") == ["Billy Ray"])
        #expect(lang.values("name;lang-en-us") == ["Billy Ray", "Billy Bob"])
    }

    @Test func openLDAPTestDNMemberForms() throws {
        let path = Self.ldif.appendingPathComponent("openldap-tests/test-dn.ldif").path
        let result = try LDIFPlugin.read(LDIFFixtures.settings(path, #""userFilter": ["*"], "externalId": "dn", "groups": {"externalId": "dn"}"#))
        let invalid = { (cn: String) in result.notes.filter { $0.contains("(dn: cn=\(cn),") && $0.contains("not a valid DN") } }
        // Every "Must Fail" group with a member value gets an invalid-DN note; "Must Succeed" none.
        let text = try String(contentsOfFile: path, encoding: .utf8)
        for block in text.components(separatedBy: "\n\n") where block.contains("cn: Must Fail") && block.contains("\nmember:") {
            let cn = block.components(separatedBy: "\n").first { $0.hasPrefix("cn: ") }!.dropFirst(4)
            #expect(!invalid(String(cn)).isEmpty, "\(cn)")
        }
        #expect(invalid("Must Succeed").isEmpty, "\(invalid("Must Succeed"))")
        #expect(invalid("Name and Optional UID").isEmpty, "\(invalid("Name and Optional UID"))")
        #expect(!invalid("Should Fail 1").isEmpty)
    }

    /// perl-ldap t/01canon_dn.t: each `ref` DN is a user; each `same`/`diff`/`bad` line is the only
    /// member of its own group. `same` must resolve to the ref's user, `diff` must not, `bad` must be
    /// reported as an invalid DN.
    @Test func perlCanonicalDNTable() throws {
        let table = try String(contentsOf: Self.ldif.appendingPathComponent("perl_canon_dn.txt"), encoding: .utf8)
        var ldif = "dn: ou=t\nobjectClass: organizationalUnit\nou: t\n\n"
        var expectations: [(group: String, relation: String, ref: String?, dn: String)] = []
        var ref: String? = nil
        var refCount = 0
        func b64(_ s: String) -> String { Data(s.utf8).base64EncodedString() }
        for line in table.components(separatedBy: "\n") {
            if line.isEmpty { ref = nil; continue }
            if line.hasPrefix("#") || line.hasPrefix("__DATA__") { continue }
            let relation = String(line.prefix { $0.isLetter })
            let dn = String(line.dropFirst(relation.count).drop { $0 == " " || $0 == "\t" })
            if relation == "ref" {
                guard !dn.isEmpty else { continue }  // the empty DN names no entry
                refCount += 1
                ref = "ref\(refCount)"
                ldif += "dn:: \(b64(dn))\nobjectClass: person\nuid: \(ref!)\n\n"
            }
            let group = "g\(expectations.count)"
            ldif += "dn: cn=\(group),ou=t\nobjectClass: groupOfNames\ncn: \(group)\nmember:: \(b64(dn))\n\n"
            expectations.append((group, relation, ref, dn))
        }
        let path = try LDIFFixtures.write(ldif)
        let result = try LDIFPlugin.read(LDIFFixtures.settings(path, #""userFilter": ["person"], "externalId": "uid", "groups": {"externalId": "cn"}"#))
        let members = Dictionary(uniqueKeysWithValues: result.memberships.map { ($0.externalId, $0.values("member")) })
        #expect(expectations.count > 60)
        for e in expectations {
            let got = members[e.group] ?? []
            let invalid = result.notes.contains { $0.contains("cn=\(e.group),ou=t") && $0.contains("not a valid DN") }
            switch e.relation {
            case "ref", "same": #expect(got == [e.ref!], "\(e.relation) \(e.dn)")
            case "diff": #expect(got != [e.ref!], "diff \(e.dn)")
            case "bad": #expect(got.isEmpty && invalid, "bad \(e.dn)")
            default: Issue.record("unknown relation \(e.relation)")
            }
        }
    }
}
