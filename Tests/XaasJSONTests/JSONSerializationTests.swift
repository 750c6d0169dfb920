import Testing
import XaasJSON

/// Serialising: compact text, escapes, and round trips through the parser.
@Suite("XaasJSON serialisation")
struct JSONSerializationTests {
    @Test("compact text in stored order")
    func compact() {
        let value = JSONValue.object([
            ("b", .array([.null, .bool(true), .bool(false), .number("-1.5e3")])), ("a", .string("x")), ("e", .object([])),
        ])
        #expect(value.serialized == #"{"b":[null,true,false,-1.5e3],"a":"x","e":{}}"#)
    }

    @Test("quotes, backslashes and control characters are escaped; '/' and non-ASCII are not")
    func escapes() {
        let text = "\"\\/\n\r\t\u{08}\u{0C}\u{01}\u{1F}é😀"
        #expect(JSONValue.string(text).serialized == #""\"\\/\n\r\t\b\f\u0001\u001fé😀""#)
    }

    @Test("keys are escaped like strings")
    func keys() {
        #expect(JSONValue.object([("a\"b\n", .null)]).serialized == #"{"a\"b\n":null}"#)
    }

    @Test("writeString appends to what is there")
    func writeString() {
        var out = "x="
        JSONValue.writeString("q\"", to: &out)
        #expect(out == #"x="q\"""#)
    }

    @Test("parse → serialise → parse is the identity", arguments: [
        #"{"users":[{"id":"00u1","n":12345678901234567890,"f":0.10,"s":"tab\there","u":"😀"}],"x":null}"#,
        #"[[[[]]],{},"",-0.0,1E-9,true]"#,
        "\"\\u0000\\u001f\"",
    ])
    func roundTrip(text: String) throws {
        let value = try JSONValue.parse(text)
        let again = try JSONValue.parse(value.serialized)
        #expect(again == value)
        #expect(again.serialized == value.serialized)
    }

    @Test("every control character survives a round trip")
    func controlCharacters() throws {
        let text = String((0..<0x20).map { Character(Unicode.Scalar($0)!) })
        let serialized = JSONValue.string(text).serialized
        #expect(!serialized.unicodeScalars.contains { $0.value < 0x20 })
        #expect(try JSONValue.parse(serialized).stringValue == text)
    }
}
