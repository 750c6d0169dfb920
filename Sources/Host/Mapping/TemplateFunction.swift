import Foundation

/// A function applied to an attribute's values through a pipe in a mapping template: `${email | lower | trim}`.
///
/// Every function maps a list of values to a list of values; empty values are dropped after each step.
///
/// | function | effect |
/// |---|---|
/// | `lower`, `upper` | case conversion of each value |
/// | `trim` | removes leading and trailing white space from each value |
/// | `first`, `last` | keeps only the first / last value |
/// | `join:","` | one value: all values joined with the separator |
/// | `default:"x"` | `x` when there is no (non-empty) value |
/// | `replace:"a":"b"` | replaces every `a` with `b` in each value |
/// | `truncate:50` | keeps at most 50 characters of each value |
public enum TemplateFunction: Sendable, Equatable {
    case lower, upper, trim, first, last
    case join(String)
    case defaultValue(String)
    case replace(String, String)
    case truncate(Int)

    /// The function names, for error messages.
    static let names = "lower, upper, trim, first, last, join:\",\", default:\"x\", replace:\"a\":\"b\", truncate:N"

    /// Builds a function from its name and arguments, or a message saying what is wrong.
    static func make(_ name: String, _ arguments: [String]) -> Result<TemplateFunction, TemplateFunctionError> {
        func arity(_ n: Int, _ usage: String) -> TemplateFunctionError? {
            arguments.count == n ? nil : TemplateFunctionError(message: "\(name) takes \(n) argument\(n == 1 ? "" : "s"): \(usage)")
        }
        switch name {
        case "lower", "upper", "trim", "first", "last":
            if let e = arity(0, name) { return .failure(e) }
            switch name {
            case "lower": return .success(.lower)
            case "upper": return .success(.upper)
            case "trim": return .success(.trim)
            case "first": return .success(.first)
            default: return .success(.last)
            }
        case "join":
            if let e = arity(1, "join:\", \"") { return .failure(e) }
            return .success(.join(arguments[0]))
        case "default":
            if let e = arity(1, "default:\"text\"") { return .failure(e) }
            return .success(.defaultValue(arguments[0]))
        case "replace":
            if let e = arity(2, "replace:\"old\":\"new\"") { return .failure(e) }
            guard !arguments[0].isEmpty else { return .failure(TemplateFunctionError(message: "replace: the text to replace is empty")) }
            return .success(.replace(arguments[0], arguments[1]))
        case "truncate":
            if let e = arity(1, "truncate:50") { return .failure(e) }
            guard let n = Int(arguments[0]), n > 0 else {
                return .failure(TemplateFunctionError(message: "truncate needs a positive whole number, e.g. truncate:50"))
            }
            return .success(.truncate(n))
        default:
            return .failure(TemplateFunctionError(message: "unknown function \"\(name)\" (functions: \(names))"))
        }
    }

    /// Applies the function to `values` (which hold no empty strings) and drops empty results.
    func apply(_ values: [String]) -> [String] {
        let out: [String]
        switch self {
        case .lower: out = values.map { $0.lowercased() }
        case .upper: out = values.map { $0.uppercased() }
        case .trim: out = values.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
        case .first: out = values.first.map { [$0] } ?? []
        case .last: out = values.last.map { [$0] } ?? []
        case .join(let separator): out = values.isEmpty ? [] : [values.joined(separator: separator)]
        case .defaultValue(let text): out = values.isEmpty ? [text] : values
        case .replace(let old, let new): out = values.map { $0.replacingOccurrences(of: old, with: new) }
        case .truncate(let n): out = values.map { String($0.prefix(n)) }
        }
        return out.filter { !$0.isEmpty }
    }
}

/// A bad function name or arguments (positioned by the template parser).
struct TemplateFunctionError: Error {
    var message: String
}
