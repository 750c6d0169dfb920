import Glibc

/// A record filter: only records that match are synced.
///
/// Grammar (white space between tokens is free):
/// ```
/// or         = and { "||" and }
/// and        = unary { "&&" unary }
/// unary      = "!" unary | primary
/// primary    = "(" or ")" | "exists" "(" attribute ")" | attribute "==" string | attribute "!=" string
///            | attribute "in" "[" [ string { "," string } ] "]"
/// attribute  = bare name (letters, digits, "_", ".", "-") | "`" any text except "`" "`"
/// string     = "\"" text with \" and \\ escapes "\""
/// ```
/// Semantics: comparisons are exact (case-sensitive). Empty values count as absent. On a multi-valued
/// attribute `==` and `in` are true when ANY value matches; `!=` is the negation of `==`. A missing attribute
/// never equals anything (so `!=` is then true); `exists(a)` is true when `a` has a non-empty value.
public struct FilterExpression: Sendable, CustomStringConvertible {
    /// The parsed expression tree.
    indirect enum Node: Sendable, Equatable {
        case or([Node])
        case and([Node])
        case not(Node)
        case exists(String)
        case equals(String, String)
        case isIn(String, [String])
    }

    /// The source text.
    public let text: String
    let root: Node

    /// Parses `text`; errors give the 1-based column.
    public init(_ text: String) throws(FilterError) {
        self.text = text
        var parser = try FilterParser(text: text)
        self.root = try parser.parse()
    }

    public var description: String { text }

    /// Whether `record` passes the filter.
    public func matches(_ record: SourceRecord) -> Bool {
        Self.evaluate(root, record)
    }

    static func evaluate(_ node: Node, _ record: SourceRecord) -> Bool {
        switch node {
        case .or(let nodes): return nodes.contains { evaluate($0, record) }
        case .and(let nodes): return nodes.allSatisfy { evaluate($0, record) }
        case .not(let inner): return !evaluate(inner, record)
        case .exists(let name): return any(name, record) { !$0.isEmpty }
        case .equals(let name, let value):
            return !value.isEmpty && any(name, record) { equal($0, value) }
        case .isIn(let name, let values):
            return any(name, record) { bytes in !bytes.isEmpty && values.contains { equal(bytes, $0) } }
        }
    }

    /// Whether some value of attribute `name` in `record` passes `test` (values compared as bytes).
    private static func any(_ name: String, _ record: SourceRecord, _ test: (UnsafeRawBufferPointer) -> Bool) -> Bool {
        var found = false
        record.forEachValue(of: name) { value in
            found = test(value)
            return !found
        }
        return found
    }

    /// Whether the value `bytes` equals `text` as `String`s do (canonical equivalence): equal bytes are
    /// equal; otherwise only non-ASCII text can still be equal, and is compared as `String`s.
    private static func equal(_ bytes: UnsafeRawBufferPointer, _ text: String) -> Bool {
        var text = text
        let same = text.withUTF8 { utf8 in
            utf8.count == bytes.count && (bytes.isEmpty || memcmp(utf8.baseAddress!, bytes.baseAddress!, bytes.count) == 0)
        }
        if same { return true }
        guard !UTF8Text.isASCII(bytes) || !text.utf8.allSatisfy({ $0 < 0x80 }) else { return false }
        return String(decoding: bytes, as: UTF8.self) == text
    }
}
