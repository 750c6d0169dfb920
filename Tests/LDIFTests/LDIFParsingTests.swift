import Foundation
import PluginAPI
import Testing

/// RFC 2849 edge cases (source-formats.md §2.2), each read through the real plugin with every entry
/// taken as a user (`userFilter: ["*"]`) keyed by its normalised DN.
@Suite struct LDIFParsingTests {
    static let all = #""userFilter": ["*"], "externalId": "dn", "groups": false"#

    func only(_ text: String, _ extra: String = "") throws -> LDIFPlugin.Rec {
        let result = try readAll(text, extra)
        try #require(result.records.count == 1, "records: \(result.records)")
        return result.records[0]
    }

    func readAll(_ text: String, _ extra: String = "") throws -> LDIFPlugin.Result {
        try LDIFFixtures.read(text, extra.isEmpty ? Self.all : Self.all + ", " + extra)
    }

    func failure(_ text: String, _ extra: String = "") -> LDIFPlugin.Failure? {
        do { _ = try readAll(text, extra); return nil } catch { return error as? LDIFPlugin.Failure }
    }

    @Test func unfoldsExactlyOneSpaceAndKeepsTrailingSpaces() throws {
        let r = try only("dn: cn=x,dc=t\ndescription: very \n long\n  folded \n value\ncn: x  \nsn:  \r\n")
        #expect(r.values("description") == ["very long folded value"])
        #expect(r.values("cn") == ["x  "])
        #expect(r.values("sn") == [""])  // FILL spaces after the colon are not part of the value
    }

    @Test func foldsInsideBase64AndInsideAMultibyteCharacter() throws {
        // "Strøm" = 53 74 72 C3 B8 6D; the fold splits C3|B8 in the plain value and a base64 quantum.
        var bytes = Array("dn: cn=x,dc=t\nsn: Str".utf8) + [0xC3, 0x0A, 0x20, 0xB8] + Array("m\n".utf8)
        bytes += Array("givenName:: U3Ryw7\n ZkZXI=\n".utf8)
        let path = try LDIFFixtures.write(Data(bytes))
        let r = try LDIFPlugin.read(LDIFFixtures.settings(path, Self.all)).records[0]
        #expect(r.values("sn") == ["Strøm"])
        #expect(r.values("givenName") == ["Ströder"])
    }

    @Test func base64ValuesWithLeadingSpaceColonLessThanAndTrailingSpace() throws {
        func b64(_ s: String) -> String { Data(s.utf8).base64EncodedString() }
        let r = try only("dn:: \(b64("cn=Jürgen,dc=t"))\na:: \(b64(" lead"))\nb:: \(b64(":colon"))\nc::\(b64("<lt"))\nd:: \(b64("trail "))\n")
        #expect(r.values("a") == [" lead"])
        #expect(r.values("b") == [":colon"])
        #expect(r.values("c") == ["<lt"])
        #expect(r.values("d") == ["trail "])
        #expect(r.values("dn") == ["cn=Jürgen,dc=t"])
        #expect(r.externalId == "cn=jürgen,dc=t")
    }

    @Test func noSpaceAndSeveralSpacesAfterTheColon() throws {
        let r = try only("dn:cn=x,dc=t\nmail:    a@b\nsn:x\n")
        #expect(r.values("mail") == ["a@b"])
        #expect(r.values("sn") == ["x"])
    }

    @Test func versionLinePresentFoldedOrAfterComments() throws {
        for text in ["version: 1\n\ndn: cn=x,dc=t\ncn: x\n", "version: 1\ndn: cn=x,dc=t\ncn: x\n",
                     "# c\n\nversion:\n  1\n\n\ndn: cn=x,dc=t\ncn: x\n", "dn: cn=x,dc=t\ncn: x"] {
            let r = try only(text)
            #expect(r.values("cn") == ["x"], "\(text)")
        }
        #expect(failure("version: 2\n\ndn: cn=x\n")?.status == XAAS_SOURCE_DATA)
    }

    @Test func blankLinesCommentsAndCRLF() throws {
        let text = "\r\n\r\n# head\r\n#  folded\r\n comment\r\ndn: cn=a,dc=t\r\n# inside\r\ncn: a\r\n\r\n\r\n\r\ndn: cn=b,dc=t\r\ncn: b"
        let result = try readAll(text)
        #expect(result.records.map { $0.values("cn") } == [["a"], ["b"]])
    }

    @Test func multiValuedCaseMergingAndOptions() throws {
        let r = try only("dn: cn=x,dc=t\nUID: t1\nmail: m\nuid: t2\nCN;Lang-EN-us: a\ncn;lang-en-US: b\no;lang-zz;lang-y: c\n")
        #expect(r.values("UID") == ["t1", "t2"])
        #expect(r.values("CN;lang-en-us") == ["a", "b"])
        #expect(r.values("o;lang-y;lang-zz") == ["c"])
        #expect(r.attributes.map(\.name) == ["dn", "UID", "UID", "mail", "CN;lang-en-us", "CN;lang-en-us", "o;lang-y;lang-zz"])
    }

    @Test func zeroLengthValues() throws {
        let r = try only("dn: cn=x,dc=t\ndescription:\ndescription: foo\nseeAlso::\n")
        #expect(r.values("description") == ["", "foo"])
        #expect(r.values("seeAlso") == [""])
    }

