import XaasJSON

/// Validates a settings object against a plugin's JSON Schema (draft 2020-12 subset).
///
/// Supported keywords: `type` (a name or an array of names; `integer` accepts integral numbers),
/// `properties`, `required`, `additionalProperties` (boolean or schema), `enum`, `const`, `minimum`,
/// `maximum`, `items`, `minLength`, `maxLength`, `minItems`. Others are ignored. Problems read
/// `settings.x.y: …` / `settings.list[2]: …`; values are never echoed (they may be secrets) except
/// enum mismatches of short strings the schema itself lists.
public struct SettingsSchemaValidator {
    /// Every problem of `settings` against `schema` (JSON text); empty when valid.
    public static func validate(_ settings: JSONValue, schema: String) -> [String] {
        let parsed: JSONValue
        do { parsed = try JSONValue.parse(schema) } catch { return ["schema: invalid JSON: \(error)"] }
        var problems: [String] = []
        check(settings, against: parsed, path: "settings", problems: &problems)
        return problems
    }

    private static func check(_ value: JSONValue, against schema: JSONValue, path: String, problems: inout [String]) {
        if case .bool(let allowed) = schema {
            if !allowed { problems.append("\(path): not allowed") }
            return
        }
        guard case .object = schema else { return }
        if let type = schema["type"] {
            let names = type.arrayValue?.compactMap(\.stringValue) ?? type.stringValue.map { [$0] } ?? []
            if !names.isEmpty, !names.contains(where: { matches(value, type: $0) }) {
                problems.append("\(path): expected \(names.joined(separator: " or ")), got \(value.typeName)")
                return
            }
        }
        if let options = schema["enum"]?.arrayValue, !options.contains(value) {
            let listed = options.map(\.serialized).joined(separator: ", ")
            problems.append("\(path): must be one of \(listed)")
        }
        if let constant = schema["const"], constant != value {
            problems.append("\(path): must be \(constant.serialized)")
        }
        switch value {
        case .number(let text):
            let number = Double(text) ?? .nan
            if let minimum = schema["minimum"]?.doubleValue, number < minimum {
                problems.append("\(path): \(text) is less than the minimum \(schema["minimum"]!.serialized)")
            }
            if let maximum = schema["maximum"]?.doubleValue, number > maximum {
                problems.append("\(path): \(text) is greater than the maximum \(schema["maximum"]!.serialized)")
            }
        case .string(let s):
            let length = s.unicodeScalars.count
            if let minLength = schema["minLength"]?.intValue, length < minLength {
                problems.append(minLength == 1 ? "\(path): must not be empty" : "\(path): shorter than \(minLength) characters")
            }
            if let maxLength = schema["maxLength"]?.intValue, length > maxLength {
                problems.append("\(path): longer than \(maxLength) characters")
            }
        case .array(let items):
            if let minItems = schema["minItems"]?.intValue, items.count < minItems {
                problems.append("\(path): needs at least \(minItems) items, has \(items.count)")
            }
            if let itemSchema = schema["items"] {
                for (i, item) in items.enumerated() { check(item, against: itemSchema, path: "\(path)[\(i)]", problems: &problems) }
            }
        case .object(let members):
            let properties = schema["properties"]?.objectValue ?? []
            for name in schema["required"]?.arrayValue?.compactMap(\.stringValue) ?? [] where value[name] == nil {
                problems.append("\(path).\(name): is required")
            }
            for member in members {
                let memberPath = "\(path).\(member.key)"
                if let propertySchema = properties.first(where: { $0.key == member.key })?.value {
                    check(member.value, against: propertySchema, path: memberPath, problems: &problems)
                } else if let additional = schema["additionalProperties"] {
                    if case .bool(false) = additional {
                        problems.append("\(memberPath): unknown setting")
                    } else {
                        check(member.value, against: additional, path: memberPath, problems: &problems)
                    }
                }
            }
        default:
            break
        }
    }

    private static func matches(_ value: JSONValue, type: String) -> Bool {
        switch (type, value) {
        case ("object", .object), ("array", .array), ("string", .string), ("boolean", .bool), ("null", .null),
             ("number", .number):
            return true
        case ("integer", .number(let text)):
            if Int(text) != nil { return true }
            guard let d = Double(text) else { return false }
            return d.rounded() == d
        default:
            return false
        }
    }
}
