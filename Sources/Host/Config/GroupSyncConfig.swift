import XaasJSON

/// A source's `groups` key: whether groups and memberships are synced, and how.
///
/// `"groups": true` is this object with its defaults; `false` turns group sync off; the object form is
/// `{"enabled": true, "filter": "…", "mapping": {"displayName": "${cn}", "description": "${description}"},
/// "safeguards": {"maxDeletePercent": 20, "maxMembershipRemovals": 5000}}`. When the key is absent, groups
/// are synced if the connector declares the groups capability (like Okta's "Import Groups" box).
public struct GroupSyncConfig: Sendable {
    public var enabled = true
    /// Groups not matching are out of scope (deleted from Okta if xaas created them).
    public var filter: FilterExpression?
    /// `displayName` and `description` templates; `nil` = the connector's name attribute / `description`.
    public var displayName: MappingTemplate?
    public var description: MappingTemplate?
    /// Block a run deleting more than this percentage of the source's groups (`nil` = no limit).
    public var maxDeletePercent: Double? = 20
    /// Block a run removing more than this many memberships (`nil` = no limit).
    public var maxMembershipRemovals: Int? = 5000

    public init(enabled: Bool = true) { self.enabled = enabled }

    static let knownKeys = ["enabled", "filter", "mapping", "safeguards"]

    /// Reads `$.groups` (a boolean or an object); `nil` when absent or invalid (problems reported).
    static func read(_ json: JSONValue, reader: inout ConfigReader) -> GroupSyncConfig? {
        guard let value = json["groups"], value != .null else { return nil }
        if case .bool(let b) = value { return GroupSyncConfig(enabled: b) }
        guard case .object = value else {
            reader.problem("$.groups", "expected true, false or an object {\"enabled\", \"filter\", \"mapping\", \"safeguards\"}, got \(value.typeName)")
            return nil
        }
        reader.rejectUnknownKeys(value, at: "$.groups", known: knownKeys)
        var config = GroupSyncConfig(enabled: reader.bool(value, "enabled", at: "$.groups") ?? true)
        if let text = reader.string(value, "filter", at: "$.groups") {
            do { config.filter = try FilterExpression(text) } catch { reader.problem("$.groups.filter", error.description) }
        }
        if let mapping = reader.object(value, "mapping", at: "$.groups") {
            reader.rejectUnknownKeys(mapping, at: "$.groups.mapping", known: ["displayName", "description"])
            config.displayName = template(mapping, "displayName", reader: &reader)
            config.description = template(mapping, "description", reader: &reader)
        }
        if let safeguards = reader.object(value, "safeguards", at: "$.groups") {
            let at = "$.groups.safeguards"
            reader.rejectUnknownKeys(safeguards, at: at, known: ["maxDeletePercent", "maxMembershipRemovals"])
            if safeguards["maxDeletePercent"] == .null { config.maxDeletePercent = nil }
            else if let p = reader.double(safeguards, "maxDeletePercent", at: at, range: 0...100) { config.maxDeletePercent = p }
            if safeguards["maxMembershipRemovals"] == .null { config.maxMembershipRemovals = nil }
            else if let n = reader.int(safeguards, "maxMembershipRemovals", at: at, range: 0...Int(Int32.max)) { config.maxMembershipRemovals = n }
        }
        return config
    }

    private static func template(_ mapping: JSONValue, _ key: String, reader: inout ConfigReader) -> MappingTemplate? {
        guard let text = reader.string(mapping, key, at: "$.groups.mapping") else { return nil }
        do { return try MappingTemplate(text) } catch {
            reader.problem("$.groups.mapping.\(key)", error.positionedMessage)
            return nil
        }
    }
}
