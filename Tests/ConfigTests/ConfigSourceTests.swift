import Foundation
import Host
import SyncTestSupport
import Testing
import TestSupport

/// `<source>.json`: every key, its default, and the JSON path of every problem.
@Suite struct ConfigSourceTests {
    /// Loads a source with `overrides` and returns its single problem's path and message (failing otherwise).
    func onlyProblem(_ overrides: KeyValuePairs<String, String?>) throws -> ConfigProblem {
        let f = try ConfigFixture()
        let (source, problems) = try f.loadSource(overrides)
        #expect(source == nil)
        #expect(problems.count == 1, "\(problems)")
        let p = try #require(problems.first)
        #expect(p.file.hasSuffix("connectors.d/acme/hr.json"))
        return p
    }

    @Test func everyOptionalKeyIsRead() throws {
        let f = try ConfigFixture()
        let (source, problems) = try f.loadSource([
            "filter": #""department == \"Okta Workflows\"""#,
            "safeguards": #"{"maxDeactivationPercent": 12.5, "maxDeactivations": 1000}"#,
            "enabled": "false", "pageSize": "200", "timeoutSeconds": "90.5",
            "schedule": #"{"every": "1h30m"}"#, "groups": "true",
        ])
        #expect(problems == [])
        let s = try #require(source)
        #expect(s.filter?.text == "department == \"Okta Workflows\"")
        #expect(s.safeguards == Safeguards(maxDeactivationPercent: 12.5, maxDeactivations: 1000))
        #expect(!s.enabled && s.groups)
        #expect(s.pageSize == 200 && s.timeoutSeconds == 90.5)
        #expect(s.schedule == .every(seconds: 5400))
    }

    @Test func requiredKeys() throws {
        #expect(try onlyProblem(["identitySourceId": nil]).jsonPath == "$.identitySourceId")
        #expect(try onlyProblem(["connector": nil]).jsonPath == "$.connector")
        #expect(try onlyProblem(["mapping": nil]).jsonPath == "$.mapping")
    }

    @Test func unknownKeysAreRefused() throws {
        let p = try onlyProblem(["pagesize": "100"])
        #expect(p.jsonPath == "$.pagesize")
        #expect(p.message.contains("unknown key") && p.message.contains("pageSize"))
        #expect(try onlyProblem(["safeguards": #"{"maxDeletes": 3}"#]).jsonPath == "$.safeguards.maxDeletes")
    }

