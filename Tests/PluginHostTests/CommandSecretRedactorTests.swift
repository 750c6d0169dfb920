import Foundation
import Host
import Testing
import TestSupport

/// `{"command": [...]}` secrets on the host side: the redactor runs each distinct command once to learn
/// the value it must hide; `runCommands: false` (status) runs none; the host's own secret references
/// (Okta tokens, OAuth keys) use the same runner and its errors.
@Suite struct CommandSecretRedactorTests {
    /// A script printing `secret` that appends a line to `runs` each time it runs.
    static func countingScript(_ secret: String) throws -> (path: String, runs: URL) {
        let dir = try TestSupport.makeTemporaryDirectory("command-redactor")
        let runs = dir.appendingPathComponent("runs")
        let url = dir.appendingPathComponent("get-secret")
        try "#!/bin/sh\necho run >> '\(runs.path)'\nprintf '%s\\n' '\(secret)'\n".write(to: url, atomically: true, encoding: .utf8)
        chmod(url.path, 0o700)
        return (url.path, runs)
    }

    static func runCount(_ runs: URL) -> Int {
        (try? String(contentsOf: runs, encoding: .utf8))?.split(separator: "\n").count ?? 0
    }

    @Test func commandReferencesAreRunOnceAndRedacted() throws {
        let (path, runs) = try Self.countingScript("cmd-secret-value-42")
        let settings = #"{"auth": {"clientSecret": {"command": ["\#(path)", "x"]}}, "again": [{"command": ["\#(path)", "x"]}]}"#
        let r = SecretRedactor(settingsJSON: settings, environment: [:])
        #expect(r.redact("token=cmd-secret-value-42;") == "token=<redacted settings.auth.clientSecret>;")
        #expect(r.redact(Data("cmd-secret-value-42".utf8).base64EncodedString()).hasPrefix("<redacted"))
        #expect(Self.runCount(runs) == 1, "one run per distinct command, not per reference")

        let offline = SecretRedactor(settingsJSON: settings, environment: [:], runCommands: false)
        #expect(offline.isEmpty && Self.runCount(runs) == 1, "runCommands: false runs nothing")
    }

    @Test func aFailingCommandIsPassedOverSilently() throws {
        let r = SecretRedactor(settingsJSON: #"{"k": {"command": ["/nonexistent/vault"]}}"#, environment: [:])
        #expect(r.isEmpty)
    }

    @Test func hostSecretReferencesUseTheSameRunner() throws {
        let (path, _) = try Self.countingScript("okta-token-from-command")
        #expect(try SecretReference.command([path]).resolve() == "okta-token-from-command")
        do {
            _ = try SecretReference.command(["/bin/sh", "-c", "echo secret-in-stderr >&2; exit 7"]).resolve()
            Issue.record("a failing command resolved")
        } catch {
            #expect(error.file == "command /bin/sh")
            #expect(error.message == "secret command /bin/sh: exited with status 7 (its output and error output are not shown)")
            #expect(!error.description.contains("secret-in-stderr"))
        }
    }
}
