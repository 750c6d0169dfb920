/// The attributes of one record grouped by attribute description (case-insensitive type, unordered
/// options), values in file order, groups in order of first appearance. `UID: a` and `uid: b` merge
/// into one attribute spelled as first seen, keeping both values (slapd does the same).
struct LDIFEntry {
    var attributes: [(description: AttributeDescription, values: [[UInt8]])] = []

    init(_ values: [LDIFValue]) {
        for v in values { add(v.description, v.value) }
    }

    init(modifications: [LDIFModification]) {
        for m in modifications where m.operation != "delete" {
            for v in m.values { add(m.description, v) }
        }
    }

    mutating func add(_ description: AttributeDescription, _ value: [UInt8]) {
        if let i = attributes.firstIndex(where: { $0.description.key == description.key }) {
            attributes[i].values.append(value)
        } else {
            attributes.append((description, [value]))
        }
    }

    /// The values of the attribute whose key (lowercased `type;options`) is `key`.
    func values(_ key: String) -> [[UInt8]] {
        attributes.first { $0.description.key == key }?.values ?? []
    }

    /// The lowercased `objectClass` values.
    var objectClasses: [String] {
        values("objectclass").map { String(decoding: $0, as: UTF8.self).lowercased() }
    }
}
