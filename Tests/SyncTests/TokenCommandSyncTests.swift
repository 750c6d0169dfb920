import Foundation
import SyncTestSupport
import Testing
import TestSupport

/// The `{"command": [...]}` secret form for an org's API token, through `xaas sync`: the program runs
/// without a shell, its stdout is the token, and what it writes on stderr (which may echo the secret) is
/// never shown.
@Suite("org.json token from a {\"command\": [...]} secret")
struct TokenCommandSyncTests {
    @Test("xaas sync with the token from a program: the run works, the program's stderr is not shown, a failing program is named")
    func tokenFromCommand() throws {
        let f = try EmulatorFixture()
        try f.writeUsers(WorkshopRow.make(5))
        let script = f.root.appendingPathComponent("vault.sh")
        // Prints the token on stdout and, as a chatty secret manager might, on stderr too.
        try "#!/bin/sh\necho \"$1\"\necho \"debug: fetched $1\" >&2\n".write(to: script, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o700], ofItemAtPath: script.path)
        try f.write("acme/org.json", """
            {"url": "http://127.0.0.1:\(f.port)", "token": {"command": ["\(script.path)", "\(EmulatorFixture.token)"]},
             "sessionCooldownSeconds": 1}
            """)
        let (status, run, stderr) = try f.sync()
        #expect(status == 0, "\(stderr)")
        #expect(run?["status"]?.stringValue == "ok", "\(run?.serialized ?? "")")
        #expect(try f.activeUsers("acme").count == 5)
        let output = stderr + (run?.serialized ?? "")
        #expect(!output.contains(EmulatorFixture.token), "the token was shown")

        try f.write("acme/org.json", """
            {"url": "http://127.0.0.1:\(f.port)", "token": {"command": ["/bin/false"]}, "sessionCooldownSeconds": 1}
            """)
        let failed = try f.sync()
        #expect(failed.status != 0)
        let text = failed.stderr + (failed.run?.serialized ?? "")
        #expect(text.contains("/bin/false") && text.contains("exited with status 1"), "\(text)")
    }
}
