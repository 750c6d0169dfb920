import Emulator
import Foundation
import HTTPServer
import Testing
import TestSupport
import XaasCrypto
import XaasJSON

/// Okta's own Python SDK (PyPI `okta`) in `authorizationMode: "PrivateKey"` gets tokens from the emulator's
/// `/oauth2/v1/token` and drives identity-source calls with them: the proof that the token endpoint
/// answers as Okta's does (assertion shape, form parameters, DPoP nonce challenge, token types).
@Suite("Okta Python SDK: private_key_jwt and DPoP against the emulator's token endpoint")
struct OAuthSDKInteropTests {
    static let clientId = "0oasdkclient00000001"
    static let sourceId = "0oasdksource00000001"

    static func run(key: PrivateKey, form: String, dpop: Bool, requireDPoP: Bool,
                    resourceNonce: Bool = false) throws -> (TestSupport.ProcessResult, Emulator) {
        var org = EmulatorConfiguration.Org(name: "acme", tokens: [], identitySources: [sourceId])
        org.resourceDPoPNonce = resourceNonce
        org.serviceApps = [ServiceApp(clientId: clientId, keys: [(kid: nil, key: key.publicKey)],
                                      scopes: ["okta.identitySources.manage"], requireDPoP: requireDPoP)]
        let emulator = try Emulator(configuration: EmulatorConfiguration(orgs: [org]))
        let server = HTTPServer(handler: emulator)
        let port = try server.start()
        defer { server.stop(); emulator.shutdown() }
        let dir = try TestSupport.makeTemporaryDirectory("sdk-oauth")
        let keyFile = dir.appendingPathComponent("key")
        let text = form == "jwk"
            ? JSONValue.object(key.privateJWK().sorted { $0.key < $1.key }.map { ($0.key, .string($0.value)) }).serialized
            : try key.pem()
        try text.write(to: keyFile, atomically: true, encoding: .utf8)
        let script = TestSupport.packageRoot.appendingPathComponent("Tests/EmulatorTests/interop/okta_sdk_oauth.py")
        let result = try TestSupport.run(URL(fileURLWithPath: "/usr/bin/env"), [
            "python3", script.path, "http://127.0.0.1:\(port)", clientId, keyFile.path, form, dpop ? "dpop" : "bearer", sourceId,
        ])
        return (result, emulator)
    }

    static let available = TestSupport.python(with: ["okta", "jwcrypto"]) != nil

    @Test("RSA PEM key, Bearer token", .enabled(if: available, "python modules okta and jwcrypto (PyPI okta) not installed"))
    func pem() throws {
        let (result, _) = try Self.run(key: try PrivateKey.generateRSA(), form: "pem", dpop: false, requireDPoP: false)
        #expect(result.status == 0, "\(result.stdout)\n\(result.stderr)")
        #expect(result.stdout.contains("token type: Bearer"), "\(result.stdout)")
        #expect(result.stdout.hasSuffix("OK\n"))
    }

    @Test("RSA private JWK, Bearer token", .enabled(if: available, "python modules okta and jwcrypto (PyPI okta) not installed"))
    func jwk() throws {
        let (result, _) = try Self.run(key: try PrivateKey.generateRSA(), form: "jwk", dpop: false, requireDPoP: false)
        #expect(result.status == 0, "\(result.stdout)\n\(result.stderr)")
        #expect(result.stdout.hasSuffix("OK\n"))
    }

    @Test("DPoP required: the SDK answers use_dpop_nonce and sends DPoP proofs with ath",
          .enabled(if: available, "python modules okta and jwcrypto (PyPI okta) not installed"))
    func dpop() throws {
        let (result, _) = try Self.run(key: try PrivateKey.generateRSA(), form: "pem", dpop: true, requireDPoP: true)
        #expect(result.status == 0, "\(result.stdout)\n\(result.stderr)")
        #expect(result.stdout.contains("token type: DPoP"), "\(result.stdout)")
        #expect(result.stdout.hasSuffix("OK\n"))
    }

    @Test("DPoP with a resource server that demands its own nonce: the SDK answers the API call's use_dpop_nonce too",
          .enabled(if: available, "python modules okta and jwcrypto (PyPI okta) not installed"))
    func dpopResourceNonce() throws {
        let (result, emulator) = try Self.run(key: try PrivateKey.generateRSA(), form: "pem", dpop: true, requireDPoP: true,
                                              resourceNonce: true)
        #expect(result.status == 0, "\(result.stdout)\n\(result.stderr)")
        #expect(result.stdout.contains("token type: DPoP"), "\(result.stdout)")
        #expect(result.stdout.hasSuffix("OK\n"))
        let stats = emulator.handle(HTTPRequest(method: "GET", target: "/emulator/v1/orgs/acme/stats"))
        let challenges = (try JSONValue.parse(bytes: stats.body))["dpopNonceChallenges"]?.intValue ?? 0
        #expect(challenges >= 1, "the resource server never challenged the SDK: the test proves nothing")
    }

    @Test("DPoP required but the SDK sends none: the token request fails with invalid_dpop_proof",
          .enabled(if: available, "python modules okta and jwcrypto (PyPI okta) not installed"))
    func dpopMissing() throws {
        let (result, _) = try Self.run(key: try PrivateKey.generateRSA(), form: "pem", dpop: false, requireDPoP: true)
        #expect(result.status != 0)
        #expect(result.stdout.contains("invalid_dpop_proof") || result.stdout.contains("DPoP"), "\(result.stdout)")
    }
}
