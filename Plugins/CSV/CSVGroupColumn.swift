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

    /// Appends to `page` the group records (first mention in this read) and the membership records of the
    /// user whose externalId field is `user` and whose group field is `value` (both valid UTF-8: the row
    /// passed its checks). With a multi-value separator the field splits on it first.
    func emit(user: ArraySlice<UInt8>, value: ArraySlice<UInt8>, multiValueSeparator: String?,
              into page: PageBuilder, seen: inout Set<String>) {
        guard !value.isEmpty else { return }
        let text = String(decoding: value, as: UTF8.self)
        let fields = multiValueSeparator.map { text.split(separator: $0).map(String.init) } ?? [text]
        var names: [String] = []
        for field in fields {
            for part in field.split(separator: separator) {
                let name = String(part).trimmingWhitespace
                if !name.isEmpty, !names.contains(name) { names.append(name) }
            }
        }
        guard !names.isEmpty else { return }
        let member = String(decoding: user, as: UTF8.self)
        for name in names {
            if seen.insert(name).inserted {
                page.append(Record(kind: .group, externalId: name, status: .active, attributes: [Record.Attribute("name", name)]))
            }
            page.append(Record(kind: .membership, externalId: name, status: .active,
                               attributes: [Record.Attribute("member", member)]))
        }
    }
}
