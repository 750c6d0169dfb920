import Foundation
import Host
import Testing
import TestSupport

/// The host's redaction of connector secrets (defect #14.1): every form a secret is echoed in.
@Suite struct SecretRedactorTests {
    let redactor = SecretRedactor(secrets: [("settings.auth.clientSecret", "S3cr+t/Key=Val&Z9")])

    @Test func rawPercentFormJSONAndBase64FormsAreRedacted() {
        let secret = "S3cr+t/Key=Val&Z9"
        let texts = [
            "raw \(secret) end", "client_secret=S3cr%2Bt%2FKey%3DVal%26Z9&x=1", "lower s3=S3cr%2bt%2fKey%3dVal%26Z9",
            "json \"S3cr+t\\/Key=Val&Z9\"",
            "basic \(Data(("a:" + secret).utf8).base64EncodedString())",
            "b64 \(Data(secret.utf8).base64EncodedString())",
            "urlsafe \(Data(("xy" + secret).utf8).base64EncodedString().replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "+", with: "-"))",
        ]
        for text in texts {
            let out = redactor.redact(text)
            #expect(out.contains("<redacted settings.auth.clientSecret>"), "\(text) → \(out)")
            #expect(!out.contains(secret) && !out.contains("Key%3DVal") && !out.contains("Key%3dVal"), "\(out)")
        }
        #expect(redactor.redact("nothing secret here") == "nothing secret here")
    }

    @Test func settingsReferencesAndSecretNamedVariablesAreResolvedByTheHost() throws {
        let dir = try TestSupport.makeTemporaryDirectory("redactor")
        let file = dir.appendingPathComponent("key")
        try "file-secret-value\n".write(to: file, atomically: true, encoding: .utf8)
        let settings = #"{"auth": {"value": {"env": "MY_VAR"}}, "list": [{"file": "\#(file.path)"}], "path": "users.csv"}"#
        let r = SecretRedactor(settingsJSON: settings,
                               environment: ["MY_VAR": "env-secret-value", "AWS_SECRET_ACCESS_KEY": "aws-secret-value", "HOME": "/home/someone"])
        #expect(r.redact("a env-secret-value b") == "a <redacted settings.auth.value> b")
        #expect(r.redact("file-secret-value") == "<redacted settings.list[0]>")
        #expect(r.redact("aws-secret-value") == "<redacted AWS_SECRET_ACCESS_KEY>")
        #expect(r.redact("/home/someone users.csv") == "/home/someone users.csv")
    }
}
