import Foundation
import Testing
import TestSupport
import XaasJSON

/// The connector's SigV4 signer against the public AWS SigV4 test suite (botocore
/// `tests/unit/auth/aws4_testsuite`, the same cases as awslabs/aws-c-auth `tests/aws-signing-test-suite/v4`,
/// Apache-2.0): credentials `AKIDEXAMPLE`, region `us-east-1`, service `service`, 2015-08-30T12:36:00Z.
/// The signer is reached through the plugin's test-only export, so the `.so` under test is what is checked.
@Suite struct SigV4VectorTests {
    struct Vector: Sendable, CustomStringConvertible {
        var name: String
        var method = "GET"
        var path = "/"
        var query = ""
        var headers: [[String]] = []
        var body = ""
        var token: String?
        var signedHeaders: String
        var signature: String
        var stringToSignHash: String?
        var description: String { name }
    }

    static let secret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
    static let vectors: [Vector] = [
        Vector(name: "get-vanilla", signedHeaders: "host;x-amz-date",
               signature: "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31",
               stringToSignHash: "bb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63"),
        Vector(name: "post-vanilla", method: "POST", signedHeaders: "host;x-amz-date",
               signature: "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b",
               stringToSignHash: "553f88c9e4d10fc9e109e2aeb65f030801b70c2f6468faca261d401ae622fc87"),
        Vector(name: "post-x-www-form-urlencoded", method: "POST",
               headers: [["Content-Type", "application/x-www-form-urlencoded"]], body: "Param1=value1",
               signedHeaders: "content-type;host;x-amz-date",
               signature: "ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a",
               stringToSignHash: "42a5e5bb34198acb3e84da4f085bb7927f2bc277ca766e6d19c73c2154021281"),
        Vector(name: "get-vanilla-query-order-key-case", query: "Param2=value2&Param1=value1",
               signedHeaders: "host;x-amz-date",
               signature: "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500"),
        Vector(name: "get-header-value-trim", headers: [["My-Header1", " value1"], ["My-Header2", " \"a   b   c\""]],
               signedHeaders: "host;my-header1;my-header2;x-amz-date",
               signature: "acc3ed3afb60bb290fc8d2dd0098b9911fcaa05412b367055dee359757a9c736"),
        Vector(name: "get-vanilla-with-session-token",
               token: "6e86291e8372ff2a2260956d9b8aae1d763fbf315fa00fa31553b73ebf194267",
               signedHeaders: "host;x-amz-date;x-amz-security-token",
               signature: "07ec1639c89043aa0e3e2de82b96708f198cceab042d4a97044c66dd9f74e7f8"),
        Vector(name: "get-utf8", path: "/ሴ", signedHeaders: "host;x-amz-date",
               signature: "8318018e0b0f223aa2bbf98705b62bb787dc9c0e678f255a891fd03141be5d85"),
    ]

    static func sign(_ v: Vector, secret: String = secret) throws -> JSONValue {
        var request: [(key: String, value: JSONValue)] = [
            ("method", .string(v.method)), ("path", .string(v.path)), ("query", .string(v.query)),
            ("headers", .array(([["Host", "example.amazonaws.com"]] + v.headers).map { .array($0.map { .string($0) }) })),
            ("body", .string(v.body)), ("accessKeyId", .string("AKIDEXAMPLE")), ("secretAccessKey", .string(secret)),
            ("region", .string("us-east-1")), ("service", .string("service")), ("date", .number("1440938160")),
        ]
        if let token = v.token { request.append(("sessionToken", .string(token))) }
        return try JSONValue.parse(try ConnectorHarness.signForTest(JSONValue.object(request).serialized))
    }

    @Test(arguments: vectors) func matchesTheSuite(_ v: Vector) throws {
        let out = try Self.sign(v)
        #expect(out["authorization"]?.stringValue == "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
            + "SignedHeaders=\(v.signedHeaders), Signature=\(v.signature)")
        if let hash = v.stringToSignHash {
            #expect(out["stringToSign"]?.stringValue
                == "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\n\(hash)")
        }
    }

    @Test func canonicalRequestOfGetVanilla() throws {
        let out = try Self.sign(Self.vectors[0])
        #expect(out["canonicalRequest"]?.stringValue == "GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\n"
            + "host;x-amz-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    }

    @Test func canonicalRequestEncodesUTF8PathAndSortsQuery() throws {
        #expect(try Self.sign(Self.vectors[6])["canonicalRequest"]?.stringValue?.hasPrefix("GET\n/%E1%88%B4\n\n") == true)
        #expect(try Self.sign(Self.vectors[3])["canonicalRequest"]?.stringValue?.hasPrefix("GET\n/\nParam1=value1&Param2=value2\n") == true)
    }

    @Test func sessionTokenIsSentAndAnotherSecretChangesTheSignature() throws {
        let v = Self.vectors[5]
        let out = try Self.sign(v)
        let headers = out["headers"]?.arrayValue?.compactMap { $0.arrayValue?.compactMap(\.stringValue) } ?? []
        #expect(headers.contains(["X-Amz-Security-Token", v.token!]))
        #expect(headers.contains(["X-Amz-Date", "20150830T123600Z"]))
        let other = try Self.sign(v, secret: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEz")
        #expect(other["authorization"] != out["authorization"])
        #expect(other["authorization"]?.stringValue?.contains("EXAMPLEKEY") == false, "the secret never appears")
    }
}
