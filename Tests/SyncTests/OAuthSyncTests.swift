import Emulator
import Foundation
import Host
import Synchronization
import SyncTestSupport
import Testing
import TestSupport
import XaasCrypto
import XaasJSON

/// `xaas sync` and the sync engine against an emulator that only knows an OAuth service app (no API
/// token): private_key_jwt with RSA and EC keys, DPoP on and off, token expiry on the manual clock, and
/// clear failures. Nothing secret may appear in outputs, logs or state.
@Suite("OAuth service apps: sync through the emulator's token endpoint")
struct OAuthSyncTests {
    static let clientId = "0oaservice0000000001"

    /// An emulator org `acme` with one service app holding `registered`'s public key.
    /// `resourceNonce`: the resource server demands a DPoP nonce, changed every `nonceSeconds` (0 = never);
    /// `clockSkew`: the emulated Okta's clock is that far ahead of this host's.
    static func fixture(registered: PublicKey, scopes: [String] = ["okta.identitySources.manage"], requireDPoP: Bool = false,
                        tokenSeconds: Double = 3600, manualClock: Bool = false, resourceNonce: Bool = false,
                        nonceSeconds: Double = 0, clockSkew: Double = 0) throws -> EmulatorSyncFixture {
        var org = EmulatorSyncFixture.org(token: staticToken, identitySources: [EmulatorFixture.sourceId])
        org.serviceApps = [ServiceApp(clientId: clientId, keys: [(kid: "k1", key: registered)], scopes: scopes,
                                      requireDPoP: requireDPoP)]
        org.accessTokenSeconds = tokenSeconds
        org.resourceDPoPNonce = resourceNonce
        org.resourceDPoPNonceSeconds = nonceSeconds
        return try EmulatorSyncFixture(orgs: [org], manualClock: manualClock, directoryPrefix: "oauth", clockSkewSeconds: clockSkew)
    }

    /// The emulated org's API token (the OAuth tests do not use it; the clock-skew test syncs with it first).
    static let staticToken = "oauth-fixture-static-token-1"

    /// Writes org.json with auth.oauth, the key file (0600) and the workshop CSV source.
    static func configure(_ f: EmulatorSyncFixture, key: PrivateKey, jwk: Bool, dpop: Bool) throws {
        let keyText = jwk ? JSONValue.object(key.privateJWK().sorted { $0.key < $1.key }.map { ($0.key, .string($0.value)) }).serialized
                          : try key.pem(traditional: key.type == .rsa)
        let keyURL = f.configDir.appendingPathComponent("acme/secrets/key")
        try FileManager.default.createDirectory(at: keyURL.deletingLastPathComponent(), withIntermediateDirectories: true)
        FileManager.default.createFile(atPath: keyURL.path, contents: Data(keyText.utf8), attributes: [.posixPermissions: 0o600])
        try f.write("acme/org.json", """
            {"url": "http://127.0.0.1:\(f.port)", "sessionCooldownSeconds": 1,
             "auth": {"oauth": {"clientId": "\(clientId)", "privateKey": {"file": "secrets/key"}, "keyId": "k1",
                                "scopes": ["okta.identitySources.manage"], "dpop": \(dpop)}}}
            """)
        try f.write("acme/hr.json", """
            {"identitySourceId": "\(EmulatorFixture.sourceId)", "connector": "csv",
             "settings": {"path": "users.csv", "externalId": "id", "status": {"attribute": "active", "activeValues": ["true"]}},
             "mapping": {"userName": "${email}", "email": "${email}", "firstName": "${first_name}", "lastName": "${last_name}"}}
            """)
        var csv = "id,active,first_name,last_name,email\n"
        for i in 1...30 { csv += "emp-\(i),true,Ann\(i),Lee,user\(i)@example.com\n" }
        try f.write("acme/users.csv", csv)
    }

    /// An in-process client of the fixture's org: the service app with `key`, DPoP on, every call through `transport`.
    static func dpopClient(_ f: EmulatorSyncFixture, key: PrivateKey, transport: any HTTPTransport) throws -> OktaClient {
        let settings = OAuthSettings(clientId: clientId, privateKey: .value(""), keyId: "k1", dpop: true)
        let base = "http://127.0.0.1:\(f.port)"
        var configuration = OktaClientConfiguration(baseURL: URL(string: base)!, token: OktaSecret(""), scheme: .bearer)
        configuration.credentials = .oauth(try OAuthTokenSource(baseURL: base, settings: settings, key: key, transport: transport))
        return try OktaClient(configuration: configuration, transport: transport)
    }

