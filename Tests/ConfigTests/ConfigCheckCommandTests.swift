import Foundation
import Host
import SyncTestSupport
import Testing
import TestSupport

/// `xaas config check` as a subprocess: exit codes, one line per problem, secrets never printed.
@Suite struct ConfigCheckCommandTests {
    @Test func theShippedExampleChecksClean() throws {
        let r = try TestSupport.xaas(["config", "check", "--config", ConfigExampleTests.example.path])
        #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
        #expect(r.stdout.contains("config ok: 2 tenants, 2 sources"))
    }

    @Test func defaultConfigIsConnectorsDInTheWorkingDirectory() throws {
        let f = try ConfigFixture()
        try f.write("acme/org.json", ConfigFixture.embeddedOrg)
        try f.write("acme/hr.json", ConfigFixture.source())
        let r = try TestSupport.xaas(["config", "check"], currentDirectory: f.base)
        #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
        #expect(r.stdout.contains("config ok: 1 tenant, 1 source (connectors.d)"))
    }

    @Test func printsOneLinePerProblemWithFileAndPath() throws {
        let f = try ConfigFixture()
        try f.write("acme/org.json", #"{"url": "https://acme.okta.com", "token": {"value": "00TopSecretToken"}}"#)
        try f.write("acme/hr.json", ConfigFixture.source(["mapping": #"{"userName": "${email}", "email": "${email | lowr}"}"#,
                                                          "pageSize": "0"]))
        let r = try TestSupport.xaas(["config", "check"], currentDirectory: f.base)
        #expect(r.status == 1)
        let lines = r.stdout.split(separator: "\n").map(String.init)
        #expect(lines.count == 3, "\(r.stdout)")
        #expect(lines.contains { $0.hasPrefix("connectors.d/acme/org.json: $.token.value: an inline token is allowed only") })
        #expect(lines.contains { $0.hasPrefix("connectors.d/acme/hr.json: $.mapping.email: column 11: unknown function \"lowr\"") })
        #expect(lines.contains { $0.hasPrefix("connectors.d/acme/hr.json: $.pageSize: 0 is out of range") })
        #expect(r.stderr.contains("3 problems"))
        #expect(!(r.stdout + r.stderr).contains("00TopSecretToken"))
    }

    @Test func unresolvableSecretsAreReportedWithoutValues() throws {
        let f = try ConfigFixture()
        let variable = "XAAS_CHECK_TOKEN_\(UInt32.random(in: 0...UInt32.max))"
        try f.write("acme/org.json", #"{"url": "https://acme.okta.com", "token": {"env": "\#(variable)"}}"#)
        try f.write("acme/hr.json", ConfigFixture.source())
        let unset = try TestSupport.xaas(["config", "check", "--config", f.root.path])
        #expect(unset.status == 1)
        #expect(unset.stdout.contains("acme/org.json: $.token.env: environment variable \(variable) is not set"))
        let set = try TestSupport.xaas(["config", "check", "--config", f.root.path], environment: [variable: "tok-VERY-SECRET"])
        #expect(set.status == 0, "\(set.stdout)")
        #expect(!(set.stdout + set.stderr).contains("tok-VERY-SECRET"))
    }

    @Test func usageErrorsExitTwo() throws {
        let r = try TestSupport.xaas(["config", "check", "--bogus"])
        #expect(r.status == 2)
        #expect(r.stderr.contains("unknown option --bogus"))
        let missing = try TestSupport.xaas(["config", "check", "--config"])
        #expect(missing.status == 2)
        let help = try TestSupport.xaas(["config", "check", "--help"])
        #expect(help.status == 0 && help.stdout.contains("usage: xaas config check"))
    }

    @Test func missingConfigDirectoryFails() throws {
        let f = try ConfigFixture()
        let r = try TestSupport.xaas(["config", "check", "--config", f.base.appendingPathComponent("none").path])
        #expect(r.status == 1)
        #expect(r.stdout.contains("config directory not found"))
    }
}