    @Test func urlValuesAreRefusedByDefaultAndAllowedOnlyBelowTheDirectory() throws {
        let dir = try LDIFFixtures.write("photo-bytes", name: "photo.txt")
        let folder = (dir as NSString).deletingLastPathComponent
        let text = "dn: cn=x,dc=t\ndescription:< file://\(dir)\n"
        let refused = try #require(failure(text))
        #expect(refused.status == XAAS_SOURCE_DATA)
        #expect(refused.message.contains("line 2") && refused.message.contains("urlDirectory"))
        let r = try only(text, "\"urlDirectory\": \"\(folder)\"")
        #expect(r.values("description") == ["photo-bytes"])
        let outside = failure("dn: cn=x,dc=t\ndescription:< file:///etc/passwd\n", "\"urlDirectory\": \"\(folder)\"")
        #expect(outside?.message.contains("outside") == true)
        let escape = failure("dn: cn=x,dc=t\ndescription:< file://\(folder)/../../etc/passwd\n", "\"urlDirectory\": \"\(folder)\"")
        #expect(escape?.status == XAAS_SOURCE_DATA)
    }

    @Test func ldapsearchHeaderCommentsAndTrailerAreSkipped() throws {
        let text = """
        # extended LDIF
        #
        # LDAPv3
        # base <dc=t> with scope subtree
        #

        # x, t
        dn: cn=x,dc=t
        cn: x

        # search result
        search: 2
        result: 0 Success

        # numResponses: 2
        # numEntries: 1

        """
        #expect(try readAll(text).records.count == 1)
    }

    @Test func aTabContinuationIsRejectedWithItsLine() throws {
        let f = try #require(failure("dn: cn=x,dc=t\ncn: a\n\tb\n"))
        #expect(f.status == XAAS_SOURCE_DATA)
        #expect(f.message.contains("line 3") && f.message.contains("TAB"))
    }

    @Test func errorsNameTheFileLineAndDN() throws {
        let bad64 = try #require(failure("dn: cn=x,dc=t\ncn: x\n\ndn: cn=y,dc=t\nsn: y\nphoto:: !!!\n"))
        #expect(bad64.status == XAAS_SOURCE_DATA)
        #expect(bad64.message.contains("input.ldif line 6") && bad64.message.contains("cn=y,dc=t") && bad64.message.contains("photo"))
        let noColon = try #require(failure("dn: cn=x,dc=t\nthis line has no colon\n"))
        #expect(noColon.message.contains("line 2") && noColon.message.contains("cn=x,dc=t"))
        let noDN = try #require(failure("cn: x\nsn: y\n"))
        #expect(noDN.message.contains("line 1") && noDN.message.contains("dn:"))
        let badDN = try #require(failure("dn: cn=x,,dc=t\ncn: x\n"))
        #expect(badDN.message.contains("line 1") && badDN.message.contains("invalid DN"))
    }

    @Test func valuesNeverAppearInErrors() throws {
        let f = try #require(failure("dn: cn=x,dc=t\nuserPassword:: c2VjcmV0LXZhbHVl!\n"))
        #expect(!f.message.contains("c2VjcmV0LXZhbHVl"))
    }

    @Test func binaryValuesBecomeBase64() throws {
        let jpeg: [UInt8] = [0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10]
        let b64 = Data(jpeg).base64EncodedString()
        let r = try only("dn: cn=x,dc=t\njpegPhoto:: \(b64)\nuserCertificate;binary:: QUJD\nraw:: //79\nnote:: QUJD\n")
        #expect(r.values("jpegPhoto") == [b64])
        #expect(r.values("userCertificate;binary") == ["QUJD"])
        #expect(r.values("raw") == ["//79"])  // not UTF-8
        #expect(r.values("note") == ["ABC"])  // UTF-8 text stays text
    }

    @Test func unknownSettingsAreConfigErrors() throws {
        let path = try LDIFFixtures.write("dn: cn=x\n")
        for extra in [#""pathh": "x""#, #""groups": {"objectClass": ["x"]}"#, #""status": {"lockAttribute": "a", "x": 1}"#] {
            #expect(throws: LDIFPlugin.Failure.self) { try LDIFPlugin.read(LDIFFixtures.settings(path, extra)) }
            do { _ = try LDIFPlugin.read(LDIFFixtures.settings(path, extra)) } catch let f as LDIFPlugin.Failure {
                #expect(f.status == XAAS_CONFIG, "\(extra): \(f)")
            }
        }
        do { _ = try LDIFPlugin.read("{}") } catch let f as LDIFPlugin.Failure { #expect(f.status == XAAS_CONFIG) }
    }

    @Test func aMissingFileIsNotFound() throws {
        do {
            _ = try LDIFPlugin.read(LDIFFixtures.settings("/nonexistent/x.ldif"))
            Issue.record("read succeeded")
        } catch let f as LDIFPlugin.Failure {
            #expect(f.status == XAAS_NOT_FOUND)
        }
    }

    @Test func aCancelledHostStopsTheRead() throws {
        let path = try LDIFFixtures.write("dn: cn=x,dc=t\ncn: x\n")
        do {
            _ = try LDIFPlugin.read(LDIFFixtures.settings(path, Self.all), cancelled: true)
            Issue.record("read succeeded")
        } catch let f as LDIFPlugin.Failure {
            #expect(f.status == XAAS_CANCELLED)
        }
    }
}
