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

    private struct Compiled {
        var name: String
        /// `"name":`, escaped once.
        var prefix: [UInt8]
        /// The key of a plain `${attribute}` template.
        var plain: Int?
        /// The parts of a template without functions (literals and values).
        var parts: [Part]?
        /// A template with functions (evaluated on `String`s).
        var general: MappingTemplate
        var rule: Mapping.ValueRule
        /// Index in ``Mapping/requiredAttributes``, when the attribute is required.
        var required: Int?
    }

    /// The mapping's compiled templates and the attribute names they read.
    private final class Templates {
        let list: [Compiled]
        let attributes: [String]
        init(_ mapping: Mapping) {
            var attributes: [String] = []
            func key(_ name: String) -> Int {
                if let k = attributes.firstIndex(of: name) { return k }
                attributes.append(name)
                return attributes.count - 1
            }
            list = mapping.templates.map { name, template in
                var prefix: [UInt8] = []
                JSONValue.writeString(name, to: &prefix)
                prefix.append(UInt8(ascii: ":"))
                var parts: [Part]? = []
                for part in template.parts {
                    switch part {
                    case .literal(let text): parts?.append(.literal(Array(text.utf8)))
                    case .interpolation(let attribute, let functions):
                        if functions.isEmpty { parts?.append(.value(key(attribute))) } else { parts = nil }
                    }
                }
                return Compiled(name: name, prefix: prefix, plain: template.plainAttribute.map(key), parts: parts,
                                general: template, rule: Mapping.ValueRule(name),
                                required: Mapping.requiredAttributes.firstIndex(of: name))
            }
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
        for t in templates.list {
            let wrote: Bool
            if let key = t.plain {
                guard let value = table.value(key) else { continue }
                wrote = true
                write(t, value, into: &buffers.writer, problem: &problem)
            } else if let parts = t.parts {
                wrote = Self.evaluate(parts, table, into: &buffers.bytes)
                if wrote { buffers.bytes.withUnsafeBytes { write(t, $0, into: &buffers.writer, problem: &problem) } }
            } else {
                t.general.evaluate(record, into: &buffers.value)
                wrote = !buffers.value.isEmpty
                if wrote {
                    buffers.value.withUTF8 { write(t, UnsafeRawBufferPointer($0), into: &buffers.writer, problem: &problem) }
                }
            }
            if wrote, let r = t.required { present |= 1 << r }
        }
        for (r, name) in Mapping.requiredAttributes.enumerated() where present & (1 << r) == 0 {
            return .invalid(Mapping.missing(name))
        }
        if let problem { return .invalid(problem) }
        return .mapped(hash: buffers.writer.hash)
    }

    /// Checks one mapped value (the first problem is kept) and writes it.
    @inline(__always)
    private func write(_ t: Compiled, _ value: UnsafeRawBufferPointer, into writer: inout ProfileWriter, problem: inout String?) {
        if problem == nil, !t.rule.checksNothing { problem = Mapping.valueProblem(t.name, utf8: value, rule: t.rule) }
        writer.append(prefix: t.prefix, value: value)
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
