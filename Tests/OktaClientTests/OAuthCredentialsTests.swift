import Foundation
import Testing
import XaasCrypto
@testable import Host

/// The OAuth hook of ``OktaClient`` over a scripted transport: the token request's shape, renewal once on
/// 401 `invalid_token`, the resource server's `use_dpop_nonce`, OAuth errors, and the proxy rule.
@Suite("OktaClient with OAuth credentials (scripted transport)")
struct OAuthCredentialsTests {
    static let base = "https://example.okta.com"

    static func client(_ transport: FakeTransport, dpop: Bool = false) throws -> (OktaClient, PrivateKey) {
        let key = try PrivateKey.generateECP256()
        let settings = OAuthSettings(clientId: "0oaclient", privateKey: .value(""), keyId: "kid-1", dpop: dpop)
        let source = try OAuthTokenSource(baseURL: base, settings: settings, key: key, transport: transport, sleep: { _ in })
        var configuration = Fake.configuration()
        configuration.credentials = .oauth(source)
        return (try Fake.client(transport, configuration: configuration), key)
    }

    static func token(_ value: String, type: String = "Bearer") -> FakeTransport.Step {
        Fake.json(200, #"{"token_type":"\#(type)","expires_in":3600,"access_token":"\#(value)","scope":"okta.identitySources.manage"}"#)
    }

    static func form(_ request: TransportRequest) -> [String: String] {
        var out: [String: String] = [:]
        for pair in (request.bodyText ?? "").split(separator: "&") {
            let kv = pair.split(separator: "=", maxSplits: 1).map { String($0).removingPercentEncoding ?? "" }
            out[kv[0]] = kv.count > 1 ? kv[1] : ""
        }
        return out
    }

    static func claims(_ jwt: String) throws -> [String: Any] {
        let parts = try #require(CompactJWS.parse(jwt))
        return try #require(try JSONSerialization.jsonObject(with: Data(parts.payload)) as? [String: Any])
    }

    @Test("the token request: form fields, an ES256 assertion with iss=sub, aud, exp−iat = 300 s, kid; the token is reused")
    func tokenRequestShape() async throws {
        let transport = FakeTransport([Self.token("at-1"), Fake.json(200, "[]"), Fake.json(200, "[]")])
        let (client, key) = try Self.client(transport)
        _ = try await client.listSessions(identitySourceId: Fake.source)
        _ = try await client.listSessions(identitySourceId: Fake.source)
        let requests = transport.requests
        #expect(requests.count == 3, "one token request for two calls")
        #expect(requests[0].url.absoluteString == "\(Self.base)/oauth2/v1/token")
        #expect(requests[0].header("Content-Type") == "application/x-www-form-urlencoded")
        let form = Self.form(requests[0])
        #expect(form["grant_type"] == "client_credentials" && form["scope"] == "okta.identitySources.manage")
        #expect(form["client_assertion_type"] == "urn:ietf:params:oauth:client-assertion-type:jwt-bearer")
        let assertion = try #require(form["client_assertion"])
        let parts = try #require(CompactJWS.parse(assertion))
        let header = try #require(try JSONSerialization.jsonObject(with: Data(parts.header)) as? [String: Any])
        #expect(header["alg"] as? String == "ES256" && header["kid"] as? String == "kid-1")
        #expect(key.publicKey.verify(signature: parts.signature, message: parts.signingInput, algorithm: "ES256"))
        let claims = try Self.claims(assertion)
        #expect(claims["iss"] as? String == "0oaclient" && claims["sub"] as? String == "0oaclient")
        #expect(claims["aud"] as? String == "\(Self.base)/oauth2/v1/token")
        #expect((claims["exp"] as? Int ?? 0) - (claims["iat"] as? Int ?? 0) == 300)
        #expect(requests[1].header("Authorization") == "Bearer at-1")
    }

    @Test("401 invalid_token renews the token once and repeats the call; a second 401 is an error, not a loop")
    func renewOnce() async throws {
        let expired = Fake.json(401, Fake.error("E0000011", "Invalid token provided"),
                                [("WWW-Authenticate", #"Bearer error="invalid_token", error_description="The token has expired.""#)])
        let transport = FakeTransport([Self.token("at-1"), expired, Self.token("at-2"), Fake.json(200, "[]"),
                                       expired, Self.token("at-3"), expired])
        let (client, _) = try Self.client(transport)
        _ = try await client.listSessions(identitySourceId: Fake.source)
        #expect(transport.requests.map { $0.header("Authorization") ?? "-" }.suffix(1) == ["Bearer at-2"])
        await #expect(throws: OktaError.self) { _ = try await client.listSessions(identitySourceId: Fake.source) }
        #expect(transport.remaining == 0)
        let assertions = transport.requests.filter { $0.url.path == "/oauth2/v1/token" }.compactMap { Self.form($0)["client_assertion"] }
        #expect(Set(assertions).count == assertions.count, "every token request signs a fresh assertion")
    }

    @Test("DPoP: nonce retry at the token endpoint and at the resource server; proofs carry htm, htu, ath, nonce")
    func dpopNonces() async throws {
        let transport = FakeTransport([
            Fake.json(400, #"{"error":"use_dpop_nonce","error_description":"Authorization server requires nonce in DPoP proof."}"#,
                      [("DPoP-Nonce", "n-token")]),
            Self.token("at-1", type: "DPoP"),
            Fake.json(401, "{}", [("WWW-Authenticate", #"DPoP error="use_dpop_nonce""#), ("DPoP-Nonce", "n-resource")]),
            Fake.json(200, "[]"),
        ])
        let (client, _) = try Self.client(transport, dpop: true)
        _ = try await client.listSessions(identitySourceId: Fake.source)
        let r = transport.requests
        #expect(r.count == 4)
        #expect(try Self.claims(r[0].header("DPoP") ?? "")["nonce"] == nil)
        #expect(try Self.claims(r[1].header("DPoP") ?? "")["nonce"] as? String == "n-token")
        #expect(r[3].header("Authorization") == "DPoP at-1")
        let proof = try Self.claims(r[3].header("DPoP") ?? "")
        #expect(proof["htm"] as? String == "GET")
        #expect(proof["htu"] as? String == "\(Self.base)/api/v1/identity-sources/\(Fake.source)/sessions")
        #expect(proof["ath"] as? String == Base64URL.encode(SHA256.hash(Array("at-1".utf8))))
        #expect(proof["nonce"] as? String == "n-resource")
    }

    @Test("an OAuth error names the error and what to check, and never contains the assertion")
    func oauthError() async throws {
        let transport = FakeTransport([Fake.json(401, #"{"error":"invalid_client","error_description":"The client_assertion signature is invalid."}"#)])
        let (client, _) = try Self.client(transport)
        do {
            _ = try await client.listSessions(identitySourceId: Fake.source)
            Issue.record("expected an error")
        } catch {
            let text = error.description
            #expect(text.contains("invalid_client") && text.contains("signature is invalid") && text.contains("auth.oauth.clientId"), "\(text)")
            #expect(!text.contains("eyJ"))
        }
    }

    @Test("proxy rule: org.json proxy wins; HTTPS_PROXY unless NO_PROXY matches; never for loopback")
    func proxy() {
        let okta = URL(string: "https://acme.okta.com")!
        let env = ["HTTPS_PROXY": "http://proxy.corp:3128"]
        #expect(OrgProxy.resolve(for: okta, configured: URL(string: "http://p:8080"), environment: env)?.absoluteString == "http://p:8080")
        #expect(OrgProxy.resolve(for: okta, configured: nil, environment: env)?.host == "proxy.corp")
        #expect(OrgProxy.resolve(for: okta, configured: nil, environment: env.merging(["NO_PROXY": "localhost,.okta.com"]) { $1 }) == nil)
        #expect(OrgProxy.resolve(for: okta, configured: nil, environment: env.merging(["NO_PROXY": "*"]) { $1 }) == nil)
        #expect(OrgProxy.resolve(for: okta, configured: nil, environment: env.merging(["NO_PROXY": "example.com"]) { $1 }) != nil)
        #expect(OrgProxy.resolve(for: URL(string: "http://127.0.0.1:8080")!, configured: nil, environment: env) == nil)
        #expect(OrgProxy.resolve(for: okta, configured: nil, environment: [:]) == nil)
    }
}
