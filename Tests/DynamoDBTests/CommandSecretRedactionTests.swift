import Foundation
import HTTPServer
import SyncTestSupport
import Testing
import TestSupport
import XaasJSON

/// A connector credential from `{"command": [...]}` (here the DynamoDB connector's API Gateway key, from a
/// script standing in for `vault kv get`): the connector gets the value, the gateway echoes it in every
/// form, and nothing xaas prints or stores holds it. The command runs twice per sync: once for the host's
/// redactor, once in the connector (docs/configuration.md says why).
@Suite(.serialized) struct CommandSecretRedactionTests {
    static let apiKey = "Cmd+Key/Va=lue&42x"

    @Test func commandSecretReachesTheConnectorAndIsRedactedEverywhere() throws {
        let gateway = HTTPServer(handler: ClosureHandler { request in
            let key = request.headers["x-api-key"] ?? ""
            guard key == Self.apiKey else { return .json(401, #"{"message":"missing key"}"#) }
            let form = key.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""
            let b64 = Data(("user:" + key).utf8).base64EncodedString()
            return .json(403, #"{"message":"Forbidden: key \#(key) (\#(form)) basic \#(b64) is not valid"}"#)
        })
        let gatewayPort = try gateway.start()
        defer { gateway.stop() }
        let f = try EmulatorSyncFixture(orgs: [EmulatorSyncFixture.org(token: "ddb-token", identitySources: ["0oaddbcommand0000001"])],
                                        directoryPrefix: "ddb-command")
        try f.writeOrg(token: "ddb-token")
        let script = f.root.appendingPathComponent("get-key")
        let runs = f.root.appendingPathComponent("runs")
        try "#!/bin/sh\necho run >> '\(runs.path)'\nprintf '%s\\n' '\(Self.apiKey)'\n".write(to: script, atomically: true, encoding: .utf8)
        chmod(script.path, 0o700)
        try f.write("acme/items.json", """
            {"identitySourceId": "0oaddbcommand0000001", "connector": "dynamodb",
             "settings": {"mode": "http", "endpoint": "http://127.0.0.1:\(gatewayPort)/prod/items", "externalId": "id",
                          "authHeader": {"name": "x-api-key", "value": {"command": ["\(script.path)", "kv", "get"]}}},
             "mapping": {"userName": "${id}", "email": "${id}"}}
            """)
        let sync = try TestSupport.xaas(["sync", "--config", f.configDir.path, "--state", f.stateDir.path, "--json",
                                         "--log-format", "json"])
        #expect(sync.status == 1)
        // 403 (not 401): the gateway received the command's output as the key.
        #expect(sync.stdout.contains("403") && sync.stdout.contains("<redacted settings.authHeader.value>"), "\(sync.stdout)")
        #expect(SecretRedactionTests.leaks(Self.apiKey, sync.stdout + sync.stderr).isEmpty, "\(sync.stdout) \(sync.stderr)")
        let count = (try String(contentsOf: runs, encoding: .utf8)).split(separator: "\n").count
        #expect(count == 2, "host redactor once + connector once, got \(count)")

        let status = try TestSupport.xaas(["status", "--json", "--state", f.stateDir.path, "--config", f.configDir.path])
        #expect(SecretRedactionTests.leaks(Self.apiKey, status.stdout + status.stderr).isEmpty)
        #expect((try String(contentsOf: runs, encoding: .utf8)).split(separator: "\n").count == 2, "status runs no command")
        var stored = ""
        for name in try FileManager.default.contentsOfDirectory(atPath: f.stateDir.path) where name.hasPrefix("state.sqlite") {
            stored += String(decoding: try Data(contentsOf: f.stateDir.appendingPathComponent(name)), as: UTF8.self)
        }
        #expect(!stored.isEmpty && SecretRedactionTests.leaks(Self.apiKey, stored).isEmpty)
    }
}
