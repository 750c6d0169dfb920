import XaasJSON

/// The map stage of the record path: one in-scope user record → its ``Profile`` (canonical JSON + hash),
/// or why it cannot be sent (naming the field).
///
/// Built from a source's ``Mapping`` (the product's path: each template is evaluated straight into the
/// profile's JSON, each value checked by ``Mapping``'s rules as it is written, so a record costs no
/// allocation beyond its values unless its profile changed), or from a function returning (name, value)
/// pairs (tests and custom rules; checked by ``Mapping/validate(externalId:profile:)``). The externalId
/// itself is checked once, by the ``Planner``, before any stage.
public struct ProfileMapper {
    /// What mapping one record gave.
    public enum Outcome {
        /// The profile is in the buffers (``Buffers/profile``); its hash, to compare with state.
        case mapped(hash: Int64)
        /// The record cannot be sent; the message names the field.
        case invalid(String)
    }

    /// Reusable buffers of one planning thread (the profile being written, one template's value, the
    /// record's looked-up values).
    public struct Buffers {
        var writer = ProfileWriter()
        var value = ""
        var bytes: [UInt8] = []
        var table: AttributeTable?
        /// The mapper ``table`` was made for.
        var tableOwner: ObjectIdentifier?
        public init() {
            value.reserveCapacity(128)
            bytes.reserveCapacity(256)
        }

        /// The profile the last ``ProfileMapper/map(_:using:)`` wrote (made only for a change).
        public var profile: Profile { writer.profile }
    }

    /// One part of a template without functions, as bytes.
    private enum Part {
        case literal([UInt8])
        /// The first non-empty value of an attribute (its key in the mapper's ``AttributeTable``).
        case value(Int)
    }

    /// What the hot loop reads of one template: plain values only (copying it retains nothing).
    private struct Hot {
        /// The key of a plain `${attribute}` template, or -1.
        var plain: Int
        /// Where `"name":` (escaped once) is in ``Templates/prefixes``.
        var prefixStart: Int
        var prefixLength: Int
        var rule: Mapping.ValueRule
        /// Index in ``Mapping/requiredAttributes``, or -1.
        var required: Int
    }

    /// The rest of one template, read when it is not a plain `${attribute}` (and for messages).
    private struct Compiled {
        var name: String
        /// The parts of a template without functions (literals and values).
        var parts: [Part]?
        /// A template with functions (evaluated on `String`s).
        var general: MappingTemplate
    }

    /// The mapping's compiled templates and the attribute names they read.
    private final class Templates {
        let hot: [Hot]
        let list: [Compiled]
        let prefixes: [UInt8]
        let attributes: [String]
        init(_ mapping: Mapping) {
            var attributes: [String] = []
            func key(_ name: String) -> Int {
                if let k = attributes.firstIndex(of: name) { return k }
                attributes.append(name)
                return attributes.count - 1
            }
            var prefixes: [UInt8] = []
            var hot: [Hot] = []
            list = mapping.templates.map { name, template in
                let start = prefixes.count
                JSONValue.writeString(name, to: &prefixes)
                prefixes.append(UInt8(ascii: ":"))
                var parts: [Part]? = []
                for part in template.parts {
                    switch part {
                    case .literal(let text): parts?.append(.literal(Array(text.utf8)))
                    case .interpolation(let attribute, let functions):
                        if functions.isEmpty { parts?.append(.value(key(attribute))) } else { parts = nil }
                    }
                }
                hot.append(Hot(plain: template.plainAttribute.map(key) ?? -1, prefixStart: start,
                               prefixLength: prefixes.count - start, rule: Mapping.ValueRule(name),
                               required: Mapping.requiredAttributes.firstIndex(of: name) ?? -1))
                return Compiled(name: name, parts: parts, general: template)
            }
            self.hot = hot
            self.prefixes = prefixes
            self.attributes = attributes
        }
    }

    private enum Source {
        case mapping(Templates)
        case pairs((SourceRecord) -> [(String, String)], validate: ((String, [(String, String)]) -> String?)?)
    }

    private let source: Source