    /// Every file under `root` except the key file, plus the given outputs, as one text.
    static func everything(_ f: EmulatorSyncFixture, outputs: [String]) -> String {
        var text = outputs.joined(separator: "\n")
        let files = FileManager.default.enumerator(at: f.root, includingPropertiesForKeys: nil)
        while let url = files?.nextObject() as? URL {
            guard !url.path.hasSuffix("/secrets/key"), let data = FileManager.default.contents(atPath: url.path) else { continue }
            text += String(decoding: data, as: UTF8.self)
        }
        return text
    }

    /// No access token (`emu.` prefix), no JWT (`eyJ`: base64url of `{"`), no key material.
    static func expectNoSecrets(_ text: String, key: PrivateKey, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(!text.contains("emu."), "an access token leaked", sourceLocation: sourceLocation)
        #expect(!text.contains("eyJ"), "a JWT (assertion or proof) leaked", sourceLocation: sourceLocation)
        #expect(!text.contains("PRIVATE KEY"), "a PEM key leaked", sourceLocation: sourceLocation)
        #expect(!text.contains(key.privateJWK()["d"]!), "the private key leaked", sourceLocation: sourceLocation)
    }

    @Test("xaas sync with auth.oauth: RSA and EC keys, PEM and JWK, DPoP off and required", arguments: [
        (KeyType.rsa, false, false), (KeyType.ecP256, false, false), (KeyType.rsa, true, true), (KeyType.ecP256, false, true),
    ])
    func syncWithServiceApp(type: KeyType, jwk: Bool, dpop: Bool) throws {
        let key = type == .rsa ? try PrivateKey.generateRSA() : try PrivateKey.generateECP256()
        let f = try Self.fixture(registered: key.publicKey, requireDPoP: dpop)
        try Self.configure(f, key: key, jwk: jwk, dpop: dpop)
        let check = try TestSupport.xaas(["config", "check", "--config", f.configDir.path])
        #expect(check.status == 0, "\(check.stdout)\n\(check.stderr)")
        let (status, run, stderr) = try f.sync()
        #expect(status == 0, "\(stderr)")
        #expect(run?["status"]?.stringValue == "ok", "\(run?.serialized ?? "")")
        #expect(try f.activeUsers("acme").count == 30)
        Self.expectNoSecrets(Self.everything(f, outputs: [stderr, run?.serialized ?? "", check.stdout, check.stderr]), key: key)
    }

    @Test("clear failures: a key Okta does not know, a scope the app lacks, DPoP required but off")
    func failures() throws {
        let key = try PrivateKey.generateECP256()
        let other = try PrivateKey.generateECP256()
        let cases: [(EmulatorSyncFixture, Bool, String)] = [
            (try Self.fixture(registered: other.publicKey), false, "invalid_client"),
            (try Self.fixture(registered: key.publicKey, scopes: ["okta.identitySources.read"]), false, "invalid_scope"),
            (try Self.fixture(registered: key.publicKey, requireDPoP: true), false, "invalid_dpop_proof"),
        ]
        for (f, dpop, expected) in cases {
            try Self.configure(f, key: key, jwk: false, dpop: dpop)
            let (status, run, stderr) = try f.sync()
            #expect(status != 0)
            let text = (run?.serialized ?? "") + stderr
            #expect(text.contains(expected), "\(text)")
            #expect(text.contains("auth.oauth") || text.contains("Okta"), "the error says what to check: \(text)")
            #expect(try f.activeUsers("acme").isEmpty)
            Self.expectNoSecrets(Self.everything(f, outputs: [stderr, run?.serialized ?? ""]), key: key)
        }
    }

    @Test("a clock-skewed assertion (this host an hour behind) is refused with invalid_client and a clock hint")
    func clockSkew() async throws {
        let key = try PrivateKey.generateRSA()
        let f = try Self.fixture(registered: key.publicKey)
        let settings = OAuthSettings(clientId: Self.clientId, privateKey: .value(""), keyId: "k1")
        let source = try OAuthTokenSource(baseURL: "http://127.0.0.1:\(f.port)", settings: settings, key: key,
                                          transport: URLSessionTransport(), now: { Date().addingTimeInterval(-3600) })
        do {
            _ = try await source.accessToken()
            Issue.record("a skewed assertion was accepted")
        } catch {
            #expect(error.errorCode == "invalid_client")
            #expect(error.description.contains("expired"), "\(error)")
            #expect(error.description.contains("clock"), "\(error)")
        }
    }

    @Test("a multi-session run survives token expiry on the manual clock (401 invalid_token → one renewal), with DPoP")
    func survivesExpiry() async throws {
        let key = try PrivateKey.generateECP256()
        let f = try Self.fixture(registered: key.publicKey, requireDPoP: true, tokenSeconds: 200, manualClock: true)
        let counting = OAuthCountingTransport(URLSessionTransport())
        let client = try Self.dpopClient(f, key: key, transport: counting)
        let report = await ManualClockRun.run(f, client: client, users: 10_400, source: "big")
        #expect(report.status == .ok, "\(report.error ?? "")")
        #expect(report.sessions == 2)
        #expect(report.created == 10_400)
        let counts = counting.counts
        #expect(counts.tokenRequests >= 3, "first token, the nonce retry, and at least one renewal: \(counts)")
        #expect(counts.expired >= 1, "the token expired mid-run: \(counts)")
        #expect(counts.tokenSuccesses >= 2, "\(counts)")
    }
}

