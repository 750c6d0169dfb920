import Foundation
import Testing
@testable import Emulator

@Suite("Emulator configuration")
struct ConfigurationTests {
    @Test func demoOrg() {
        let demo = EmulatorConfiguration.demo()
        #expect(demo.orgs.map(\.name) == ["demo"])
        #expect(demo.orgs[0].tokens == ["demo-token"])
        #expect(demo.orgs[0].identitySources == ["0oademo000000000001"])
        #expect(demo.orgs[0].rateLimitPerMinute == nil)
        #expect(!demo.manualClock)
    }

    @Test func parsesEverySetting() throws {
        let c = try EmulatorConfiguration.parse(json: """
            {"clock":"manual","seed":9,"orgs":[{"name":"acme","tokens":["a"],"identitySources":["0oa1"],
             "rateLimit":{"perMinute":600},"cooldownSeconds":60,"processingDelayMs":5,"expirySeconds":10,
             "sessionGate":"sinceTrigger","limits":{"maxItems":10,"maxBytes":1000,"maxRequestsPerSession":3,"errorStatus":413},
             "faults":{"error500":0.5,"drop":0.1,"sessionError":0.2,"latencyMs":3},
             "createSessionStatus":200,"listSessionsIncludesInactive":true}]}
            """)
        #expect(c.manualClock && c.seed == 9)
        let o = c.orgs[0]
        #expect(o.rateLimitPerMinute == 600 && o.cooldownSeconds == 60 && o.processingDelayMs == 5)
        #expect(o.sessionGate == .sinceTrigger && o.maxItems == 10 && o.maxRequestsPerSession == 3)
        #expect(o.limitErrorStatus == 413 && o.faults.error500 == 0.5 && o.faults.latencyMs == 3)
        #expect(o.createSessionStatus == 200 && o.listSessionsIncludesInactive)
    }

    /// Defect 11 of issue #14: `1.0` and `0.0` were refused ("expected a number") while `1` and `0.5` passed.
    @Test(arguments: ["1.0", "0.0", "1", "0", "0.5", "1e0"])
    func probabilitiesAcceptEveryNumberSpelling(text: String) throws {
        let c = try EmulatorConfiguration.parse(json: #"{"orgs":[{"name":"a","faults":{"sessionError":"# + text
            + #","drop":"# + text + "}}]}")
        #expect(c.orgs[0].faults.sessionError == Double(text))
        #expect(c.orgs[0].faults.drop == Double(text))
    }

    @Test(arguments: ["true", "false", "\"1\""])
    func booleansAndStringsAreNotNumbers(text: String) {
        #expect(throws: EmulatorConfigurationError.self) {
            try EmulatorConfiguration.parse(json: #"{"orgs":[{"name":"a","faults":{"sessionError":"# + text + "}}]}")
        }
    }

    @Test(arguments: [
        (#"{"orgs":[{"name":"a","rateLimit":{"perMinute":"x"}}]}"#, "orgs[0].rateLimit.perMinute"),
        (#"{"orgs":[{"name":"a","fualts":{}}]}"#, "orgs[0].fualts"),
        (#"{"orgs":[{"name":"a","faults":{"error500":2}}]}"#, "orgs[0].faults.error500"),
        (#"{"orgs":[{"tokens":[]}]}"#, "orgs[0].name"),
        (#"{"orgs":[]}"#, "orgs"),
        (#"{"orgs":[{"name":"a"}],"clock":"fast"}"#, "clock"),
        (#"{"orgs":[{"name":"a","tokens":["t"]},{"name":"b","tokens":["t"]}]}"#, "orgs[1].tokens[0]"),
        (#"{"orgs":[{"name":"a","sessionGate":"sometimes"}]}"#, "orgs[0].sessionGate"),
    ])
    func errorsNameTheJSONPath(json: String, location: String) {
        do {
            _ = try EmulatorConfiguration.parse(json: json)
            Issue.record("expected an error at \(location)")
        } catch let error as EmulatorConfigurationError {
            #expect(error.location == location, "\(error)")
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test func loadNamesTheFile() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("xaas-emu-\(UUID().uuidString).json")
        try Data("{\"orgs\": 1}".utf8).write(to: dir)
        defer { try? FileManager.default.removeItem(at: dir) }
        #expect(throws: EmulatorConfigurationError.self) { try EmulatorConfiguration.load(path: dir.path) }
        do { _ = try EmulatorConfiguration.load(path: dir.path) } catch {
            #expect("\(error)".hasPrefix(dir.path))
        }
        #expect(throws: EmulatorConfigurationError.self) { try EmulatorConfiguration.load(path: "/nonexistent.json") }
    }
}
