/// The mapping of a source: Okta profile attribute ← template, in config order.
///
/// ```swift
/// let m = try Mapping([("userName", "${email | lower}"), ("displayName", "${first_name} ${last_name}")])
/// m.profile(for: record)   // [("userName", "ann@example.com"), ("displayName", "Ann Lee")]
/// ```
/// All Okta profile values are strings; an empty mapped value is omitted from the profile.
public struct Mapping: Sendable {
    /// The parsed templates in config order.
    public let templates: [(name: String, template: MappingTemplate)]

    /// Parses every template; the error names the attribute and the column.
    public init(_ templates: [(name: String, template: String)]) throws(MappingError) {
        var parsed: [(name: String, template: MappingTemplate)] = []
        var names = Set<String>()
        for (name, text) in templates {
            guard !name.isEmpty else { throw MappingError(template: text, column: 1, message: "empty profile attribute name") }
            guard names.insert(name).inserted else {
                throw MappingError(attribute: name, template: text, column: 1, message: "\(name) is mapped twice")
            }
            do {
                parsed.append((name, try MappingTemplate(text)))
            } catch {
                var e = error
                e.attribute = name
                throw e
            }
        }
        self.templates = parsed
    }

    /// The target profile attribute names, in config order.
    public var profileAttributes: [String] { templates.map(\.name) }

    /// The source attribute names the templates read (first use order, no duplicates).
    public var sourceAttributes: [String] {
        var seen = Set<String>()
        return templates.flatMap(\.template.attributes).filter { seen.insert($0).inserted }
    }

    /// The Okta profile for `record`, in config order, without empty values.
    public func profile(for record: SourceRecord) -> [(String, String)] {
        var out: [(String, String)] = []
        out.reserveCapacity(templates.count)
        for (name, template) in templates {
            let value = template.evaluate(record)
            if !value.isEmpty { out.append((name, value)) }
        }
        return out
    }
}
