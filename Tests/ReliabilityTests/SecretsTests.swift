import Emulator
import Foundation
import SyncTestSupport
import Testing
import TestSupport

/// Secrets: the configured Okta token (from an environment variable and from a 0600 file) must appear in
/// no output of any command — sync (ok, failing, dry-run with diff, rejected token), status, config check
/// — in text or JSON logs, in `--json` reports, or anywhere in the state directory. Raw, percent-encoded
/// and base64 forms are searched. (The crash and fault suites also search every output of their runs.)
@Suite("Secrets never leak", .serialized,
       .enabled(if: FileManager.default.isExecutableFile(atPath: TestSupport.xaasExecutable.path),
                "the xaas executable is not built (run swift build first)"))
struct SecretsTests {
    static let token = "sEcReT-t0ken+/=Zz9"
    static let sourceId = "0oasec00000000000001"

    static func forms(_ secret: String) -> [String] {
        [secret, secret.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? secret,
         Data(secret.utf8).base64EncodedString()]
    }

    final class Fixture: EmulatorSyncFixture, @unchecked Sendable {
        init(tokenFrom: String) throws {
            try super.init(orgs: [EmulatorSyncFixture.org(token: SecretsTests.token, identitySources: [SecretsTests.sourceId],
                                                          cooldownSeconds: 0)],
                           directoryPrefix: "secrets", syncEnvironment: ["REL_OKTA_TOKEN": SecretsTests.token])
            let reference: String
            if tokenFrom == "file" {
                try write("acme/secrets/token", SecretsTests.token + "\n")
                chmod(configDir.appendingPathComponent("acme/secrets/token").path, 0o600)
                reference = #"{"file": "secrets/token"}"#
            } else {
                reference = #"{"env": "REL_OKTA_TOKEN"}"#
            }
            try write("acme/org.json", """
                {"url": "http://127.0.0.1:\(port)", "token": \(reference), "sessionCooldownSeconds": 0}
                """)
            try write("acme/hr.json", """
                {"identitySourceId": "\(SecretsTests.sourceId)", "connector": "csv",
                 "settings": {"path": "users.csv", "externalId": "id"},
                 "mapping": {"userName": "${email}", "email": "${email}", "firstName": "${first}", "lastName": "${last}"}}
                """)
        }

        func run(_ args: [String], extraEnvironment: [String: String] = [:]) throws -> String {
            let r = try TestSupport.xaas(args, environment: syncEnvironment.merging(extraEnvironment) { $1 })
            return "[\(args.joined(separator: " ")) → \(r.status)]\n" + r.stdout + "\n" + r.stderr
        }
    }

    @Test(arguments: ["env", "file"])
    func theTokenAppearsInNoOutputAndNoStateFile(tokenFrom: String) throws {
        let f = try Fixture(tokenFrom: tokenFrom)
        let config = ["--config", f.configDir.path, "--state", f.stateDir.path]
        var outputs: [String] = []
        try f.write("acme/users.csv", "id,first,last,email\n" + (1...30).map { "e\($0),A\($0),L\($0),u\($0)@example.com" }.joined(separator: "\n") + "\n")
        for format in ["text", "json"] {
            outputs.append(try f.run(["sync"] + config + ["--json", "--log-format", format]))
        }
        try f.write("acme/users.csv", "id,first,last,email\n" + (1...30).map { "e\($0),B\($0),L\($0),u\($0)@example.com" }.joined(separator: "\n") + "\n")
        outputs.append(try f.run(["sync"] + config + ["--dry-run", "--diff"]))
        outputs.append(try f.run(["sync"] + config + ["--dry-run", "--diff", "--json"]))
        outputs.append(try f.run(["sync"] + config + ["--log-format", "json"]))
        // A failing read, then the state commands.
        try f.write("acme/users.csv", "id,first,last,email\ne1,\"broken\n")
        outputs.append(try f.run(["sync"] + config + ["--json", "--log-format", "json"]))
        outputs.append(try f.run(["status"] + config))
        outputs.append(try f.run(["status"] + config + ["--json"]))
        outputs.append(try f.run(["config", "check"] + config))
        outputs.append(try f.run(["config", "check", "--connect"] + config))
        // The org rejects the token (401): the error must still not show it.
        if tokenFrom == "env" {
            outputs.append(try f.run(["sync"] + config + ["--json", "--log-format", "json"],
                                     extraEnvironment: ["REL_OKTA_TOKEN": Self.token + "x"]))
        }
        #expect(outputs.count >= 9)
        #expect(outputs.contains { $0.contains("→ 0]") }, "at least one command succeeded: \(outputs.joined().prefix(2000))")
        var hits: [String] = []
        for (i, output) in outputs.enumerated() {
            for form in Self.forms(Self.token) where output.contains(form) { hits.append("output \(i): \(output.prefix(200))") }
        }
        let files = FileManager.default.enumerator(at: f.stateDir, includingPropertiesForKeys: nil)
        var scanned = 0
        while let url = files?.nextObject() as? URL {
            guard let data = try? Data(contentsOf: url) else { continue }
            scanned += 1
            for form in Self.forms(Self.token) where data.range(of: Data(form.utf8)) != nil { hits.append(url.lastPathComponent) }
        }
        #expect(scanned > 0, "the state directory was written")
        #expect(hits.isEmpty, "the token leaked: \(hits)")
        print("secrets (\(tokenFrom)): \(outputs.count) command outputs and \(scanned) state files searched for \(Self.forms(Self.token).count) forms of the token: \(hits.count) hits")
    }
}
