import Foundation
import Host
import SyncTestSupport
import Testing
import TestSupport

/// The config directory layout: tenants, sources, problems with file + JSON path, path resolution.
@Suite struct ConfigDirectoryTests {
    @Test func loadsTenantsAndSourcesWithDefaults() throws {
        let f = try ConfigFixture()
        try f.write("acme/org.json", ConfigFixture.embeddedOrg)
        try f.write("acme/hr.json", ConfigFixture.source())
        try f.write("acme/contractors.json", ConfigFixture.source(["identitySourceId": #""0oa2def""#]))
        try f.write("acme/data/ignored.json", "not json at all")        // sub-folders are not config
        try f.write("acme/.hidden.json", "not json either")               // hidden files are not config
        try f.write("beta/org.json", #"{"url": "https://beta.okta.com", "token": {"env": "BETA_TOKEN"}}"#)
        try f.write("README.md", "# notes")
        let (dir, problems) = f.load()
        #expect(problems == [])
        #expect(dir.tenants.map(\.name) == ["acme", "beta"])
        let acme = try #require(dir.tenant(named: "acme"))
        #expect(acme.sources.map(\.name) == ["contractors", "hr"])
        #expect(dir.tenant(named: "beta")?.sources.isEmpty == true)
        let hr = try #require(acme.source(named: "hr"))
        #expect(hr.tenant == "acme")
        #expect(hr.identitySourceId == "0oa1abc")
        #expect(hr.connector == "csv")
        #expect(hr.enabled && !hr.groups)
        #expect(hr.pageSize == 500)
        #expect(hr.timeoutSeconds == SourceConfig.defaultTimeoutSeconds && hr.schedule == nil && hr.filter == nil)
        #expect(hr.safeguards == Safeguards(maxDeactivationPercent: 20, maxDeactivations: nil))
        #expect(hr.mapping.profileAttributes == ["userName", "email"])
        #expect(hr.file.lastPathComponent == "hr.json")
        #expect(acme.org.endpoint == .embedded && acme.org.token == nil)
        #expect(acme.org.authScheme == "SSWS" && acme.org.rateLimitShare == 0.5 && acme.org.rateLimitPerMinute == nil)
        #expect(dir.sources.count == 2)
    }

    @Test func missingDirectoryIsAProblem() throws {
        let f = try ConfigFixture()
        let (dir, problems) = ConfigDirectory.load(f.root.appendingPathComponent("nope"))
        #expect(dir.tenants.isEmpty)
        #expect(problems.count == 1)
        #expect(problems.first?.message.contains("not found") == true)
    }

    @Test func emptyDirectoryIsAProblem() throws {
        let f = try ConfigFixture()
        let (_, problems) = f.load()
        #expect(problems.count == 1)
        #expect(problems.first?.message.contains("no tenants") == true)
    }

    @Test func jsonAtTheTopLevelIsAProblem() throws {
        let f = try ConfigFixture()
        try f.write("hr.json", ConfigFixture.source())
        let (_, problems) = f.load()
        #expect(problems.count == 1)
        #expect(problems.first?.file.hasSuffix("connectors.d/hr.json") == true)
        #expect(problems.first?.message.contains("tenant folder") == true)
    }

    @Test func missingOrgDropsTheTenantButStillChecksItsSources() throws {
        let f = try ConfigFixture()
        try f.write("acme/hr.json", ConfigFixture.source(["colour": #""blue""#]))
        try f.write("good/org.json", ConfigFixture.embeddedOrg)
        try f.write("good/hr.json", ConfigFixture.source())
        let (dir, problems) = f.load()
        #expect(dir.tenants.map(\.name) == ["good"])
        #expect(problems.map(\.jsonPath) == ["", "$.colour"])
        #expect(problems[0].file.hasSuffix("acme/org.json"))
        #expect(problems[0].message.contains("missing"))
        #expect(problems[1].file.hasSuffix("acme/hr.json"))
    }

    @Test func invalidJSONNamesLineAndColumn() throws {
        let f = try ConfigFixture()
        try f.write("acme/org.json", ConfigFixture.embeddedOrg)
        try f.write("acme/hr.json", "{\n  \"identitySourceId\": \"0oa1\",\n  \"connector\" \"csv\"\n}")
        let (dir, problems) = f.load()
        #expect(dir.tenant(named: "acme")?.sources.isEmpty == true)
        let p = try #require(problems.first)
        #expect(problems.count == 1)
        #expect(p.file.hasSuffix("acme/hr.json"))
        #expect(p.message.contains("line 3, column"))
        #expect(p.description.hasPrefix(p.file + ": invalid JSON at line 3"))
    }

    @Test func duplicateKeysAndNonObjectsAreRefused() throws {
        let f = try ConfigFixture()
        try f.write("acme/org.json", #"{"url": "embedded", "url": "embedded"}"#)
        try f.write("beta/org.json", #"["embedded"]"#)
        let (dir, problems) = f.load()
        #expect(dir.tenants.isEmpty)
        #expect(problems.count == 2)
        #expect(problems[0].message.contains("duplicate key"))
        #expect(problems[1].jsonPath == "$" && problems[1].message.contains("expected a JSON object"))
    }

    @Test func problemDescriptionIsFilePathMessage() {
        let p = ConfigProblem(file: "connectors.d/acme/hr.json", jsonPath: "$.mapping.userName", message: "bad")
        #expect(p.description == "connectors.d/acme/hr.json: $.mapping.userName: bad")
        #expect(ConfigProblem(file: "f.json", jsonPath: "", message: "m").description == "f.json: m")
    }

    @Test func oneBadSourceDoesNotDropTheOthers() throws {
        let f = try ConfigFixture()
        try f.write("acme/org.json", ConfigFixture.embeddedOrg)
        try f.write("acme/bad.json", ConfigFixture.source(["identitySourceId": nil]))
        try f.write("acme/good.json", ConfigFixture.source(["identitySourceId": #""0oa9""#]))
        let (dir, problems) = f.load()
        #expect(dir.tenant(named: "acme")?.sources.map(\.name) == ["good"])
        #expect(problems.map(\.jsonPath) == ["$.identitySourceId"])
        #expect(problems.first?.file.hasSuffix("acme/bad.json") == true)
        #expect(problems.first?.message.contains("required") == true)
    }

    @Test func duplicateIdentitySourceIdInATenantIsRefused() throws {
        let f = try ConfigFixture()
        try f.write("acme/org.json", ConfigFixture.embeddedOrg)
        try f.write("acme/a.json", ConfigFixture.source())
        try f.write("acme/b.json", ConfigFixture.source())
        let (dir, problems) = f.load()
        #expect(dir.tenant(named: "acme")?.sources.map(\.name) == ["a"])
        #expect(problems.count == 1)
        #expect(problems.first?.file.hasSuffix("acme/b.json") == true)
        #expect(problems.first?.jsonPath == "$.identitySourceId")
        #expect(problems.first?.message.contains("a.json") == true)
    }

    @Test func badFolderAndFileNamesAreRefused() throws {
        let f = try ConfigFixture()
        try f.write("ac me/org.json", ConfigFixture.embeddedOrg)
        try f.write("acme/org.json", ConfigFixture.embeddedOrg)
        try f.write("acme/h r.json", ConfigFixture.source())
        let (dir, problems) = f.load()
        #expect(dir.tenants.map(\.name) == ["acme"])
        #expect(problems.count == 2)
        #expect(problems.contains { $0.file.hasSuffix("ac me") && $0.message.contains("tenant folder name") })
        #expect(problems.contains { $0.file.hasSuffix("h r.json") && $0.message.contains("source file name") })
    }

    @Test func defaultStateDirectoryIsBesideTheConfig() {
        let url = ConfigDirectory.defaultStateDirectory(for: URL(fileURLWithPath: "/srv/xaas/connectors.d"))
        #expect(url.path == "/srv/xaas/.xaas")
        let dotted = ConfigDirectory.defaultStateDirectory(for: URL(fileURLWithPath: "/srv/xaas/./conf/../connectors.d/"))
        #expect(dotted.path == "/srv/xaas/.xaas")
    }

    @Test func descriptionsNameThingsWithoutSettings() throws {
        let f = try ConfigFixture()
        let (source, _) = try f.loadSource(["settings": #"{"path": "u.csv", "password": "hunter2"}"#])
        let s = try #require(source)
        #expect(s.settingsJSON.contains("hunter2"))       // passed to the connector…
        #expect(!s.description.contains("hunter2"))       // …but never printed
        #expect(!"\(s)".contains("hunter2"))
        var dumped = ""
        dump(s, to: &dumped)
        #expect(!dumped.contains("hunter2"))
        #expect(s.description.contains("acme/hr"))
    }
}
