import Foundation
import XaasJSON

/// Reads one config file's JSON object, collecting ``ConfigProblem``s (file + JSON path) instead of stopping
/// at the first one. Internal to the loader.
///
/// Accessors mark keys as known; ``rejectUnknownKeys(_:at:)`` reports the rest. A value of the wrong type is
/// reported and read as absent.
struct ConfigReader {
    /// The file as shown in problems.
    let file: String
    private(set) var problems: [ConfigProblem] = []

    init(file: String) { self.file = file }

    var hasProblems: Bool { !problems.isEmpty }

    mutating func problem(_ path: String, _ message: String) {
        problems.append(ConfigProblem(file: file, jsonPath: path, message: message))
    }

    /// Reads and parses the file; a missing, unreadable or malformed file is a problem and yields nil.
    mutating func parseFile(_ url: URL) -> JSONValue? {
        guard let data = FileManager.default.contents(atPath: url.path) else {
            problem("", "cannot read the file")
            return nil
        }
        do {
            let value = try JSONValue.parse(bytes: Array(data))
            guard case .object = value else {
                problem("$", "expected a JSON object, got \(value.typeName)")
                return nil
            }
            return value
        } catch let error as JSONParseError {
            problem("", "invalid JSON at line \(error.line), column \(error.column): \(error.message)")
            return nil
        } catch {
            problem("", "invalid JSON: \(error)")
            return nil
        }
    }

    /// The path of member `key` inside the object at `path` (backtick-free, `$.a.b`; odd keys as `$["a b"]`).
    static func child(_ path: String, _ key: String) -> String {
        let plain = !key.isEmpty && key.unicodeScalars.allSatisfy {
            ($0.properties.isAlphabetic && $0.isASCII) || ("0"..."9").contains($0) || $0 == "_" || $0 == "-"
        }
        if plain { return path + "." + key }
        var quoted = ""
        JSONValue.writeString(key, to: &quoted)
        return path + "[" + quoted + "]"
    }

    /// Reports every member of `object` whose key is not in `known`.
    mutating func rejectUnknownKeys(_ object: JSONValue, at path: String, known: [String]) {
        guard case .object(let members) = object else { return }
        for member in members where !known.contains(member.key) {
            problem(Self.child(path, member.key), "unknown key (expected one of: \(known.joined(separator: ", ")))")
        }
    }

    /// A string member; wrong type → problem, nil. `required` missing → problem.
    mutating func string(_ object: JSONValue, _ key: String, at path: String, required: Bool = false,
                         nonEmpty: Bool = true) -> String? {
        let p = Self.child(path, key)
        guard let v = object[key], v != .null else {
            if required { problem(p, "required (a string)") }
            return nil
        }
        guard case .string(let s) = v else {
            problem(p, "expected a string, got \(v.typeName)")
            return nil
        }
        if nonEmpty && s.trimmingCharacters(in: .whitespaces).isEmpty {
            problem(p, "must not be empty")
            return nil
        }
        return s
    }

    mutating func bool(_ object: JSONValue, _ key: String, at path: String) -> Bool? {
        guard let v = object[key], v != .null else { return nil }
        guard case .bool(let b) = v else {
            problem(Self.child(path, key), "expected true or false, got \(v.typeName)")
            return nil
        }
        return b
    }

    mutating func int(_ object: JSONValue, _ key: String, at path: String, range: ClosedRange<Int>) -> Int? {
        guard let v = object[key], v != .null else { return nil }
        let p = Self.child(path, key)
        guard case .number(let text) = v, let i = Int(text) else {
            problem(p, "expected an integer, got \(v.typeName == "number" ? "\(v.numberText ?? "")" : v.typeName)")
            return nil
        }
        guard range.contains(i) else {
            problem(p, "\(i) is out of range \(range.lowerBound)…\(range.upperBound)")
            return nil
        }
        return i
    }

    /// A number member in `range` (`lowerOpen` excludes the lower bound).
    mutating func double(_ object: JSONValue, _ key: String, at path: String, range: ClosedRange<Double>,
                         lowerOpen: Bool = false) -> Double? {
        guard let v = object[key], v != .null else { return nil }
        let p = Self.child(path, key)
        guard case .number(let text) = v, let d = Double(text), d.isFinite else {
            problem(p, "expected a number, got \(v.typeName)")
            return nil
        }
        guard range.contains(d), !(lowerOpen && d == range.lowerBound) else {
            let low = lowerOpen ? "greater than \(Self.format(range.lowerBound))" : "at least \(Self.format(range.lowerBound))"
            problem(p, "\(text) is out of range (must be \(low) and at most \(Self.format(range.upperBound)))")
            return nil
        }
        return d
    }

    /// An object member; wrong type → problem, nil.
    mutating func object(_ object: JSONValue, _ key: String, at path: String, required: Bool = false) -> JSONValue? {
        let p = Self.child(path, key)
        guard let v = object[key], v != .null else {
            if required { problem(p, "required (an object)") }
            return nil
        }
        guard case .object = v else {
            problem(p, "expected an object, got \(v.typeName)")
            return nil
        }
        return v
    }

    static func format(_ d: Double) -> String {
        d == d.rounded() && abs(d) < 1e15 ? String(Int(d)) : String(d)
    }
}
