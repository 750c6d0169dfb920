import Testing
import XaasJSON
import Host

@Suite("Settings schema validator")
struct SettingsSchemaValidatorTests {
    static let schema = #"""
    {"type":"object","required":["path"],"additionalProperties":false,"properties":{
      "path":{"type":"string","minLength":1},
      "delimiter":{"enum":[",",";"]},
      "limit":{"type":"integer","minimum":1,"maximum":10},
      "columns":{"type":"array","items":{"type":"string"}},
      "status":{"type":"object","properties":{"attribute":{"type":"string"}},"additionalProperties":{"type":"boolean"}}}}
    """#

    func problems(_ json: String) throws -> [String] {
        SettingsSchemaValidator.validate(try JSONValue.parse(json), schema: Self.schema)
    }

    @Test func valid() throws {
        #expect(try problems(#"{"path":"a.csv","delimiter":";","limit":10,"columns":["a"],"status":{"attribute":"x","y":true}}"#) == [])
    }

    @Test func everyProblemWithItsPath() throws {
        let found = try problems(#"{"delimiter":"|","limit":1.5,"columns":["a",2],"status":{"attribute":3,"z":"no"},"other":null}"#)
        #expect(found == [
            "settings.path: is required",
            "settings.delimiter: must be one of \",\", \";\"",
            "settings.limit: expected integer, got number",
            "settings.columns[1]: expected string, got number",
            "settings.status.attribute: expected string, got number",
            "settings.status.z: expected boolean, got string",
            "settings.other: unknown setting",
        ])
    }

    @Test func boundsAndLengths() throws {
        #expect(try problems(#"{"path":"","limit":11}"#) == [
            "settings.path: must not be empty", "settings.limit: 11 is greater than the maximum 10",
        ])
        #expect(try problems(#"{"path":"x","limit":0}"#) == ["settings.limit: 0 is less than the minimum 1"])
        #expect(try problems("[]") == ["settings: expected object, got array"])
    }

    @Test func invalidSchema() throws {
        #expect(SettingsSchemaValidator.validate(.object([]), schema: "{").first?.hasPrefix("schema: invalid JSON") == true)
    }
}
