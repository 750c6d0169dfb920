import Testing
import XaasJSON

/// Parsing valid documents: every value kind, exact number text, member order, escapes.
@Suite("XaasJSON parsing")
struct JSONParseTests {
    @Test("every value kind parses to its case")
    func valueKinds() throws {
        let value = try JSONValue.parse(#" {"n":null,"t":true,"f":false,"i":-12,"s":"x","a":[1,[]],"o":{}} "#)
        #expect(value["n"] == .null)
        #expect(value["t"]?.boolValue == true)
        #expect(value["f"]?.boolValue == false)
        #expect(value["i"]?.intValue == -12)
        #expect(value["s"]?.stringValue == "x")
        #expect(value["a"] == .array([.number("1"), .array([])]))
        #expect(value["o"]?.objectValue?.isEmpty == true)
        #expect(value["missing"] == nil)
        #expect(value.typeName == "object")
    }

    @Test("numbers keep their exact source text", arguments: [
        "12345678901234567890", "0.1", "-0", "1e400", "1E+2", "2.50", "-0.000001e-7", "123456789012345678901234567890.123456789",
    ])
    func exactNumbers(text: String) throws {
        let value = try JSONValue.parse(text)
        #expect(value.numberText == text)
        #expect(value.serialized == text)
        #expect(try JSONValue.parse("[\(text)]").serialized == "[\(text)]")
    }

    @Test("intValue only for integers that fit; doubleValue is lossy")
    func numberAccessors() throws {
        #expect(try JSONValue.parse("9223372036854775807").intValue == Int.max)
        #expect(try JSONValue.parse("9223372036854775808").intValue == nil)
        #expect(try JSONValue.parse("1.5").intValue == nil)
        #expect(try JSONValue.parse("1.5").doubleValue == 1.5)
        #expect(try JSONValue.parse("\"1\"").intValue == nil)
    }

    @Test("object members keep source order")
    func memberOrder() throws {
        let value = try JSONValue.parse(#"{"z":1,"a":2,"m":3}"#)
        #expect(value.objectValue?.map(\.key) == ["z", "a", "m"])
        #expect(value.serialized == #"{"z":1,"a":2,"m":3}"#)
    }

    @Test("escapes decode: short forms, \\u, surrogate pairs")
    func escapes() throws {
        let value = try JSONValue.parse(#""q\" b\\ s\/ \b\f\n\r\t \u00e9 \u0000 \ud83d\ude00""#)
        #expect(value.stringValue == "q\" b\\ s/ \u{08}\u{0C}\n\r\t é \u{0} 😀")
    }

    @Test("raw multi-byte UTF-8 passes through")
    func rawUTF8() throws {
        #expect(try JSONValue.parse("\"Zoë 日本 😀\"").stringValue == "Zoë 日本 😀")
    }

    @Test("white space around and inside is allowed; the byte and string entry points agree")
    func whitespace() throws {
        let text = " \t\r\n[ 1 ,\n\t{ \"a\" : [ ] } ] \n"
        let fromString = try JSONValue.parse(text)
        #expect(fromString == .array([.number("1"), .object([("a", .array([]))])]))
        #expect(try JSONValue.parse(bytes: Array(text.utf8)) == fromString)
    }

    @Test("equality compares objects in order")
    func equality() throws {
        #expect(try JSONValue.parse(#"{"a":1,"b":2}"#) != (try JSONValue.parse(#"{"b":2,"a":1}"#)))
        #expect(try JSONValue.parse(#"{"a":1}"#) == .object([("a", .number("1"))]))
        #expect(JSONValue.number("1") != JSONValue.number("1.0"))
    }
}
