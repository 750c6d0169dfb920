/// One parsed mapping template: literal text and `${attribute | function …}` interpolations.
///
/// Grammar (white space is allowed around names, pipes and `}`):
/// ```
/// template      = { literal | "$${" | "${" expression "}" }
/// expression    = attribute { "|" function }
/// attribute     = bare-name | "`" any text except "`" "`"      bare-name: letters, digits, "_", "." and "-"
/// function      = name { ":" argument }
/// argument      = "\"" text with \" and \\ escapes "\"" | digits
/// ```
/// `$${` writes a literal `${`; any other `$` is literal text.
///
/// Evaluation: `${attr}` takes the attribute's non-empty values (a repeated attribute is multi-valued), runs
/// them through the functions, and inserts the first remaining value (or nothing). A template whose
/// interpolations all come out empty gives an empty value, which the mapping omits.
public struct MappingTemplate: Sendable, Equatable {
    /// A piece of a template.
    public enum Part: Sendable, Equatable {
        case literal(String)
        case interpolation(attribute: String, functions: [TemplateFunction])
    }

    /// The source text.
    public let text: String
    public let parts: [Part]

    /// Parses `text`; errors give the 1-based column.
    public init(_ text: String) throws(MappingError) {
        self.text = text
        var parser = TemplateParser(text: text)
        self.parts = try parser.parse()
    }

    /// The attribute names this template reads, in order.
    public var attributes: [String] {
        parts.compactMap { if case .interpolation(let name, _) = $0 { return name } else { return nil } }
    }

    /// The template's value for `record` ("" when every interpolation is empty, or the result is empty).
    public func evaluate(_ record: SourceRecord) -> String {
        var out = ""
        evaluate(record, into: &out)
        return out
    }

    /// Writes the template's value for `record` into `out` (cleared first, its buffer kept): the mapper's
    /// hot path, which allocates nothing for a plain `${attribute}`.
    public func evaluate(_ record: SourceRecord, into out: inout String) {
        out.removeAll(keepingCapacity: true)
        var interpolations = 0
        var filled = 0
        for part in parts {
            switch part {
            case .literal(let s):
                out += s
            case .interpolation(let name, let functions):
                interpolations += 1
                if functions.isEmpty {
                    if let value = record.firstNonEmptyValue(name) {
                        out += value
                        filled += 1
                    }
                    continue
                }
                var values = record.values(name).filter { !$0.isEmpty }
                for function in functions { values = function.apply(values) }
                if let first = values.first {
                    out += first
                    filled += 1
                }
            }
        }
        if interpolations > 0 && filled == 0 { out.removeAll(keepingCapacity: true) }
    }

    /// The attribute when the template is exactly `${attribute}` (its value is the attribute's first
    /// non-empty value, used without a copy).
    public var plainAttribute: String? {
        guard parts.count == 1, case .interpolation(let name, let functions) = parts[0], functions.isEmpty else { return nil }
        return name
    }
}

/// The template parser (internal): walks the characters, tracking the 1-based column.
struct TemplateParser {
    let text: String
    let chars: [Character]
    var index = 0

    init(text: String) {
        self.text = text
        self.chars = Array(text)
    }

    func fail(_ message: String, at position: Int? = nil) -> MappingError {
        MappingError(template: text, column: (position ?? index) + 1, message: message)
    }

    func peek(_ offset: Int = 0) -> Character? {
        index + offset < chars.count ? chars[index + offset] : nil
    }

    mutating func skipSpaces() {
        while let c = peek(), c == " " || c == "\t" { index += 1 }
    }

    mutating func parse() throws(MappingError) -> [MappingTemplate.Part] {
        var parts: [MappingTemplate.Part] = []
        var literal = ""
        while let c = peek() {
            if c == "$", peek(1) == "$", peek(2) == "{" {
                literal += "${"
                index += 3
            } else if c == "$", peek(1) == "{" {
                if !literal.isEmpty { parts.append(.literal(literal)); literal = "" }
                parts.append(try parseInterpolation())
            } else {
                literal.append(c)
                index += 1
            }
        }
        if !literal.isEmpty { parts.append(.literal(literal)) }
        return parts
    }

    mutating func parseInterpolation() throws(MappingError) -> MappingTemplate.Part {
        let start = index
        index += 2
        skipSpaces()
        let attribute = try parseAttribute()
        var functions: [TemplateFunction] = []
        skipSpaces()
        while peek() == "|" {
            index += 1
            skipSpaces()
            functions.append(try parseFunction())
            skipSpaces()
        }
        guard let c = peek() else { throw fail("unterminated \"${\" (missing \"}\")", at: start) }
        guard c == "}" else { throw fail("expected \"|\" or \"}\", found \"\(c)\"") }
        index += 1
        return .interpolation(attribute: attribute, functions: functions)
    }

    static func isNameCharacter(_ c: Character) -> Bool {
        c.isLetter || c.isNumber || c == "_" || c == "." || c == "-"
    }

    mutating func parseAttribute() throws(MappingError) -> String {
        if peek() == "`" {
            let start = index
            index += 1
            var name = ""
            while let c = peek(), c != "`" { name.append(c); index += 1 }
            guard peek() == "`" else { throw fail("unterminated `quoted` attribute name", at: start) }
            index += 1
            guard !name.isEmpty else { throw fail("empty attribute name", at: start) }
            return name
        }
        var name = ""
        while let c = peek(), Self.isNameCharacter(c) { name.append(c); index += 1 }
        guard !name.isEmpty else {
            if peek() == nil { throw fail("unterminated \"${\" (missing \"}\")", at: max(0, index - 2)) }
            throw fail("expected an attribute name (letters, digits, _ . -, or `quoted`)")
        }
        return name
    }

    mutating func parseFunction() throws(MappingError) -> TemplateFunction {
        let start = index
        var name = ""
        while let c = peek(), c.isLetter { name.append(c); index += 1 }
        guard !name.isEmpty else { throw fail("expected a function name after \"|\" (\(TemplateFunction.names))") }
        var arguments: [String] = []
        while peek() == ":" {
            index += 1
            arguments.append(try parseArgument())
        }
        switch TemplateFunction.make(name, arguments) {
        case .success(let f): return f
        case .failure(let e): throw fail(e.message, at: start)
        }
    }

    mutating func parseArgument() throws(MappingError) -> String {
        if let c = peek(), c.isASCII, c.isNumber {
            var digits = ""
            while let d = peek(), d.isASCII, d.isNumber { digits.append(d); index += 1 }
            return digits
        }
        guard peek() == "\"" else { throw fail("expected a \"quoted\" argument after \":\"") }
        let start = index
        index += 1
        var value = ""
        while let c = peek() {
            index += 1
            if c == "\"" { return value }
            if c == "\\" {
                guard let e = peek(), e == "\"" || e == "\\" else {
                    throw fail("only \\\" and \\\\ are escapes in an argument", at: index - 1)
                }
                value.append(e)
                index += 1
            } else {
                value.append(c)
            }
        }
        throw fail("unterminated \"quoted\" argument", at: start)
    }
}