    @Test(arguments: [
        ("identitySourceId", #""0oa-1""#, "$.identitySourceId"),
        ("identitySourceId", "42", "$.identitySourceId"),
        ("connector", #""CSV Connector""#, "$.connector"),
        ("connector", #""plugins/libNope.so""#, "$.connector"),
        ("settings", #"["path"]"#, "$.settings"),
        ("filter", #""department = \"x\"""#, "$.filter"),
        ("enabled", #""yes""#, "$.enabled"),
        ("groups", "1", "$.groups"),
        ("pageSize", "0", "$.pageSize"),
        ("pageSize", "12.5", "$.pageSize"),
        ("pageSize", #""500""#, "$.pageSize"),
        ("timeoutSeconds", "0", "$.timeoutSeconds"),
        ("timeoutSeconds", "-3", "$.timeoutSeconds"),
        ("safeguards", #"{"maxDeactivationPercent": 150}"#, "$.safeguards.maxDeactivationPercent"),
        ("safeguards", #"{"maxDeactivations": -1}"#, "$.safeguards.maxDeactivations"),
        ("safeguards", "20", "$.safeguards"),
        ("schedule", #"{"every": "15"}"#, "$.schedule.every"),
        ("schedule", #"{"every": "soon"}"#, "$.schedule.every"),
        ("schedule", #"{"every": "0s"}"#, "$.schedule.every"),
        ("schedule", #"{"every": "15m", "cron": "* * * * *"}"#, "$.schedule"),
        ("schedule", #"{"cron": "* * * *"}"#, "$.schedule.cron"),
        ("schedule", #"{"cron": "60 * * * *"}"#, "$.schedule.cron"),
        ("schedule", #"{"cron": "*/0 * * * *"}"#, "$.schedule.cron"),
        ("schedule", #"{"cron": "5-2 * * * *"}"#, "$.schedule.cron"),
        ("schedule", #"{"cron": "0 0 * FOO *"}"#, "$.schedule.cron"),
        ("schedule", #""15m""#, "$.schedule"),
    ])
    func badValuesNameTheirPath(key: String, value: String, path: String) throws {
        let p = try onlyProblem([key: value])
        #expect(p.jsonPath == path, "\(p)")
    }

    @Test func filterErrorsGiveTheColumn() throws {
        let p = try onlyProblem(["filter": #""department == Okta""#])
        #expect(p.jsonPath == "$.filter")
        #expect(p.message.hasPrefix("column 15:"), "\(p)")
    }

    @Test(arguments: [
        ("*/5 * * * *", true), ("0 9-17 * * MON-FRI", true), ("15,45 */2 1,15 JAN-JUN 0", true),
        ("0 0 31 12 7", true), ("0 24 * * *", false), ("0 0 0 * *", false), ("0 0 * 13 *", false),
        ("a b c d e", false), ("0 0 * * * *", false),
    ])
    func cronSyntax(cron: String, valid: Bool) {
        #expect((ScheduleParser.validateCron(cron) == nil) == valid)
    }

    @Test(arguments: [("30s", 30.0), ("15m", 900.0), ("1h30m", 5400.0), ("1d", 86400.0), ("0.5h", 1800.0), ("90s", 90.0)])
    func durations(text: String, seconds: Double) throws {
        #expect(try ScheduleParser.duration(text).get() == seconds)
    }

    @Test func cronScheduleIsKeptAsWritten() throws {
        let f = try ConfigFixture()
        let (source, problems) = try f.loadSource(["schedule": #"{"cron": " */5 * * * * "}"#])
        #expect(problems == [])
        #expect(source?.schedule == .cron("*/5 * * * *"))
    }

    @Test func nullDisablesTheDeactivationPercentage() throws {
        let f = try ConfigFixture()
        let (source, problems) = try f.loadSource(["safeguards": #"{"maxDeactivationPercent": null}"#])
        #expect(problems == [])
        #expect(source?.safeguards == Safeguards(maxDeactivationPercent: nil, maxDeactivations: nil))
    }

    // MARK: mapping

    @Test func mappingMustHaveUserNameAndEmail() throws {
        let p = try onlyProblem(["mapping": #"{"userName": "${email}", "firstName": "${first_name}"}"#])
        #expect(p.jsonPath == "$.mapping")
        #expect(p.message.contains("email must be mapped"))
    }

    @Test func mappingTemplateErrorsNameTheAttributeAndColumn() throws {
        let p = try onlyProblem(["mapping": #"{"userName": "${email}", "email": "${email | lowr}"}"#])
        #expect(p.jsonPath == "$.mapping.email")
        #expect(p.message.hasPrefix("column 11:"), "\(p)")
        #expect(p.message.contains("unknown function \"lowr\""))
        #expect(p.description.hasSuffix("acme/hr.json: $.mapping.email: " + p.message))
    }

    @Test func mappingValuesMustBeStringsAndNamesValid() throws {
        #expect(try onlyProblem(["mapping": #"{"userName": "${email}", "email": "${email}", "age": 3}"#]).jsonPath == "$.mapping.age")
        #expect(try onlyProblem(["mapping": #"{"userName": "${email}", "email": "${email}", "first name": "x"}"#]).jsonPath
                == #"$.mapping["first name"]"#)
        let p = try onlyProblem(["mapping": #"{"userName": "${email}", "email": "${email}", "externalId": "${id}"}"#])
        #expect(p.jsonPath == "$.mapping.externalId")
        #expect(p.message.contains("externalId"))
    }

    @Test func mappingKeepsConfigOrder() throws {
        let f = try ConfigFixture()
        let (source, _) = try f.loadSource(["mapping": #"{"email": "${mail}", "zipCode": "${zip}", "userName": "${mail}", "city": "${c}"}"#])
        #expect(source?.mapping.profileAttributes == ["email", "zipCode", "userName", "city"])
    }

    // MARK: paths

    @Test func relativeSettingsPathsResolveAgainstTheFileFolder() throws {
        let f = try ConfigFixture()
        let (source, problems) = try f.loadSource(["settings": #"""
            {"path": "data/u.csv", "caFile": "certs/ca.pem", "dataDir": "./d", "cacheDirectory": "../cache",
             "basePath": "/abs/base", "url": "https://graph.example/v1", "spoolFile": "https://x/y",
             "homePath": "~/h", "pathology": "keep", "Path": "keep-too", "nested": {"keyFile": "k.pem", "label": "x"},
             "files": ["a.csv"], "records": [{"attributes": {"homeDirectory": "rel/home"}}]}
            """#])
        #expect(problems == [])
        let s = try #require(source)
        let dir = f.root.appendingPathComponent("acme").standardizedFileURL.path
        let parent = f.root.standardizedFileURL.path
        let expected = #"{"path":"\#(dir)/data/u.csv","caFile":"\#(dir)/certs/ca.pem","dataDir":"\#(dir)/d","#
            + #""cacheDirectory":"\#(parent)/cache","basePath":"/abs/base","url":"https://graph.example/v1","#
            + #""spoolFile":"https://x/y","homePath":"~/h","pathology":"keep","Path":"keep-too","#
            + #""nested":{"keyFile":"\#(dir)/k.pem","label":"x"},"files":["a.csv"],"#
            + #""records":[{"attributes":{"homeDirectory":"rel/home"}}]}"#
        #expect(s.settingsJSON == expected)
    }

    @Test func connectorPathsResolveAgainstTheFileFolder() throws {
        let f = try ConfigFixture()
        let lib = try f.write("acme/plugins/libMine.so", "not really a library")
        let (source, problems) = try f.loadSource(["connector": #""plugins/libMine.so""#])
        #expect(problems == [])
        #expect(source?.connector == lib.standardizedFileURL.path)
        #expect(source?.connectorIsPath == true)
        let p = try onlyProblem(["connector": #""../libMissing.so""#])
        #expect(p.jsonPath == "$.connector" && p.message.contains("not found"))
    }

    @Test func settingsDefaultToAnEmptyObject() throws {
        let f = try ConfigFixture()
        let (source, problems) = try f.loadSource(["settings": nil])
        #expect(problems == [])
        #expect(source?.settingsJSON == "{}")
    }

    @Test func severalProblemsInOneFileAreAllReported() throws {
        let f = try ConfigFixture()
        let (source, problems) = try f.loadSource(["pageSize": "-1", "enabled": "null", "groups": #""no""#, "extra": "1"])
        #expect(source == nil)
        #expect(Set(problems.map(\.jsonPath)) == ["$.extra", "$.pageSize", "$.groups"])
    }
}
