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

    /// Reusable buffers of one planning thread (the profile being written, one template's value).
    public struct Buffers {
        var writer = ProfileWriter()
        var value = ""
        public init() { value.reserveCapacity(128) }

        /// The profile the last ``ProfileMapper/map(_:using:)`` wrote (made only for a change).
        public var profile: Profile { writer.profile }
    }

    private struct Compiled {
        var name: String
        var template: MappingTemplate
        /// The attribute of a plain `${attribute}` template.
        var plain: String?
        var rule: Mapping.ValueRule
        /// Index in ``Mapping/requiredAttributes``, when the attribute is required.
        var required: Int?
    }

    private enum Source {
        case mapping([Compiled])
        case pairs((SourceRecord) -> [(String, String)], validate: ((String, [(String, String)]) -> String?)?)
    }

    private let source: Source

    /// The mapper of a source's mapping, with Okta's user profile checks.
    public init(_ mapping: Mapping) {
        source = .mapping(mapping.templates.map { name, template in
            Compiled(name: name, template: template, plain: template.plainAttribute, rule: Mapping.ValueRule(name),
                     required: Mapping.requiredAttributes.firstIndex(of: name))
        })
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
            buffers.writer.reset()
            var present = 0
            var problem: String?
            for t in templates {
                let value: String
                if let plain = t.plain {
                    guard let v = record.firstNonEmptyValue(plain) else { continue }
                    value = v
                } else {
                    t.template.evaluate(record, into: &buffers.value)
                    if buffers.value.isEmpty { continue }
                    value = buffers.value
                }
                if let r = t.required { present |= 1 << r }
                if problem == nil, !t.rule.checksNothing { problem = Mapping.valueProblem(t.name, value, rule: t.rule) }
                buffers.writer.append(name: t.name, value: value)
            }
            for (r, name) in Mapping.requiredAttributes.enumerated() where present & (1 << r) == 0 {
                return .invalid(Mapping.missing(name))
            }
            if let problem { return .invalid(problem) }
            return .mapped(hash: buffers.writer.hash)
        }
    }
}
