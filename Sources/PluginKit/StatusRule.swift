/// The `status` setting shared by every connector:
/// `{"attribute": "active", "activeValues": ["true", "1", "yes"]}`.
///
/// Absent, every record is active. Present, a record is active when its first value of `attribute`
/// equals one of `activeValues` (case-insensitively, after trimming spaces); a record without the
/// attribute is inactive unless `missing` says `"active"`.
public struct StatusRule: Sendable, Equatable {
    public var attribute: String
    public var activeValues: Set<String>
    public var missingIsActive: Bool

    public init(attribute: String, activeValues: [String], missingIsActive: Bool = false) {
        self.attribute = attribute
        self.activeValues = Set(activeValues.map(StatusRule.normalize))
        self.missingIsActive = missingIsActive
    }

    /// Reads the rule from `settings.status`, or `nil` when absent.
    public static func parse(_ settings: Settings, key: String = "status", defaultActiveValues: [String] = ["true", "1", "yes"]) throws -> StatusRule? {
        guard let s = try settings.object(key) else { return nil }
        let attribute = try s.requiredString("attribute")
        let values = try s.stringArray("activeValues") ?? defaultActiveValues
        let missing = try s.string("missing") ?? "inactive"
        guard missing == "active" || missing == "inactive" else {
            throw ConnectorError.config("\(s.path).missing: expected \"active\" or \"inactive\"")
        }
        try s.rejectUnknownKeys()
        return StatusRule(attribute: attribute, activeValues: values, missingIsActive: missing == "active")
    }

    /// The status for a record whose first value of ``attribute`` is `value` (nil = absent).
    public func status(forValue value: String?) -> Record.Status {
        guard let value else { return missingIsActive ? .active : .inactive }
        return activeValues.contains(StatusRule.normalize(value)) ? .active : .inactive
    }

    /// The status of a record from its attributes.
    public func status(of attributes: [Record.Attribute]) -> Record.Status {
        status(forValue: attributes.first { $0.name == attribute }?.value)
    }

    static func normalize(_ s: String) -> String {
        s.trimmingSpaces().lowercased()
    }

    /// The JSON Schema fragment for this setting, for connectors' settings schemas.
    public static let schemaFragment = """
    {"type":"object","properties":{"attribute":{"type":"string"},"activeValues":{"type":"array","items":{"type":"string"}},"missing":{"enum":["active","inactive"]}},"required":["attribute"],"additionalProperties":false}
    """
}

extension String {
    /// The string without leading and trailing ASCII spaces and tabs.
    func trimmingSpaces() -> String {
        var s = Substring(self)
        while let f = s.first, f == " " || f == "\t" { s.removeFirst() }
        while let l = s.last, l == " " || l == "\t" { s.removeLast() }
        return String(s)
    }
}
