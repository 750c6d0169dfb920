import Foundation
import PluginAPI
import PluginKit
import Testing
import TestSupport
import XaasSecrets

/// The `{"command": [...]}` secret form: the shared runner (XaasSecrets) and PluginKit's ``SecretSetting``.
@Suite("secret commands: {\"command\": [...]} for connector settings")
struct SecretCommandTests {
    /// Writes an executable `/bin/sh` script `name` holding `body` into a fresh directory; returns its path.
    static func script(_ name: String, _ body: String) throws -> String {
        let dir = try TestSupport.makeTemporaryDirectory("secret-command")
        let url = dir.appendingPathComponent(name)
        try "#!/bin/sh\n\(body)\n".write(to: url, atomically: true, encoding: .utf8)
        chmod(url.path, 0o700)
        return url.path
    }

    private func configMessage(_ body: () throws -> Void) -> String? {
        do { try body() } catch let error as ConnectorError {
            #expect(error.status == XAAS_CONFIG)
            return error.message
        } catch { Issue.record("unexpected \(error)") }
        return nil
    }

    @Test func parsesTheCommandForm() throws {
        let s = try Settings(json: #"{"k": {"command": ["vault", "kv", "get", "-field=key", "secret/x"]}}"#)
        let secret = try #require(try SecretSetting.parse(s, "k"))
        #expect(secret.source == .command(["vault", "kv", "get", "-field=key", "secret/x"]))
        #expect(secret.description == "command vault")
        for (json, fragment) in [(#"{"k": {"command": []}}"#, "settings.k.command: expected the program"),
                                 (#"{"k": {"command": [""]}}"#, "settings.k.command: expected the program"),
                                 (#"{"k": {"command": "vault kv get"}}"#, "settings.k.command"),
                                 (#"{"k": {"command": ["vault", 3]}}"#, "settings.k.command[1]"),
                                 (#"{"k": {"command": ["a"], "env": "B"}}"#, "settings.k: expected")] {
            let s = try Settings(json: json)
            let text = try #require(configMessage { _ = try SecretSetting.parse(s, "k") })
            #expect(text.contains(fragment), "\(json): \(text)")
        }
    }

    @Test func resolvesTheProgramsOutputWithoutAShell() throws {
        let path = try Self.script("print", #"printf 's3cret-%s|%s\n' "$1" "$2""#)
        // No shell between us and the program: "$1 x" and "; rm" arrive as plain arguments.
        let secret = SecretSetting(.command([path, "$HOME", "; rm -rf /"]), setting: "settings.token")
        #expect(try secret.resolve() == "s3cret-$HOME|; rm -rf /")
        #expect(try SecretCommand(arguments: ["printf", "abc\n"]).run() == "abc", "a bare name is looked up on PATH")
    }

    @Test func failuresNameTheSettingAndProgramNeverTheOutput() throws {
        let failing = try Self.script("fail", "echo leaked-stdout-secret; echo leaked-stderr-secret >&2; exit 3")
        let text = try #require(configMessage { _ = try SecretSetting(.command([failing]), setting: "settings.token").resolve() })
        #expect(text == "settings.token: secret command \(failing): exited with status 3 (its output and error output are not shown)")
        #expect(!text.contains("leaked"))

        let missing = configMessage { _ = try SecretSetting(.command(["/nonexistent/vault"]), setting: "settings.a").resolve() }
        #expect(missing == "settings.a: secret command /nonexistent/vault: program not found")
        let notOnPath = configMessage { _ = try SecretSetting(.command(["xaas-no-such-program"]), setting: "settings.a").resolve() }
        #expect(notOnPath == "settings.a: secret command xaas-no-such-program: program not found on PATH")

        let empty = try Self.script("empty", "exit 0")
        #expect(configMessage { _ = try SecretSetting(.command([empty]), setting: "settings.a").resolve() }?
            .hasSuffix("printed nothing") == true)
        let twoLines = try Self.script("two", "printf 'one\\ntwo\\n'")
        #expect(configMessage { _ = try SecretSetting(.command([twoLines]), setting: "settings.a").resolve() }?
            .hasSuffix("must print exactly one line") == true)
        #expect(try SecretCommand(arguments: [twoLines]).run(multiline: true) == "one\ntwo")
    }

    @Test func aHangingProgramIsKilledAtTheTimeout() throws {
        let hang = try Self.script("hang", "exec sleep 30")
        let start = Date()
        #expect(throws: SecretCommandError.timedOut(program: hang, seconds: 0.5)) {
            _ = try SecretCommand(arguments: [hang], timeoutSeconds: 0.5).run()
        }
        #expect(Date().timeIntervalSince(start) < 10, "the program was killed, not waited for")
        #expect(SecretCommandError.timedOut(program: hang, seconds: 30).description == "secret command \(hang): did not finish within 30 s (killed)")
    }

    @Test func outputLargerThanTheCapIsRefused() throws {
        let big = try Self.script("big", "head -c 100000 /dev/zero | tr '\\0' 'a'")
        #expect(throws: SecretCommandError.outputTooLarge(program: big, limit: 4096)) {
            _ = try SecretCommand(arguments: [big], maximumOutputBytes: 4096).run()
        }
    }
}
