import Foundation
import Synchronization
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

    @Test("org.json proxy → the worker's environment: the variables libcurl reads for the org's scheme; no remote proxy for http")
    func proxyEnvironment() {
        var org = OrgConfig(endpoint: .remote(URL(string: "https://acme.okta.com")!))
        let none: [String: String] = [:]
        #expect(OrgProxy.environment(for: org, environment: none).isEmpty)
        #expect(OrgProxy.environment(for: org, environment: ["http_proxy": "http://proxy.corp:3128"]).isEmpty)
        org.proxy = URL(string: "http://proxy.corp:3128")
        #expect(OrgProxy.environment(for: org, environment: none)
                == ["https_proxy": "http://proxy.corp:3128", "HTTPS_PROXY": "http://proxy.corp:3128"])
        org.endpoint = .remote(URL(string: "http://127.0.0.1:8080")!)
        org.proxy = URL(string: "http://127.0.0.1:3128")
        #expect(OrgProxy.environment(for: org, environment: none) == ["http_proxy": "http://127.0.0.1:3128"],
                "libcurl reads only lower-case http_proxy")
        org.proxy = nil
        #expect(OrgProxy.environment(for: org, environment: ["http_proxy": "http://127.0.0.1:3128"]).isEmpty)
        let remote = OrgProxy.environment(for: org, environment: ["http_proxy": "proxy.corp:3128", "ALL_PROXY": "http://p:1"])
        #expect(remote.count == 2 && remote["http_proxy"] == .some(nil) && remote["ALL_PROXY"] == .some(nil),
                "a plain-http org never sends its token to a remote proxy: \(remote)")
    }

    @Test("the token is renewed once 80 % of expires_in has passed, not before")
    func renewsAtEightyPercent() async throws {
        let clock = FakeClock()
        let transport = FakeTransport([
            Fake.json(200, #"{"token_type":"Bearer","expires_in":100,"access_token":"at-1","scope":"okta.identitySources.manage"}"#),
            Self.token("at-2"),
        ])
        let settings = OAuthSettings(clientId: "0oaclient", privateKey: .value(""))
        let source = try OAuthTokenSource(baseURL: Self.base, settings: settings, key: try PrivateKey.generateECP256(),
                                          transport: transport, now: { clock.now }, sleep: { _ in })
        #expect(try await source.accessToken().token.reveal() == "at-1")
        clock.advance(79)
        #expect(try await source.accessToken().token.reveal() == "at-1", "79 % of the lifetime: still cached")
        clock.advance(2)
        #expect(try await source.accessToken().token.reveal() == "at-2", "81 %: renewed")
        #expect(transport.remaining == 0)
    }

    @Test("a refused token request is not repeated by later calls: the same error, no second assertion")
    func refusalIsKept() async throws {
        let transport = FakeTransport([Fake.json(400, #"{"error":"invalid_scope","error_description":"The following scopes are not allowed: x"}"#)])
        let (client, _) = try Self.client(transport)
        for _ in 0..<3 {
            do {
                _ = try await client.listSessions(identitySourceId: Fake.source)
                Issue.record("expected invalid_scope")
            } catch {
                #expect(error.errorCode == "invalid_scope" && error.description.contains("auth.oauth.scopes"), "\(error)")
            }
        }
        #expect(transport.requests.count == 1, "one token request for three calls")
    }

    @Test("a server that echoes the assertion in error_description does not get it into the error")
    func echoedAssertionIsScrubbed() async throws {
        let echo = EchoingTokenEndpoint()
        let settings = OAuthSettings(clientId: "0oaclient", privateKey: .value(""))
        let source = try OAuthTokenSource(baseURL: Self.base, settings: settings, key: try PrivateKey.generateECP256(),
                                          transport: echo, sleep: { _ in })
        do {
            _ = try await source.accessToken()
            Issue.record("expected invalid_client")
        } catch {
            #expect(error.errorCode == "invalid_client")
            #expect(error.description.contains("bad assertion"), "\(error)")
            #expect(!error.description.contains("eyJ"), "\(error)")
        }
    }

    @Test("the token URL must be https, or http to loopback: plain http elsewhere is refused before any request")
    func tokenURLMustBeSecure() throws {
        let settings = OAuthSettings(clientId: "0oaclient", privateKey: .value(""))
        let transport = FakeTransport([])
        let error = #expect(throws: OktaError.self) {
            _ = try OAuthTokenSource(baseURL: "http://acme.okta.com", settings: settings, key: try PrivateKey.generateECP256(),
                                     transport: transport)
        }
        #expect(error?.kind == .insecureURL)
        #expect(transport.requests.isEmpty)
    }
}

/// A clock tests move by hand.
final class FakeClock: Sendable {
    private let time = Mutex(Date(timeIntervalSince1970: 1_767_225_600))
    var now: Date { time.withLock { $0 } }
    func advance(_ seconds: Double) { time.withLock { $0 += seconds } }
}

/// A token endpoint that refuses every request and quotes its client_assertion back in `error_description`.
final class EchoingTokenEndpoint: HTTPTransport, Sendable {
    func send(_ request: TransportRequest) async throws -> TransportResponse {
        let form = String(decoding: request.body ?? [], as: UTF8.self)
        let assertion = form.split(separator: "&").first { $0.hasPrefix("client_assertion=") }?.dropFirst(17) ?? ""
        return TransportResponse(status: 401, headers: [("Content-Type", "application/json")],
                                 body: Array(#"{"error":"invalid_client","error_description":"bad assertion \#(assertion)"}"#.utf8))
    }
}
