import Foundation
import Host
import SyncTestSupport
import Testing
import TestSupport

/// `xaas config check` loading each source's connector: lookup, schema, open, capabilities, `--connect`.
@Suite struct ConfigConnectorCheckTests {
    /// Writes an embedded tenant `t` with the given sources, runs `xaas config check` there and returns the lines.
    func check(_ sources: [(String, KeyValuePairs<String, String?>)], extra: [String] = [],
               files: [(String, String)] = []) throws -> (Int32, [String]) {
        let f = try ConfigFixture()
        try f.write("t/org.json", ConfigFixture.embeddedOrg)
        for (name, overrides) in sources { try f.write("t/\(name).json", ConfigFixture.source(overrides)) }
        for (path, text) in files { try f.write(path, text) }
        let r = try TestSupport.xaas(["config", "check"] + extra, currentDirectory: f.base)
        return (r.status, r.stdout.split(separator: "\n").map(String.init))
    }

    static let csvFile = ("t/data/u.csv", "id,email\n1,a@example.com\n")

    @Test func aValidCSVSourcePasses() throws {
        let (status, lines) = try check([("hr", [:])], extra: ["--connect"], files: [Self.csvFile])
        #expect(status == 0, "\(lines)")
        #expect(lines == ["config ok: 1 tenant, 1 source (connectors.d)"])
    }

    @Test func unknownConnectorNameIsReported() throws {
        let (status, lines) = try check([("hr", ["connector": #""nosuch""#])])
        #expect(status == 1)
        #expect(lines.count == 1)
        #expect(lines.first?.hasPrefix(#"connectors.d/t/hr.json: $.connector: no connector named "nosuch""#) == true, "\(lines)")
        #expect(lines.first?.contains("csv") == true)
    }

    @Test func settingsAreValidatedAgainstTheConnectorSchema() throws {
        let (status, lines) = try check([
            ("a", ["settings": #"{"path": "data/u.csv", "externalId": "id", "colour": "blue"}"#]),
            ("b", ["identitySourceId": #""0oa2""#, "settings": #"{"path": "data/u.csv"}"#]),
            ("c", ["identitySourceId": #""0oa3""#, "settings": #"{"path": "data/u.csv", "externalId": "id", "delimiter": ":"}"#]),
        ])
        #expect(status == 1)
        #expect(lines.contains("connectors.d/t/a.json: $.settings.colour: unknown setting"), "\(lines)")
        #expect(lines.contains("connectors.d/t/b.json: $.settings.externalId: is required"), "\(lines)")
        #expect(lines.contains { $0.hasPrefix("connectors.d/t/c.json: $.settings.delimiter: must be one of") }, "\(lines)")
        #expect(lines.count == 3)
    }

    @Test func settingsTheConnectorRefusesOnOpenAreReported() throws {
        let (status, lines) = try check([("hr", ["settings": #"{"path": "data/u.csv", "externalId": "id", "multiValueSeparator": ","}"#])])
        #expect(status == 1)
        #expect(lines.count == 1)
        #expect(lines.first?.hasPrefix("connectors.d/t/hr.json: $.settings: connector csv refused the settings") == true, "\(lines)")
    }

    @Test func groupsNeedAConnectorThatReadsThem() throws {
        // dynamodb reads no groups; csv does (its `groups` column setting).
        let (status, lines) = try check([("hr", ["connector": #""dynamodb""#, "groups": "true",
                                                 "settings": #"{"mode": "http", "endpoint": "http://127.0.0.1:9/items", "externalId": "id"}"#])])
        #expect(status == 1)
        #expect(lines == ["connectors.d/t/hr.json: $.groups: connector dynamodb does not read groups"])
        let (csv, _) = try check([("hr", ["groups": "true"])], files: [Self.csvFile])
        #expect(csv == 0)
        let (ok, _) = try check([("st", ["connector": #""static""#, "settings": #"{"records": []}"#, "groups": "true"])])
        #expect(ok == 0)
    }

    @Test func connectRunsTheConnectorsOwnCheck() throws {
        let (quiet, _) = try check([("hr", [:])])
        #expect(quiet == 0)                        // the CSV file is missing, but open does not look at it
        let (status, lines) = try check([("hr", [:])], extra: ["--connect"])
        #expect(status == 1)
        #expect(lines.first?.hasPrefix("connectors.d/t/hr.json: $.settings: connector csv check failed") == true, "\(lines)")
        #expect(lines.first?.contains("u.csv") == true)
    }

    @Test func connectorLogMessagesFollowXAASLogLevel() throws {
        let f = try ConfigFixture()
        try f.write("t/org.json", ConfigFixture.embeddedOrg)
        try f.write("t/st.json", ConfigFixture.source(["connector": #""static""#, "settings": #"{"records": [{"externalId": "u1"}]}"#]))
        let quiet = try TestSupport.xaas(["config", "check", "--connect"], currentDirectory: f.base)
        #expect(quiet.status == 0 && !quiet.stderr.contains("serving"), "\(quiet.stderr)")
        let debug = try TestSupport.xaas(["config", "check", "--connect"], environment: ["XAAS_LOG_LEVEL": "debug"],
                                         currentDirectory: f.base)
        #expect(debug.status == 0, "\(debug.stdout) \(debug.stderr)")
        #expect(debug.stderr.contains("[t/st] debug: static: serving 1 records (plugin=static)"), "\(debug.stderr)")
    }

    @Test func aConnectorGivenAsAPathIsLoadedFromThere() throws {
        let lib = TestSupport.connectorLibrary("StaticConnector").path
        let (status, lines) = try check([("st", ["connector": "\"\(lib)\"", "settings": #"{"records": []}"#])])
        #expect(status == 0, "\(lines)")
        let (bad, badLines) = try check([("st", ["connector": #""fake.so""#])], files: [("t/fake.so", "not an ELF file")])
        #expect(bad == 1)
        #expect(badLines.first?.hasPrefix("connectors.d/t/st.json: $.connector: cannot load the connector") == true, "\(badLines)")
    }
}
