import PluginKit

/// The header row of a CSV file and the rules that turn data rows into records.
///
/// Semantics:
/// - Every column becomes an attribute named by its header (the externalId column too).
/// - An empty field is kept as an attribute with the value `""` (so status rules and mappings see
///   that the column is present but empty); the host's mapper omits empty mapped values.
/// - With a multi-value separator, each field other than the externalId splits into its non-empty
///   parts, in order; a field with no non-empty part stays one `""` value.
struct CSVHeader {
    let names: [String]
    let externalIdIndex: Int
    /// The column the status rule reads, when there is a rule.
    let statusIndex: Int?
    let options: CSVOptions

    /// Validates the header `row` (line `row.line` of `file`).
    init(row: CSVRow, options: CSVOptions, file: String) throws {
        let at = "\(file) line \(row.line) (header)"
        if let problem = row.problem { throw ConnectorError.sourceData("\(at): \(problem)") }
        var names: [String] = []
        var seen: [String: Int] = [:]
        for i in 0..<row.fieldCount {
            guard let name = Self.decode(row.field(i)) else {
                throw ConnectorError.sourceData("\(at), column \(i + 1): the name is not valid UTF-8")
            }
            guard !name.isEmpty else {
                throw ConnectorError.sourceData("\(at), column \(i + 1): the column has no name")
            }
            if let first = seen[name] {
                throw ConnectorError.sourceData(
                    "\(at): column \(i + 1) repeats the name \"\(name)\" of column \(first + 1); column names must be unique")
            }
            seen[name] = i
            names.append(name)
        }
        guard let idIndex = seen[options.externalIdColumn] else {
            throw ConnectorError.sourceData(
                "\(at): no column named \"\(options.externalIdColumn)\" (settings.externalId); the columns are "
                + Self.list(names))
        }
        if let rule = options.status {
            guard let index = seen[rule.attribute] else {
                throw ConnectorError.sourceData(
                    "\(at): no column named \"\(rule.attribute)\" (settings.status.attribute); the columns are "
                    + Self.list(names))
            }
            statusIndex = index
        } else {
            statusIndex = nil
        }
        self.names = names
        self.externalIdIndex = idIndex
        self.options = options
    }

    private static func list(_ names: [String]) -> String {
        let shown = names.prefix(20).map { "\"\($0)\"" }.joined(separator: ", ")
        return names.count > 20 ? shown + ", … (\(names.count) in all)" : shown
    }

    /// A problem with one data row; the reader fails on it or, with `onBadRow: skip`, skips the row.
    struct RowError: Error {
        var message: String
    }

    /// Builds the record for data `row` of `file`, or throws ``RowError``.
    func record(from row: CSVRow, file: String) throws(RowError) -> Record {
        let at = "\(file) line \(row.line)"
        if let problem = row.problem { throw RowError(message: "\(at): \(problem)") }
        guard row.fieldCount == names.count else {
            let detail = row.fieldCount < names.count
                ? "missing values from column \(row.fieldCount + 1) (\"\(names[row.fieldCount])\") on"
                : "extra values in column \(names.count + 1) and after"
            throw RowError(message: "\(at): the row has \(row.fieldCount) fields but the header has \(names.count) (\(detail))")
        }
        var attributes: [Record.Attribute] = []
        attributes.reserveCapacity(names.count)
        var externalId = ""
        var statusValue: String?
        for i in 0..<names.count {
            guard let value = Self.decode(row.field(i)) else {
                throw RowError(message: "\(at), column \(i + 1) (\"\(names[i])\"): the value is not valid UTF-8")
            }
            if i == statusIndex { statusValue = value }
            if i == externalIdIndex {
                guard !value.isEmpty else {
                    throw RowError(message: "\(at), column \(i + 1) (\"\(names[i])\"): the externalId is empty")
                }
                externalId = value
                attributes.append(Record.Attribute(names[i], value))
            } else if let separator = options.multiValueSeparator, !value.isEmpty {
                let parts = value.split(separator: separator)
                if parts.isEmpty {
                    attributes.append(Record.Attribute(names[i], ""))
                } else {
                    for part in parts { attributes.append(Record.Attribute(names[i], String(part))) }
                }
            } else {
                attributes.append(Record.Attribute(names[i], value))
            }
        }
        let status = options.status.map { $0.status(forValue: firstValue(statusValue)) } ?? .active
        if options.positions { attributes.append(Record.Attribute("xaas.position", at)) }
        return Record(kind: .user, externalId: externalId, status: status, attributes: attributes)
    }

    /// `bytes` as a String when they are valid UTF-8, else nil. (Faster than the generic
    /// `String(validating:as:)`: ASCII needs no check, and other text is decoded once and compared.)
    static func decode(_ bytes: ArraySlice<UInt8>) -> String? {
        bytes.withUnsafeBufferPointer { buffer in
            let s = String(decoding: buffer, as: UTF8.self)
            var ascii = true
            for b in buffer where b >= 0x80 { ascii = false; break }
            if ascii { return s }
            // Decoding replaces each invalid sequence with U+FFFD, so the bytes differ exactly when invalid.
            return s.utf8.elementsEqual(buffer) ? s : nil
        }
    }

    /// The first value of the status field (its first part when fields split).
    private func firstValue(_ value: String?) -> String? {
        guard let value, let separator = options.multiValueSeparator, statusIndex != externalIdIndex else { return value }
        return value.split(separator: separator).first.map(String.init) ?? value
    }
}
