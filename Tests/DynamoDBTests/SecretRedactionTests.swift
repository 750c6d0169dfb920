import Foundation
import HTTPServer
import SyncTestSupport
import Testing
import TestSupport
import XaasJSON

/// Defect #14.1: a connector secret echoed by the source (here an API Gateway that puts the `x-api-key`
/// value in its error body, raw, form-encoded and base64) never reaches anything xaas prints or stores:
/// the host redacts every secret the settings resolve, whatever the connector does.
@Suite(.serialized) struct SecretRedactionTests {
    static let apiKey = "K3y+Val/ue=Sec&ret9"

    final class EchoingGatewayFixture: EmulatorSyncFixture, @unchecked Sendable {
        let gateway: HTTPServer
        init() throws {
            gateway = HTTPServer(handler: ClosureHandler { request in
                let key = request.headers["x-api-key"] ?? ""
                let form = key.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""
                let b64 = Data(("user:" + key).utf8).base64EncodedString()
                return .json(403, #"{"message":"Forbidden: key \#(key) (\#(form)) basic \#(b64) is not valid"}"#)
            })
            let gatewayPort = try gateway.start()
            try super.init(orgs: [EmulatorSyncFixture.org(token: "ddb-token", identitySources: ["0oaddbsecret00000001"])],
                           directoryPrefix: "ddb-secret", syncEnvironment: ["DDB_GATEWAY_KEY": SecretRedactionTests.apiKey])
            try writeOrg(token: "ddb-token")
            try write("acme/items.json", """
                {"identitySourceId": "0oaddbsecret00000001", "connector": "dynamodb",
                 "settings": {"mode": "http", "endpoint": "http://127.0.0.1:\(gatewayPort)/prod/items", "externalId": "id",
                              "authHeader": {"name": "x-api-key", "value": {"env": "DDB_GATEWAY_KEY"}}},
                 "mapping": {"userName": "${id}", "email": "${id}"}}
                """)
        }
        deinit { gateway.stop() }
    }

    /// Every form the secret could leak in.
    static func leaks(_ text: String) -> [String] { leaks(apiKey, text) }

    /// Every form `key` could leak in that `text` holds.
    static func leaks(_ key: String, _ text: String) -> [String] {
        let forms = [key, key.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!,
                     String(Data(("user:" + key).utf8).base64EncodedString().dropFirst(8).prefix(12))]
        return forms.filter { text.contains($0) }
    }

    @Test func echoedApiKeyIsRedactedEverywhere() throws {
        let f = try EchoingGatewayFixture()
        let env = f.syncEnvironment
        let sync = try TestSupport.xaas(["sync", "--config", f.configDir.path, "--state", f.stateDir.path, "--json",
                                         "--log-format", "json"], environment: env)
        #expect(sync.status == 1)
        #expect(sync.stdout.contains("403") && sync.stdout.contains("<redacted"), "\(sync.stdout)")
        #expect(Self.leaks(sync.stdout + sync.stderr).isEmpty, "sync: \(sync.stdout) \(sync.stderr)")
        let state = ["--state", f.stateDir.path]
        for args in [["status"] + state, ["status", "--json"] + state, ["config", "check", "--connect"]] {
            let r = try TestSupport.xaas(args + ["--config", f.configDir.path], environment: env)
            #expect(Self.leaks(r.stdout + r.stderr).isEmpty, "\(args): \(r.stdout) \(r.stderr)")
            #expect((r.stdout + r.stderr).contains("<redacted"), "\(args): \(r.stdout) \(r.stderr)")
        }
        var stored = ""
        for name in try FileManager.default.contentsOfDirectory(atPath: f.stateDir.path) where name.hasPrefix("state.sqlite") {
            let data = try Data(contentsOf: f.stateDir.appendingPathComponent(name))
            stored += String(decoding: data, as: UTF8.self)
        }
        #expect(!stored.isEmpty)
        #expect(Self.leaks(stored).isEmpty, "the state database holds the key")
    }
}