    /// The mapper of a source's mapping, with Okta's user profile checks.
    public init(_ mapping: Mapping) {
        source = .mapping(Templates(mapping))
    }

    /// A mapper from a function giving the profile's (name, value) pairs (empty values already omitted),
    /// checked by `validate` (by default Okta's user profile checks; `nil`: unchecked).
    public init(pairs: @escaping (SourceRecord) -> [(String, String)],
                validate: ((String, [(String, String)]) -> String?)? = Mapping.validate(externalId:profile:)) {
        source = .pairs(pairs, validate: validate)
    }

    /// The profile of `record`, or `nil` when it cannot be sent (outside the hot path).
    public func profile(_ record: SourceRecord) -> Profile? {
        var buffers = Buffers()
        guard case .mapped = map(record, using: &buffers) else { return nil }
        return buffers.profile
    }

    /// Maps `record`, writing its profile in `buffers`.
    public func map(_ record: SourceRecord, using buffers: inout Buffers) -> Outcome {
        switch source {
        case .pairs(let pairs, let validate):
            let profile = pairs(record)
            if let problem = validate?(record.externalId, profile) { return .invalid(problem) }
            buffers.writer.reset()
            for (name, value) in Profile.dedupe(profile) { buffers.writer.append(name: name, value: value) }
            return .mapped(hash: buffers.writer.hash)
        case .mapping(let templates):
            return map(record, templates, using: &buffers)
        }
    }

    private func map(_ record: SourceRecord, _ templates: Templates, using buffers: inout Buffers) -> Outcome {
        if buffers.tableOwner != ObjectIdentifier(templates) {
            buffers.table = AttributeTable(templates.attributes)
            buffers.tableOwner = ObjectIdentifier(templates)
        }
        var table = buffers.table!
        buffers.table = nil
        defer { buffers.table = table }
        table.load(record)
        buffers.writer.reset()
        var present = 0
        var problem: String?
        templates.hot.withUnsafeBufferPointer { hot in
            templates.prefixes.withUnsafeBytes { prefixes in
                for i in 0 ..< hot.count {
                    let h = hot[i]
                    let prefix = UnsafeRawBufferPointer(rebasing: prefixes[h.prefixStart ..< h.prefixStart + h.prefixLength])
                    func write(_ value: UnsafeRawBufferPointer) {
                        if problem == nil, !h.rule.checksNothing {
                            problem = Mapping.valueProblem(templates.list[i].name, utf8: value, rule: h.rule)
                        }
                        buffers.writer.append(prefix: prefix, value: value)
                        if h.required >= 0 { present |= 1 << h.required }
                    }
                    if h.plain >= 0 {
                        if let value = table.value(h.plain) { write(value) }
                    } else if let parts = templates.list[i].parts {
                        if Self.evaluate(parts, table, into: &buffers.bytes) { buffers.bytes.withUnsafeBytes(write) }
                    } else {
                        templates.list[i].general.evaluate(record, into: &buffers.value)
                        if !buffers.value.isEmpty { buffers.value.withUTF8 { write(UnsafeRawBufferPointer($0)) } }
                    }
                }
            }
        }
        for (r, name) in Mapping.requiredAttributes.enumerated() where present & (1 << r) == 0 {
            return .invalid(Mapping.missing(name))
        }
        if let problem { return .invalid(problem) }
        return .mapped(hash: buffers.writer.hash)
    }

    /// A template of literals and `${attribute}`s into `out`; `false` when its value is empty (every
    /// interpolation empty, or nothing written): the attribute is then omitted.
    private static func evaluate(_ parts: [Part], _ table: AttributeTable, into out: inout [UInt8]) -> Bool {
        out.removeAll(keepingCapacity: true)
        var interpolations = 0
        var filled = 0
        for part in parts {
            switch part {
            case .literal(let bytes): out.append(contentsOf: bytes)
            case .value(let key):
                interpolations += 1
                if let value = table.value(key) {
                    out.append(contentsOf: value)
                    filled += 1
                }
            }
        }
        return !out.isEmpty && (interpolations == 0 || filled > 0)
    }
}
