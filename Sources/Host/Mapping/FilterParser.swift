/// Tokenizer and recursive-descent parser for ``FilterExpression`` (internal).
struct FilterParser {
    enum Token: Equatable {
        case name(String), quotedName(String), string(String)
        case lparen, rparen, lbracket, rbracket, comma
        case not, and, or, equals, notEquals
        case end
    }

    let text: String
    var tokens: [(token: Token, column: Int)] = []
    var position = 0

    init(text: String) throws(FilterError) {
        self.text = text
        try tokenize()
    }

    func fail(_ message: String, column: Int) -> FilterError {
        FilterError(expression: text, column: column, message: message)
    }

    var current: (token: Token, column: Int) { tokens[position] }

    mutating func tokenize() throws(FilterError) {
        let chars = Array(text)
        var i = 0
        func at(_ k: Int) -> Character? { k < chars.count ? chars[k] : nil }
        while i < chars.count {
            let c = chars[i]
            let column = i + 1
            switch c {
            case " ", "\t", "\n", "\r": i += 1
            case "(": tokens.append((.lparen, column)); i += 1
            case ")": tokens.append((.rparen, column)); i += 1
            case "[": tokens.append((.lbracket, column)); i += 1
            case "]": tokens.append((.rbracket, column)); i += 1
            case ",": tokens.append((.comma, column)); i += 1
            case "!":
                if at(i + 1) == "=" { tokens.append((.notEquals, column)); i += 2 } else { tokens.append((.not, column)); i += 1 }
            case "=":
                guard at(i + 1) == "=" else { throw fail("use == to compare", column: column) }
                tokens.append((.equals, column)); i += 2
            case "&":
                guard at(i + 1) == "&" else { throw fail("use && for \"and\"", column: column) }
                tokens.append((.and, column)); i += 2
            case "|":
                guard at(i + 1) == "|" else { throw fail("use || for \"or\"", column: column) }
                tokens.append((.or, column)); i += 2
            case "`":
                var name = ""
                i += 1
                while let d = at(i), d != "`" { name.append(d); i += 1 }
                guard at(i) == "`" else { throw fail("unterminated `quoted` attribute name", column: column) }
                guard !name.isEmpty else { throw fail("empty attribute name", column: column) }
                tokens.append((.quotedName(name), column)); i += 1
            case "\"":
                var value = ""
                i += 1
                var closed = false
                while let d = at(i) {
                    i += 1
                    if d == "\"" { closed = true; break }
                    if d == "\\" {
                        guard let e = at(i), e == "\"" || e == "\\" else {
                            throw fail("only \\\" and \\\\ are escapes in a string", column: i)
                        }
                        value.append(e); i += 1
                    } else {
                        value.append(d)
                    }
                }
                guard closed else { throw fail("unterminated string", column: column) }
                tokens.append((.string(value), column))
            default:
                guard TemplateParser.isNameCharacter(c) else { throw fail("unexpected character \"\(c)\"", column: column) }
                var name = ""
                while let d = at(i), TemplateParser.isNameCharacter(d) { name.append(d); i += 1 }
                tokens.append((.name(name), column))
            }
        }
        tokens.append((.end, chars.count + 1))
    }

    mutating func parse() throws(FilterError) -> FilterExpression.Node {
        guard current.token != .end else { throw fail("empty filter", column: 1) }
        let node = try parseOr()
        guard current.token == .end else { throw fail("expected && or || or the end of the filter", column: current.column) }
        return node
    }

    mutating func parseOr() throws(FilterError) -> FilterExpression.Node {
        var nodes = [try parseAnd()]
        while current.token == .or { position += 1; nodes.append(try parseAnd()) }
        return nodes.count == 1 ? nodes[0] : .or(nodes)
    }

    mutating func parseAnd() throws(FilterError) -> FilterExpression.Node {
        var nodes = [try parseUnary()]
        while current.token == .and { position += 1; nodes.append(try parseUnary()) }
        return nodes.count == 1 ? nodes[0] : .and(nodes)
    }

    mutating func parseUnary() throws(FilterError) -> FilterExpression.Node {
        if current.token == .not { position += 1; return .not(try parseUnary()) }
        return try parsePrimary()
    }

    mutating func expect(_ token: Token, _ what: String) throws(FilterError) {
        guard current.token == token else { throw fail("expected \(what)", column: current.column) }
        position += 1
    }

    mutating func parseAttribute() throws(FilterError) -> String {
        switch current.token {
        case .name(let n), .quotedName(let n): position += 1; return n
        default: throw fail("expected an attribute name", column: current.column)
        }
    }

    mutating func parseString(after op: String) throws(FilterError) -> String {
        guard case .string(let s) = current.token else {
            throw fail("expected a \"quoted string\" after \(op)", column: current.column)
        }
        position += 1
        return s
    }

    mutating func parsePrimary() throws(FilterError) -> FilterExpression.Node {
        if current.token == .lparen {
            position += 1
            let inner = try parseOr()
            try expect(.rparen, "\")\"")
            return inner
        }
        if current.token == .name("exists"), tokens[position + 1].token == .lparen {
            position += 2
            let name = try parseAttribute()
            try expect(.rparen, "\")\" after the attribute name")
            return .exists(name)
        }
        let name = try parseAttribute()
        switch current.token {
        case .equals:
            position += 1
            return .equals(name, try parseString(after: "=="))
        case .notEquals:
            position += 1
            return .not(.equals(name, try parseString(after: "!=")))
        case .name("in"):
            position += 1
            try expect(.lbracket, "\"[\" after in")
            var values: [String] = []
            if current.token != .rbracket {
                values.append(try parseString(after: values.isEmpty ? "[" : ","))
                while current.token == .comma {
                    position += 1
                    values.append(try parseString(after: ","))
                }
            }
            try expect(.rbracket, "\",\" or \"]\"")
            return .isIn(name, values)
        default:
            throw fail("expected ==, != or in after the attribute name", column: current.column)
        }
    }
}
