import PluginKit

/// `"groups": {"column": "groups", "separator": ";"}`: a column listing each user's group names. A read
/// yields each group once (externalId and `name` = the group name) and one membership record per user
/// and group. Memory: the set of group names met so far in the read (one entry per group, not per user).
struct CSVGroupColumn: Sendable {
    var column: String
    var separator: String

    static let schemaFragment = #"{"type":"object","properties":{"column":{"type":"string"},"separator":{"type":"string"}},"required":["column"],"additionalProperties":false}"#

    /// Reads `settings.groups`, or `nil` when absent.
    static func parse(_ settings: Settings) throws -> CSVGroupColumn? {
        guard let groups = try settings.object("groups") else { return nil }
        let column = try groups.requiredString("column")
        let separator = try groups.string("separator") ?? ";"
        guard !separator.isEmpty else { throw ConnectorError.config("settings.groups.separator must not be empty") }
        try groups.rejectUnknownKeys()
        return CSVGroupColumn(column: column, separator: separator)
    }

    /// Appends the group records (first mention in this read) and membership records of `user`.
    func emit(for user: Record, into records: inout [Record], seen: inout Set<String>) {
        var names: [String] = []
        for value in user.attributes where value.name == column {
            for part in value.value.split(separator: separator) {
                let name = String(part).trimmingWhitespace
                if !name.isEmpty, !names.contains(name) { names.append(name) }
            }
        }
        for name in names {
            if seen.insert(name).inserted {
                records.append(Record(kind: .group, externalId: name, status: .active, attributes: [Record.Attribute("name", name)]))
            }
            records.append(Record(kind: .membership, externalId: name, status: .active,
                                  attributes: [Record.Attribute("member", user.externalId)]))
        }
    }
}
