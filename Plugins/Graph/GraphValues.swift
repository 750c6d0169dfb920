import PluginKit
import XaasJSON

/// Graph JSON values as string attributes: strings as is, booleans `true`/`false`, numbers as their literal
/// text, arrays multi-valued (one attribute per element), nested objects flattened with dots
/// (`employeeOrgData.division`), nulls and OData annotations (`@odata.type`, `manager@odata.context`) omitted.
enum GraphValues {
    /// The attributes of one Graph object, in source order.
    static func attributes(of members: [(key: String, value: JSONValue)]) -> [Record.Attribute] {
        var out: [Record.Attribute] = []
        for member in members where !member.key.contains("@") {
            flatten(member.value, name: member.key, into: &out)
        }
        return out
    }

    private static func flatten(_ value: JSONValue, name: String, into out: inout [Record.Attribute]) {
        switch value {
        case .null: return
        case .string(let s): out.append(Record.Attribute(name, s))
        case .bool(let b): out.append(Record.Attribute(name, b ? "true" : "false"))
        case .number(let text): out.append(Record.Attribute(name, text))
        case .array(let items): for item in items { flatten(item, name: name, into: &out) }
        case .object(let members):
            for member in members where !member.key.contains("@") {
                flatten(member.value, name: name + "." + member.key, into: &out)
            }
        }
    }

    /// The first value of `name` among `attributes`.
    static func first(_ name: String, in attributes: [Record.Attribute]) -> String? {
        attributes.first { $0.name == name }?.value
    }
}
