import PluginAPI
import PluginKit
import Testing
import XaasJSON

@Suite("PluginKit Settings and StatusRule")
struct SettingsTests {
    @Test func typedAccessorsNameThePath() throws {
        let s = try Settings(json: #"{"path":"a.csv","limit":5,"flag":true,"cols":["a","b"],"nested":{"x":1}}"#)
        #expect(try s.requiredString("path") == "a.csv")
        #expect(try s.int("limit", range: 1 ... 10) == 5)
        #expect(try s.bool("flag") == true)
        #expect(try s.stringArray("cols") == ["a", "b"])
        let nested = try #require(try s.object("nested"))
        #expect(nested.path == "settings.nested")
        #expect(throws: ConnectorError.self) { try nested.string("x") }
        do {
            _ = try nested.string("x")
        } catch let error as ConnectorError {
            #expect(error.status == XAAS_CONFIG && error.message == "settings.nested.x: expected a string, got number")
        } catch {
            Issue.record("unexpected \(error)")
        }
        try s.rejectUnknownKeys()
    }

    @Test func errors() throws {
        let s = try Settings(json: #"{"limit":50,"cols":["a",1],"extra":null,"path":""}"#)
        #expect(throws: ConnectorError.self) { try s.int("limit", range: 1 ... 10) }
        #expect(throws: ConnectorError.self) { try s.stringArray("cols") }
        #expect(throws: ConnectorError.self) { try s.requiredString("path") }
        #expect(throws: ConnectorError.self) { try s.requiredString("missing") }
        var unknown: ConnectorError?
        do { try s.rejectUnknownKeys() } catch { unknown = error as? ConnectorError }
        #expect(unknown?.message == "settings.extra: unknown setting")
        #expect(throws: ConnectorError.self) { try Settings(json: "[1]") }
        #expect(throws: ConnectorError.self) { try Settings(json: "{") }
    }

    @Test func statusRule() throws {
        let settings = try Settings(json: #"{"status":{"attribute":"enabled","activeValues":["Yes"]}}"#)
        let rule = try #require(try StatusRule.parse(settings))
        #expect(rule.status(forValue: " yes ") == .active)
        #expect(rule.status(forValue: "no") == .inactive)
        #expect(rule.status(forValue: nil) == .inactive)
        #expect(rule.status(of: [.init("enabled", "YES")]) == .active)
        let bad = try Settings(json: #"{"status":{"attribute":"a","missing":"maybe"}}"#)
        #expect(throws: ConnectorError.self) { try StatusRule.parse(bad) }
        #expect(try StatusRule.parse(try Settings(json: "{}")) == nil)
    }
}

@Suite("XaasJSON")
struct JSONValueTests {
    @Test func keepsNumberTextAndOrder() throws {
        let v = try JSONValue.parse(#"{"b":12345678901234567890,"a":0.10,"s":"é\n\u0001"}"#)
        #expect(v["b"]?.numberText == "12345678901234567890")
        #expect(v["a"]?.numberText == "0.10")
        #expect(v.objectValue?.map(\.key) == ["b", "a", "s"])
        #expect(v.serialized == #"{"b":12345678901234567890,"a":0.10,"s":"é\n\u0001"}"#)
    }

    @Test func rejectsBadDocuments() {
        for text in [#"{"a":1,"a":2}"#, "[1,]", "01", #""\x""#, "{} x", ""] {
            #expect(throws: (any Error).self, "\(text)") { try JSONValue.parse(text) }
        }
    }

    @Test func errorPosition() throws {
        do {
            _ = try JSONValue.parse("{\n  \"a\": tru\n}")
            Issue.record("should not parse")
        } catch let error as JSONParseError {
            #expect(error.line == 2)
        }
    }
}
