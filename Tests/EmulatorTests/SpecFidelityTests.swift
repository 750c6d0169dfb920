import Foundation
import HTTPServer
import Testing
import XaasCrypto
@testable import Emulator

/// Spec limits the emulator enforces (2026.08.3), 405 on a wrong method, and the token endpoint's
/// replay, scope and expiry answers driven directly.
@Suite("Emulator: spec limits, 405, token endpoint answers")
struct SpecFidelityTests {
    @Test("base user attribute lengths and email format are enforced at upload, naming the field")
    func userLimits() throws {
        let h = try EmulatorHarness()
        let s = h.createSession()
        let cases: [([String: Any], String)] = [
            (["email": "not-an-email"], "profiles[0].profile.email: Does not match required pattern: email."),
            (["firstName": String(repeating: "a", count: 51)], "profiles[0].profile.firstName: The field must be 1 to 50"),
            (["userName": String(repeating: "u", count: 101)], "profiles[0].profile.userName: The field must be 1 to 100"),
            (["email": "a@b@c.example"], "profiles[0].profile.email: Does not match"),
            (["email": "a@b"], "profiles[0].profile.email: The field must be 5 to 100"),
        ]
        for (override, cause) in cases {
            let r = h.upsert(s, [EmulatorHarness.user("u1", override)])
            #expect(r.status == 400 && r.errorCode == "E0000001", "\(r.text)")
            #expect(r.causes.first?.hasPrefix(cause) == true, "\(r.causes)")
        }
        #expect(h.upsert(s, [EmulatorHarness.user("u1")]).status == 202)
    }

    @Test("group displayName 1–255 and description ≤ 1024; membership externalIds ≤ 255")
    func groupLimits() throws {
        let h = try EmulatorHarness()
        let s = h.createSession()
        let path = h.api("/sessions/\(s)/bulk-groups-upsert")
        let long = h.send("POST", path, ["profiles": [["externalId": "g1", "profile": ["displayName": String(repeating: "d", count: 256)]]]])
        #expect(long.status == 400 && long.causes.first?.contains("displayName") == true, "\(long.text)")
        let description = h.send("POST", path, ["profiles": [["externalId": "g1",
                                                               "profile": ["displayName": "G", "description": String(repeating: "x", count: 1025)]]]])
        #expect(description.status == 400 && description.causes.first?.contains("description") == true, "\(description.text)")
        #expect(h.send("POST", path, ["profiles": [["externalId": "g1", "profile": ["displayName": "G"]]]]).status == 202)
        let members = h.send("POST", h.api("/sessions/\(s)/bulk-group-memberships-upsert"),
                             ["memberships": [["groupExternalId": "g1", "memberExternalIds": [String(repeating: "m", count: 256)]]]])
        #expect(members.status == 400 && members.causes.first?.contains("at most 255") == true, "\(members.text)")
    }

    @Test("a wrong method on a known path answers 405 with Allow; an unknown path stays 404")
    func methodNotAllowed() throws {
        let h = try EmulatorHarness()
        let r = h.send("PUT", h.api("/sessions"))
        #expect(r.status == 405 && r.errorCode == "E0000022")
        #expect(r.headers["Allow"] == "GET, POST")
        #expect(h.send("GET", h.api("/nothing-here")).status == 404)
        #expect(h.send("GET", "/oauth2/v1/token").status == 405)
    }

    /// A harness whose org has a service app; returns it with the app's key.
    static func oauthHarness(scopes: [String]) throws -> (EmulatorHarness, PrivateKey) {
        let key = try PrivateKey.generateECP256()
        var jwk = key.publicKey.jwk
        jwk["kid"] = "k1"
        let jwkJSON = try String(decoding: JSONSerialization.data(withJSONObject: jwk), as: UTF8.self)
        let scopeJSON = scopes.map { "\"\($0)\"" }.joined(separator: ",")
        let h = try EmulatorHarness(acme: """
            "serviceApps": [{"clientId": "0oaapp", "jwks": {"keys": [\(jwkJSON)]}, "scopes": [\(scopeJSON)]}], "accessTokenSeconds": 600
            """)
        return (h, key)
    }

    static func assertion(_ key: PrivateKey, jti: String = UUID().uuidString, iat: Int = Int(Date().timeIntervalSince1970)) throws -> String {
        let claims = "{\"iss\":\"0oaapp\",\"sub\":\"0oaapp\",\"aud\":\"http://localhost/oauth2/v1/token\",\"iat\":\(iat),\"exp\":\(iat + 300),\"jti\":\"\(jti)\"}"
        return try CompactJWS.sign(headerJSON: "{\"alg\":\"ES256\",\"kid\":\"k1\"}", payloadJSON: claims, key: key)
    }

    static func tokenRequest(_ h: EmulatorHarness, assertion: String, scope: String) -> EmulatorHarness.Reply {
        let form = "grant_type=client_credentials&scope=\(scope)&client_assertion_type=urn%3Aietf%3Aparams%3Aoauth%3Aclient-assertion-type%3Ajwt-bearer&client_assertion=\(assertion)"
        let r = h.emulator.handle(HTTPRequest(method: "POST", target: "/oauth2/v1/token",
                                              headers: HTTPHeaders([("Host", "localhost"), ("Content-Type", "application/x-www-form-urlencoded")]),
                                              body: Array(form.utf8), remoteAddress: "127.0.0.1:5000"))
        return EmulatorHarness.Reply(status: r.status, headers: r.headers, body: r.body)
    }

    @Test("token endpoint: a reused jti is refused; manage includes read; tokens expire on the manual clock with invalid_token")
    func tokenLifecycle() throws {
        var (h, key) = try Self.oauthHarness(scopes: ["okta.identitySources.manage"])
        let first = try Self.assertion(key, jti: "same")
        let granted = Self.tokenRequest(h, assertion: first, scope: "okta.identitySources.manage")
        #expect(granted.status == 200, "\(granted.text)")
        #expect(granted.object["token_type"] as? String == "Bearer" && granted.object["expires_in"] as? Int == 600)
        let replay = Self.tokenRequest(h, assertion: first, scope: "okta.identitySources.manage")
        #expect(replay.status == 401 && replay.object["error"] as? String == "invalid_client")
        #expect((replay.object["error_description"] as? String)?.contains("already been used") == true)
        let wrongScope = Self.tokenRequest(h, assertion: try Self.assertion(key), scope: "okta.users.manage")
        #expect(wrongScope.status == 400 && wrongScope.object["error"] as? String == "invalid_scope")

        let token = try #require(granted.object["access_token"] as? String)
        h.token = ""
        #expect(h.send("GET", h.api("/sessions"), auth: "Bearer \(token)").status == 200, "manage includes read")
        #expect(h.send("POST", h.api("/sessions"), auth: "Bearer \(token)").status == 201)
        h.advance(601)
        let expired = h.send("GET", h.api("/sessions"), auth: "Bearer \(token)")
        #expect(expired.status == 401)
        #expect(expired.headers["WWW-Authenticate"]?.contains("error=\"invalid_token\"") == true)
        #expect(expired.headers["WWW-Authenticate"]?.contains("expired") == true)
    }

    @Test("a read-only static token may GET but not POST (read does not include manage)")
    func readOnly() throws {
        let h = try EmulatorHarness()
        #expect(h.send("GET", h.api("/sessions"), auth: "Bearer t-read").status == 200)
        let post = h.send("POST", h.api("/sessions"), auth: "Bearer t-read")
        #expect(post.status == 403 && post.headers["WWW-Authenticate"]?.contains("insufficient_scope") == true)
    }
}
