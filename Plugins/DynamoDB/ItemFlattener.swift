import PluginKit
import XaasJSON

/// A value that could not be decoded, naming the attribute (dotted path) and the reason.
struct ItemProblem: Error, Sendable {
    var message: String
}

/// Turns one item (DynamoDB-typed or plain JSON) into string attributes.
///
/// Typed `AttributeValue`s: `S` as is, `N` as its exact decimal text (never through a `Double`), `BOOL` as
/// `true`/`false`, `NULL` omitted, `B` as its base64 text, `SS`/`NS`/`BS`/`L` one value each (same name,
/// in order), `M` flattened with dotted names (`address.city`). An unknown type key or `{}` is an error,
/// as in boto3's `TypeDeserializer`. Plain JSON: strings as is, numbers as their literal text, booleans as
/// `true`/`false`, `null` omitted, arrays multi-valued, objects flattened with dotted names.
/// Pure functions; thread-safe.
enum ItemFlattener {
    static let typeKeys: Set<String> = ["S", "N", "B", "BOOL", "NULL", "SS", "NS", "BS", "L", "M"]

    /// The attributes of a typed item (`{"name": {"S": "…"}, …}`).
    static func typedAttributes(of item: JSONValue) throws(ItemProblem) -> [Record.Attribute] {
        guard case .object(let members) = item else { throw ItemProblem(message: "item is a JSON \(item.typeName), not an object") }
        var out: [Record.Attribute] = []
        out.reserveCapacity(members.count)
        for member in members { try typed(member.value, name: member.key, into: &out) }
        return out
    }

    /// The attributes of a plain JSON item.
    static func plainAttributes(of item: JSONValue) throws(ItemProblem) -> [Record.Attribute] {
        guard case .object(let members) = item else { throw ItemProblem(message: "item is a JSON \(item.typeName), not an object") }
        var out: [Record.Attribute] = []
        out.reserveCapacity(members.count)
        for member in members { plain(member.value, name: member.key, into: &out) }
        return out
    }

    /// Whether every member of `item` looks like a typed AttributeValue (`{"S": …}` and so on).
    static func looksTyped(_ item: JSONValue) -> Bool {
        guard case .object(let members) = item, !members.isEmpty else { return false }
        return members.allSatisfy { member in
            guard case .object(let inner) = member.value, inner.count == 1 else { return false }
            return typeKeys.contains(inner[0].key)
        }
    }

    private static func typed(_ value: JSONValue, name: String, into out: inout [Record.Attribute]) throws(ItemProblem) {
        guard case .object(let inner) = value else {
            throw ItemProblem(message: "attribute \(name): expected an AttributeValue object like {\"S\": \"…\"}, got a JSON \(value.typeName)")
        }
        guard inner.count == 1 else {
            throw ItemProblem(message: inner.isEmpty
                ? "attribute \(name): empty AttributeValue {}"
                : "attribute \(name): AttributeValue has \(inner.count) type keys (\(inner.map(\.key).joined(separator: ", "))); expected exactly one")
        }
        let (type, payload) = (inner[0].key, inner[0].value)
        func mismatch(_ expected: String) -> ItemProblem {
            ItemProblem(message: "attribute \(name): \(type) value must be \(expected), got a JSON \(payload.typeName)")
        }
        switch type {
        case "S", "N", "B":
            guard case .string(let s) = payload else { throw mismatch("a string") }
            if type == "N", !isDecimal(s) { throw ItemProblem(message: "attribute \(name): N value is not a number") }
            out.append(.init(name, s))
        case "BOOL":
            guard case .bool(let b) = payload else { throw mismatch("true or false") }
            out.append(.init(name, b ? "true" : "false"))
        case "NULL":
            guard case .bool = payload else { throw mismatch("true") }
        case "SS", "NS", "BS":
            guard case .array(let items) = payload else { throw mismatch("an array of strings") }
            for item in items {
                guard case .string(let s) = item else { throw mismatch("an array of strings") }
                if type == "NS", !isDecimal(s) { throw ItemProblem(message: "attribute \(name): NS value is not a number") }
                out.append(.init(name, s))
            }
        case "L":
            guard case .array(let items) = payload else { throw mismatch("an array") }
            for item in items { try typed(item, name: name, into: &out) }
        case "M":
            guard case .object(let members) = payload else { throw mismatch("an object") }
            for member in members { try typed(member.value, name: "\(name).\(member.key)", into: &out) }
        default:
            throw ItemProblem(message: "attribute \(name): unknown AttributeValue type \"\(type.prefix(20))\"")
        }
    }

    private static func plain(_ value: JSONValue, name: String, into out: inout [Record.Attribute]) {
        switch value {
        case .null: break
        case .bool(let b): out.append(.init(name, b ? "true" : "false"))
        case .number(let text): out.append(.init(name, text))
        case .string(let s): out.append(.init(name, s))
        case .array(let items): for item in items { plain(item, name: name, into: &out) }
        case .object(let members): for member in members { plain(member.value, name: "\(name).\(member.key)", into: &out) }
        }
    }

    /// A DynamoDB number: optional sign, digits with an optional fraction, optional exponent.
    static func isDecimal(_ s: String) -> Bool {
        var bytes = Substring(s).utf8[...]
        if bytes.first == UInt8(ascii: "-") || bytes.first == UInt8(ascii: "+") { bytes = bytes.dropFirst() }
        var digits = 0
        while let b = bytes.first, b >= 0x30, b <= 0x39 { digits += 1; bytes = bytes.dropFirst() }
        if bytes.first == UInt8(ascii: ".") {
            bytes = bytes.dropFirst()
            while let b = bytes.first, b >= 0x30, b <= 0x39 { digits += 1; bytes = bytes.dropFirst() }
        }
        guard digits > 0 else { return false }
        if bytes.first == UInt8(ascii: "e") || bytes.first == UInt8(ascii: "E") {
            bytes = bytes.dropFirst()
            if bytes.first == UInt8(ascii: "-") || bytes.first == UInt8(ascii: "+") { bytes = bytes.dropFirst() }
            var exponent = 0
            while let b = bytes.first, b >= 0x30, b <= 0x39 { exponent += 1; bytes = bytes.dropFirst() }
            guard exponent > 0 else { return false }
        }
        return bytes.isEmpty
    }
}