extension OAuthSyncTests {
    @Test("xaas okta whoami prints the token type, granted scopes and lifetime; the key comes from a {\"command\": [...]} secret")
    func whoami() throws {
        let key = try PrivateKey.generateECP256()
        let f = try Self.fixture(registered: key.publicKey, requireDPoP: true, tokenSeconds: 1800)
        try Self.configure(f, key: key, jwk: false, dpop: true)
        let keyPath = f.configDir.appendingPathComponent("acme/secrets/key").path
        let org = try String(contentsOf: f.configDir.appendingPathComponent("acme/org.json"), encoding: .utf8)
        try f.write("acme/org.json", org.replacingOccurrences(of: "{\"file\": \"secrets/key\"}", with: "{\"command\": [\"/bin/cat\", \"\(keyPath)\"]}"))
        let result = try TestSupport.xaas(["okta", "whoami", "--config", f.configDir.path, "--tenant", "acme"])
        #expect(result.status == 0, "\(result.stdout)\n\(result.stderr)")
        #expect(result.stdout.contains("acme: OAuth service app \(Self.clientId)"), "\(result.stdout)")
        #expect(result.stdout.contains("DPoP token, scopes okta.identitySources.manage, lifetime 1800 s"), "\(result.stdout)")
        Self.expectNoSecrets(result.stdout + result.stderr, key: key)
        let missing = try TestSupport.xaas(["okta", "whoami", "--config", f.configDir.path, "--tenant", "nope"])
        #expect(missing.status == 1 && missing.stderr.contains("no tenant 'nope'"))
    }

    @Test("config check: a group-readable key file, token together with auth.oauth, a public key, a failing key command")
    func configCheck() throws {
        let key = try PrivateKey.generateRSA()
        let f = try Self.fixture(registered: key.publicKey)
        try Self.configure(f, key: key, jwk: false, dpop: false)
        let keyURL = f.configDir.appendingPathComponent("acme/secrets/key")
        let orgURL = f.configDir.appendingPathComponent("acme/org.json")
        let org = try String(contentsOf: orgURL, encoding: .utf8)
        func check() throws -> String {
            let r = try TestSupport.xaas(["config", "check", "--config", f.configDir.path])
            #expect(r.status == 1)
            return r.stdout + r.stderr
        }
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: keyURL.path)
        #expect(try check().contains("$.auth.oauth.privateKey.file: the token file is accessible by group or others"))
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: keyURL.path)

        try f.write("acme/org.json", org.replacingOccurrences(of: "\"sessionCooldownSeconds\": 1,",
                                                             with: "\"sessionCooldownSeconds\": 1, \"token\": {\"env\": \"X\"},"))
        #expect(try check().contains("$.token: not allowed together with auth.oauth"))

        try f.write("acme/org.json", org)
        let publicJWK = JSONValue.object(key.publicKey.jwk.sorted { $0.key < $1.key }.map { ($0.key, .string($0.value)) }).serialized
        FileManager.default.createFile(atPath: keyURL.path, contents: Data(publicJWK.utf8), attributes: [.posixPermissions: 0o600])
        let publicKeyText = try check()
        #expect(publicKeyText.contains("$.auth.oauth.privateKey") && publicKeyText.contains("public key"), "\(publicKeyText)")

        try f.write("acme/org.json", org.replacingOccurrences(of: "{\"file\": \"secrets/key\"}", with: "{\"command\": [\"/bin/false\"]}"))
        #expect(try check().contains("exited with status 1"))
    }
}

/// Wraps a transport and counts token requests and expired-token answers.
final class OAuthCountingTransport: HTTPTransport, Sendable {
    struct Counts: Sendable { var tokenRequests = 0, tokenSuccesses = 0, expired = 0 }
    let inner: any HTTPTransport
    private let state = Mutex(Counts())
    init(_ inner: any HTTPTransport) { self.inner = inner }
    var counts: Counts { state.withLock { $0 } }

    func send(_ request: TransportRequest) async throws -> TransportResponse {
        let response = try await inner.send(request)
        state.withLock { c in
            if request.url.path == "/oauth2/v1/token" {
                c.tokenRequests += 1
                if response.status == 200 { c.tokenSuccesses += 1 }
            } else if response.status == 401, response.header("WWW-Authenticate")?.contains("expired") == true {
                c.expired += 1
            }
        }
        return response
    }
}
