/// A parser for the Python `repr()` subset the python-ldap corpus stores its expected results in:
/// lists, tuples, dicts, `'str'`, `b'bytes'`, `None`, integers.
indirect enum PythonLiteral: Equatable {
    case none
    case int(Int)
    case str(String)
    case bytes([UInt8])
    case list([PythonLiteral])  // lists and tuples
    case dict([(PythonLiteral, PythonLiteral)])

    static func == (a: PythonLiteral, b: PythonLiteral) -> Bool {
        switch (a, b) {
        case (.none, .none): return true
        case let (.int(x), .int(y)): return x == y
        case let (.str(x), .str(y)): return x == y
        case let (.bytes(x), .bytes(y)): return x == y
        case let (.list(x), .list(y)): return x == y
        case let (.dict(x), .dict(y)): return x.count == y.count && zip(x, y).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
        default: return false
        }
    }

    struct Malformed: Error { var at: Int }

    static func parse(_ text: String) throws -> PythonLiteral {
        var p = Parser(s: Array(text.unicodeScalars))
        let v = try p.value()
        p.skip()
        guard p.i == p.s.count else { throw Malformed(at: p.i) }
        return v
    }

    var items: [PythonLiteral] { if case .list(let l) = self { return l }; return [] }
    var string: String? {
        switch self {
        case .str(let s): return s
        case .bytes(let b): return String(decoding: b, as: UTF8.self)
        default: return nil
        }
    }

    private struct Parser {
        let s: [Unicode.Scalar]
        var i = 0

        mutating func skip() { while i < s.count, s[i] == " " || s[i] == "\n" { i += 1 } }

        mutating func value() throws -> PythonLiteral {
            skip()
            guard i < s.count else { throw Malformed(at: i) }
            switch s[i] {
            case "[", "(":
                let close: Unicode.Scalar = s[i] == "[" ? "]" : ")"
                i += 1
                var out: [PythonLiteral] = []
                while true {
                    skip()
                    if i < s.count, s[i] == close { i += 1; return .list(out) }
                    out.append(try value())
                    skip()
                    if i < s.count, s[i] == "," { i += 1 }
                }
            case "{":
                i += 1
                var out: [(PythonLiteral, PythonLiteral)] = []
                while true {
                    skip()
                    if i < s.count, s[i] == "}" { i += 1; return .dict(out) }
                    let k = try value()
                    skip()
                    guard i < s.count, s[i] == ":" else { throw Malformed(at: i) }
                    i += 1
                    out.append((k, try value()))
                    skip()
                    if i < s.count, s[i] == "," { i += 1 }
                }
            case "b":
                i += 1
                return .bytes(try quoted(bytes: true))
            case "'", "\"":
                return .str(String(decoding: try quoted(bytes: false), as: UTF8.self))
            case "N":
                guard i + 4 <= s.count, String(String.UnicodeScalarView(s[i..<(i + 4)])) == "None" else { throw Malformed(at: i) }
                i += 4
                return .none
            default:
                let start = i
                while i < s.count, ("0"..."9").contains(s[i]) || s[i] == "-" { i += 1 }
                guard let n = Int(String(String.UnicodeScalarView(s[start..<i]))) else { throw Malformed(at: i) }
                return .int(n)
            }
        }

        mutating func quoted(bytes: Bool) throws -> [UInt8] {
            let q = s[i]
            i += 1
            var out: [UInt8] = []
            while i < s.count, s[i] != q {
                var c = s[i]
                i += 1
                if c == "\\" {
                    c = s[i]
                    i += 1
                    switch c {
                    case "n": out.append(10)
                    case "t": out.append(9)
                    case "r": out.append(13)
                    case "x":
                        guard let v = UInt8(String(String.UnicodeScalarView(s[i..<(i + 2)])), radix: 16) else { throw Malformed(at: i) }
                        i += 2
                        if bytes { out.append(v) } else { out += Array(String(Unicode.Scalar(v)).utf8) }
                    default: out += Array(String(c).utf8)
                    }
                } else {
                    out += Array(String(c).utf8)
                }
            }
            guard i < s.count else { throw Malformed(at: i) }
            i += 1
            return out
        }
    }
}
