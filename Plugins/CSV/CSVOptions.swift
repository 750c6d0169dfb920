import PluginKit

/// The validated settings of a CSV connector instance.
///
/// ```json
/// {"path": "/data/users.csv", "delimiter": ",", "externalId": "id",
///  "status": {"attribute": "active", "activeValues": ["true", "1", "yes"]},
///  "onBadRow": "fail", "encoding": "utf-8", "multiValueSeparator": "|"}
/// ```
struct CSVOptions: Sendable {
    /// What to do with a bad data row.
    enum BadRowPolicy: String, Sendable { case fail, skip }

    /// The file, as the user wrote it (relative paths resolve against the host's working directory).
    var path: String
    /// One of `,` `;` tab `|`.
    var delimiter: UInt8
    /// The column holding each record's externalId.
    var externalIdColumn: String
    /// `nil`: every record is active.
    var status: StatusRule?
    var onBadRow: BadRowPolicy
    /// When set, every field except the externalId splits on it into several values.
    var multiValueSeparator: String?
    /// Add each record's position as the attribute `xaas.position` (`<path> line <N>`), which the host
    /// quotes in per-record problems (e.g. a bad lifecycle date).
    var positions: Bool

    /// The column of group names, when groups are read.
    var groups: CSVGroupColumn?

    /// The JSON Schema of the settings object (the descriptor's `settings_schema_json`).
    static let schema = #"""
    {"type":"object","properties":{"path":{"type":"string"},"delimiter":{"enum":[",",";","\t","|","tab"]},"externalId":{"type":"string"},"status":\#(StatusRule.schemaFragment.trimmingWhitespace),"onBadRow":{"enum":["fail","skip"]},"encoding":{"enum":["utf-8"]},"multiValueSeparator":{"type":"string"},"positions":{"type":"boolean"},"groups":\#(CSVGroupColumn.schemaFragment)},"required":["path","externalId"],"additionalProperties":false}
    """#

    /// Reads and validates `settings`; every problem is a `CONFIG` error naming the setting.
    init(_ settings: Settings) throws {
        path = try settings.requiredString("path")
        let delimiterText = try settings.string("delimiter") ?? ","
        switch delimiterText {
        case ",": delimiter = UInt8(ascii: ",")
        case ";": delimiter = UInt8(ascii: ";")
        case "\t", "tab": delimiter = UInt8(ascii: "\t")
        case "|": delimiter = UInt8(ascii: "|")
        default:
            throw ConnectorError.config(
                "settings.delimiter: \(Self.quoted(delimiterText)) is not supported; use \",\", \";\", \"|\" or \"\\t\" (tab)")
        }
        externalIdColumn = try settings.requiredString("externalId")
        status = try StatusRule.parse(settings)
        let policy = try settings.string("onBadRow") ?? "fail"
        guard let onBadRow = BadRowPolicy(rawValue: policy) else {
            throw ConnectorError.config("settings.onBadRow: expected \"fail\" or \"skip\", got \(Self.quoted(policy))")
        }
        self.onBadRow = onBadRow
        if let encoding = try settings.string("encoding"), encoding != "utf-8" {
            throw ConnectorError.config(
                "settings.encoding: only \"utf-8\" is supported, got \(Self.quoted(encoding)); "
                + "convert the file first (e.g. iconv -f \(encoding) -t UTF-8)")
        }
        multiValueSeparator = try settings.string("multiValueSeparator")
        if let separator = multiValueSeparator {
            guard !separator.isEmpty else {
                throw ConnectorError.config("settings.multiValueSeparator must not be empty (omit it to keep fields whole)")
            }
            guard !separator.utf8.contains(delimiter), !separator.contains("\"") else {
                throw ConnectorError.config(
                    "settings.multiValueSeparator: \(Self.quoted(separator)) must not contain the delimiter or a quote")
            }
        }
        positions = try settings.bool("positions") ?? false
        groups = try CSVGroupColumn.parse(settings)
        try settings.rejectUnknownKeys()
    }

    private static func quoted(_ s: String) -> String {
        "\"" + String(s.unicodeScalars.prefix(20).map { $0.isASCII && $0.value >= 0x20 ? Character($0) : "?" }) + "\""
    }
}

extension String {
    /// The string without leading and trailing whitespace and newlines.
    var trimmingWhitespace: String {
        var s = Substring(self)
        while let f = s.first, f.isWhitespace { s.removeFirst() }
        while let l = s.last, l.isWhitespace { s.removeLast() }
        return String(s)
    }
}
