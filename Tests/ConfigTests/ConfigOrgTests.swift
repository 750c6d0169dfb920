import Foundation
import Host
import SyncTestSupport
import Testing
import TestSupport

/// `org.json`: endpoints, tokens and their safety rules, auth, rate limits.
@Suite struct ConfigOrgTests {
    /// Loads `org` as `acme/org.json` (plus extra files) and returns the org and the problems.
    func load(_ org: String, files: [(String, String, Int)] = []) throws -> (OrgConfig?, [ConfigProblem], ConfigFixture) {
        let f = try ConfigFixture()
        for (path, text, mode) in files { try f.write(path, text, mode: mode) }
        try f.write("acme/org.json", org)
        let (dir, problems) = f.load()
        return (dir.tenant(named: "acme")?.org, problems, f)
    }

    @Test func remoteOrgWithEnvToken() throws {
        let (org, problems, _) = try load(#"""
        {"url": "https://acme.okta.com/", "token": {"env": "ACME_OKTA_TOKEN"}, "auth": "Bearer",
         "rateLimit": {"perMinute": 600, "share": 0.25}}
        """#)
        #expect(problems == [])
        let o = try #require(org)
        #expect(o.endpoint == .remote(URL(string: "https://acme.okta.com")!))
        #expect(o.authScheme == "Bearer" && o.rateLimitPerMinute == 600 && o.rateLimitShare == 0.25)
        guard case .env("ACME_OKTA_TOKEN")? = o.token else { Issue.record("token \(String(describing: o.token))"); return }
        #expect(!o.isLocal)
    }

    @Test(arguments: ["http://127.0.0.1:8080", "http://localhost:9000", "http://[::1]:8080", "http://127.1.2.3"])
    func httpIsAllowedOnLoopback(url: String) throws {
        let (org, problems, _) = try load(#"{"url": "\#(url)", "token": {"value": "local-test-token"}}"#)
        #expect(problems == [])
        #expect(org?.isLocal == true)
    }

    @Test(arguments: [
        ("http://acme.okta.com", "https is required"),
        ("ftp://acme.okta.com", "unsupported scheme"),
        ("acme.okta.com", "absolute URL"),
        ("https://acme.okta.com/api/v1", "no path"),
        ("https://acme.okta.com?x=1", "no path"),
        ("http://127.0.0.1.evil.example", "https is required"),
    ])
    func badURLsAreRefused(url: String, expected: String) throws {
        let (org, problems, _) = try load(#"{"url": "\#(url)", "token": {"env": "T"}}"#)
        #expect(org == nil)
        #expect(problems.count == 1)
        #expect(problems.first?.jsonPath == "$.url")
        #expect(problems.first?.message.contains(expected) == true, "\(problems)")
    }

    @Test func remoteOrgNeedsAToken() throws {
        let (org, problems, _) = try load(#"{"url": "https://acme.okta.com"}"#)
        #expect(org == nil)
        #expect(problems.map(\.jsonPath) == ["$.token"])
    }

    @Test func inlineTokenOnARemoteOrgIsRefusedWithoutShowingIt() throws {
        let (org, problems, _) = try load(#"{"url": "https://acme.okta.com", "token": {"value": "00SuperSecretValue"}}"#)
        #expect(org == nil)
        #expect(problems.count == 1)
        let p = try #require(problems.first)
        #expect(p.file.hasSuffix("acme/org.json"))
        #expect(p.jsonPath == "$.token.value")
        #expect(p.message.contains("only for embedded or loopback"))
        #expect(!p.description.contains("00SuperSecretValue"))
    }

    @Test func inlineTokenOnAnEmbeddedOrgIsAllowed() throws {
        let (org, problems, _) = try load(#"{"url": "embedded", "token": {"value": "abc"}}"#)
        #expect(problems == [])
        #expect(try org?.resolveToken() == "abc")
    }

    @Test func tokenFileReadableByOthersIsRefused() throws {
        let (org, problems, _) = try load(#"{"url": "https://acme.okta.com", "token": {"file": "secrets/acme"}}"#,
                                          files: [("acme/secrets/acme", "s3cr3t\n", 0o644)])
        #expect(org == nil)
        #expect(problems.count == 1)
        #expect(problems.first?.jsonPath == "$.token.file")
        #expect(problems.first?.message.contains("chmod 600") == true)
        #expect(problems.first?.description.contains("s3cr3t") == false)
    }

    @Test func tokenFileReadableByGroupIsRefused() throws {
        let (org, problems, _) = try load(#"{"url": "https://acme.okta.com", "token": {"file": "secrets/acme"}}"#,
                                          files: [("acme/secrets/acme", "s3cr3t\n", 0o640)])
        #expect(org == nil)
        #expect(problems.first?.message.contains("group or others") == true)
    }

    @Test func privateTokenFileResolvesRelativeToTheTenantFolder() throws {
        let (org, problems, f) = try load(#"{"url": "https://acme.okta.com", "token": {"file": "secrets/acme"}}"#,
                                          files: [("acme/secrets/acme", "s3cr3t\n", 0o600)])
        #expect(problems == [])
        let o = try #require(org)
        guard case .file(let url)? = o.token else { Issue.record("expected a file token"); return }
        #expect(url.path == f.root.appendingPathComponent("acme/secrets/acme").standardizedFileURL.path)
        #expect(try o.resolveToken() == "s3cr3t")
        #expect(!o.description.contains("s3cr3t"))
    }

    @Test func tokenFileChangedToUnsafeAfterLoadIsRefusedAtResolve() throws {
        let (org, _, f) = try load(#"{"url": "https://acme.okta.com", "token": {"file": "secrets/acme"}}"#,
                                   files: [("acme/secrets/acme", "s3cr3t", 0o600)])
        let o = try #require(org)
        try FileManager.default.setAttributes([.posixPermissions: 0o604],
                                              ofItemAtPath: f.root.appendingPathComponent("acme/secrets/acme").path)
        let error = #expect(throws: ConfigProblem.self) { try o.resolveToken() }
        #expect(error?.file.hasSuffix("acme/org.json") == true)
        #expect(error?.jsonPath == "$.token.file")
        #expect(error?.description.contains("s3cr3t") == false)
    }

    @Test func missingTokenFileIsRefused() throws {
        let (org, problems, _) = try load(#"{"url": "https://acme.okta.com", "token": {"file": "/nonexistent/xaas-token"}}"#)
        #expect(org == nil)
        #expect(problems.first?.jsonPath == "$.token.file")
        #expect(problems.first?.message.contains("not found") == true)
    }

    @Test func envTokenResolvesLazilyAndNamesTheVariableWhenUnset() throws {
        let name = "XAAS_TEST_TOKEN_\(UInt32.random(in: 0...UInt32.max))"
        let (org, problems, _) = try load(#"{"url": "https://acme.okta.com", "token": {"env": "\#(name)"}}"#)
        #expect(problems == [])
        let o = try #require(org)
        let error = #expect(throws: ConfigProblem.self) { try o.resolveToken() }
        #expect(error?.jsonPath == "$.token.env")
        #expect(error?.file.hasSuffix("acme/org.json") == true)
        #expect(error?.message.contains(name) == true)
        setenv(name, "tok-from-env", 1)
        defer { unsetenv(name) }
        #expect(try o.resolveToken() == "tok-from-env")
    }

    @Test(arguments: [
        (#"{"env": "A", "file": "b"}"#, "$.token"),
        (#"{"vault": "x"}"#, "$.token.vault"),
        (#""plain-token""#, "$.token"),
        (#"{"env": "1BAD"}"#, "$.token.env"),
        (#"{"env": ""}"#, "$.token.env"),
    ])
    func malformedTokensAreRefused(token: String, path: String) throws {
        let (org, problems, _) = try load(#"{"url": "https://acme.okta.com", "token": \#(token)}"#)
        #expect(org == nil)
        #expect(problems.first?.jsonPath == path, "\(problems)")
    }

    @Test(arguments: [
        (#""auth": "Basic""#, "$.auth"),
        (#""rateLimit": {"share": 0}"#, "$.rateLimit.share"),
        (#""rateLimit": {"share": 1.5}"#, "$.rateLimit.share"),
        (#""rateLimit": {"perMinute": 0}"#, "$.rateLimit.perMinute"),
        (#""rateLimit": {"perMinute": 1.5}"#, "$.rateLimit.perMinute"),
        (#""rateLimit": {"burst": 3}"#, "$.rateLimit.burst"),
        (#""rateLimit": 600"#, "$.rateLimit"),
        (#""region": "eu""#, "$.region"),
        (#""sessionCooldownSeconds": 3601"#, "$.sessionCooldownSeconds"),
        (#""sessionCooldownSeconds": "5m""#, "$.sessionCooldownSeconds"),
    ])
    func badOrgSettingsNameTheirPath(member: String, path: String) throws {
        let (org, problems, _) = try load(#"{"url": "embedded", \#(member)}"#)
        #expect(org == nil)
        #expect(problems.map(\.jsonPath) == [path])
    }

    @Test func sessionCooldownIsOptional() throws {
        let (plain, _, _) = try load(#"{"url": "embedded"}"#)
        #expect(plain?.sessionCooldownSeconds == nil)
        let (fast, problems, _) = try load(#"{"url": "embedded", "sessionCooldownSeconds": 0}"#)
        #expect(problems == [])
        #expect(fast?.sessionCooldownSeconds == 0)
    }

    @Test func secretReferenceNeverPrintsAValue() {
        let secret = SecretReference.value("hunter2-secret")
        #expect(!secret.description.contains("hunter2"))
        #expect(!String(reflecting: secret).contains("hunter2"))
        var dumped = ""
        dump(secret, to: &dumped)
        #expect(!dumped.contains("hunter2"))
        let org = OrgConfig(endpoint: .embedded, token: secret)
        #expect(!org.description.contains("hunter2"))
        #expect(SecretReference.env("X").description == "env X")
    }
}
