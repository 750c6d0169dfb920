import Testing
import XaasJSON

/// Invalid input: every rejection names what is wrong and where (line, column, byte offset), and
/// nesting is limited so a hostile document cannot exhaust the stack.
@Suite("XaasJSON invalid input")
struct JSONInvalidInputTests {
    /// The error `text` raises (a failed expectation when it parses).
    func failure(_ text: String) -> JSONParseError? {
        do {
            let value = try JSONValue.parse(bytes: Array(text.utf8))
            Issue.record("parsed \(text.debugDescription) as \(value.serialized)")
            return nil
        } catch let error as JSONParseError {
            return error
        } catch {
            Issue.record("unexpected error type \(type(of: error))")
            return nil
        }
    }

    @Test("each problem is named, with line and column", arguments: [
        ("", "unexpected end of input", 1, 1),
        ("[1,]", "unexpected character", 1, 4),
        ("{\"a\":1,}", "expected a string key", 1, 8),
        ("{\"a\" 1}", "expected ':'", 1, 6),
        ("{\"a\":1 \"b\":2}", "expected ',' or '}'", 1, 8),
        ("[1 2]", "expected ',' or ']'", 1, 4),
        ("{\"a\":1,\"a\":2}", "duplicate key \"a\"", 1, 11),
        ("tru", "unexpected end of input", 1, 1),
        ("nul1", "invalid literal", 1, 1),
        ("01", "unexpected data after the JSON value", 1, 2),
        ("1.", "invalid number", 1, 3),
        ("-", "invalid number", 1, 2),
        ("1e+", "invalid number", 1, 4),
        ("+1", "unexpected character", 1, 1),
        ("NaN", "unexpected character", 1, 1),
        ("\"abc", "unterminated string", 1, 5),
        ("\"a\tb\"", "unescaped control character in string", 1, 3),
        ("\"\\x\"", "invalid escape", 1, 4),
        ("\"\\u12G4\"", "invalid \\u escape", 1, 6),
        ("\"\\u12", "truncated \\u escape", 1, 4),
        ("\"\\ud800\"", "lone surrogate in \\u escape", 1, 8),
        ("\"\\udc00\"", "lone surrogate in \\u escape", 1, 8),
        ("\"\\ud800\\u0041\"", "invalid surrogate pair", 1, 14),
        ("[1]\n[2]", "unexpected data after the JSON value", 2, 1),
        ("{\n  \"a\": [1,\n    2,,\n  ]\n}", "unexpected character", 3, 7),
    ])
    func positions(text: String, message: String, line: Int, column: Int) {
        guard let error = failure(text) else { return }
        #expect(error.message == message, "\(text.debugDescription)")
        #expect(error.line == line && error.column == column,
                "\(text.debugDescription): got line \(error.line), column \(error.column)")
        let lineStart = text.utf8.split(separator: 0x0A, omittingEmptySubsequences: false).prefix(line - 1)
            .reduce(0) { $0 + $1.count + 1 }
        #expect(error.offset == lineStart + column - 1, "\(text.debugDescription): offset \(error.offset)")
        #expect(error.description == "line \(line), column \(column): \(message)")
    }

    @Test("invalid UTF-8 inside a string is rejected")
    func invalidUTF8() throws {
        let bytes: [UInt8] = [0x22, 0x61, 0xC3, 0x28, 0x22]  // "a<bad continuation>("
        #expect(throws: JSONParseError.self) { try JSONValue.parse(bytes: bytes) }
        do { _ = try JSONValue.parse(bytes: bytes) } catch let error as JSONParseError {
            #expect(error.message == "invalid UTF-8 in string")
        }
    }

    @Test("nesting up to 512 levels parses; deeper is an error, not a crash")
    func nestingLimit() throws {
        let ok = String(repeating: "[", count: 512) + String(repeating: "]", count: 512)
        #expect(try JSONValue.parse(ok).serialized == ok)
        let deep = String(repeating: "[", count: 513) + String(repeating: "]", count: 513)
        let error = try #require(failure(deep))
        #expect(error.message == "nesting deeper than 512")
        #expect(error.column == 513)
        let objects = String(repeating: "{\"a\":", count: 100_000) + "1" + String(repeating: "}", count: 100_000)
        #expect(failure(objects)?.message == "nesting deeper than 512")
    }
}
