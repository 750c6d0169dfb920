import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing
import SyncTestSupport
import TestSupport
import XaasCrypto
import XaasJSON

/// The shipped example (`connectors.d/acme`: its source file and CSV as they are in the repository) synced
/// by `xaas sync` into a separate `xaas emulator` process that knows the org only through an OAuth service
/// app: no API token exists, so every call rides on a token from `/oauth2/v1/token`.
@Suite("The shipped example into a separate xaas emulator with an OAuth service app")
struct ShippedExampleOAuthTests {
    static let sourceId = "0oa8acmehr0000000001"

    @Test("RSA key with Bearer tokens; EC key with DPoP and a resource server that demands its nonce",
          arguments: [(KeyType.rsa, false), (KeyType.ecP256, true)])
    func shippedExample(type: KeyType, dpop: Bool) throws {
        let key = type == .rsa ? try PrivateKey.generateRSA() : try PrivateKey.generateECP256()
        let root = try TestSupport.makeTemporaryDirectory("shipped-oauth")
        var jwk = key.publicKey.jwk
        jwk["kid"] = "k1"
        let jwkJSON = JSONValue.object(jwk.sorted { $0.key < $1.key }.map { ($0.key, .string($0.value)) }).serialized
        let emulator = try ExternalEmulator(configJSON: """
            {"orgs": [{"name": "acme", "identitySources": ["\(Self.sourceId)"], "cooldownSeconds": 1, "processingDelayMs": 20,
                       "serviceApps": [{"clientId": "\(OAuthSyncTests.clientId)", "jwks": {"keys": [\(jwkJSON)]},
                                        "scopes": ["okta.identitySources.manage"], "requireDPoP": \(dpop)}],
                       "resourceDPoPNonce": \(dpop)}]}
            """, directory: root)
        defer { emulator.stop() }

        let tenant = root.appendingPathComponent("connectors.d/acme")
        let shipped = TestSupport.packageRoot.appendingPathComponent("connectors.d/acme")
        try FileManager.default.createDirectory(at: tenant.appendingPathComponent("data"), withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: tenant.appendingPathComponent("secrets"), withIntermediateDirectories: true)
        for file in ["hr.json", "data/users.csv"] {
            try FileManager.default.copyItem(at: shipped.appendingPathComponent(file), to: tenant.appendingPathComponent(file))
        }
        FileManager.default.createFile(atPath: tenant.appendingPathComponent("secrets/key.pem").path,
                                       contents: Data(try key.pem().utf8), attributes: [.posixPermissions: 0o600])
        try """
            {"url": "\(emulator.baseURL)", "sessionCooldownSeconds": 1,
             "auth": {"oauth": {"clientId": "\(OAuthSyncTests.clientId)", "privateKey": {"file": "secrets/key.pem"},
                                "keyId": "k1", "dpop": \(dpop)}}}
            """.write(to: tenant.appendingPathComponent("org.json"), atomically: true, encoding: .utf8)

        let state = root.appendingPathComponent("state")
        let result = try TestSupport.xaas(["sync", "--config", root.appendingPathComponent("connectors.d").path,
                                           "--state", state.path, "--json"])
        let run = (try? JSONValue.parse(result.stdout))?["runs"]?.arrayValue?.first
        #expect(result.status == 0, "\(result.stderr)")
        #expect(run?["status"]?.stringValue == "ok", "\(run?.serialized ?? result.stdout)")
        let users = try emulator.inspect("acme", "users").arrayValue ?? []
        #expect(users.count >= 90, "the shipped CSV has 100 people: \(users.count) reached the emulator")
        #expect(users.count == run?.int("created"), "every user the run created is in the emulator")
        let challenges = try emulator.inspect("acme", "stats")["dpopNonceChallenges"]?.intValue ?? -1
        #expect(dpop ? challenges >= 1 : challenges == 0, "\(challenges)")

        var everything = result.stdout + result.stderr
        let files = FileManager.default.enumerator(at: root, includingPropertiesForKeys: nil)
        while let url = files?.nextObject() as? URL {
            guard !url.path.hasSuffix("/secrets/key.pem"), let data = FileManager.default.contents(atPath: url.path) else { continue }
            everything += String(decoding: data, as: UTF8.self)
        }
        OAuthSyncTests.expectNoSecrets(everything, key: key)
    }
}
