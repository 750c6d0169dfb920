import Glibc
import PluginKit
import XaasText

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
    /// The last status field's bytes and the status they gave.
    private var statusCache: (bytes: [UInt8], status: Record.Status)?

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

    /// Lays out the record for data `row` of `file` in `page` (attribute names from `names`, one per
    /// column), or throws ``RowError`` and adds nothing. The row's bytes are copied into the page once;
    /// every value points into that copy.
    mutating func append(_ row: CSVRow, names pageNames: [PageString], to page: PageBuilder, file: String) throws(RowError) {
        try check(row, file: file)
        let copy = row.withBytes { page.string($0) }
        var externalId = PageString.empty
        let multiValueSeparator = options.multiValueSeparator
        for i in 0..<names.count {
            let start = row.start(i), value = copy.slice(start, row.end(i) - start)
            if i == externalIdIndex {
                externalId = value
                page.appendAttribute(name: pageNames[i], value: value)
            } else if let separator = multiValueSeparator, value.count > 0 {
                let parts = String(decoding: row.field(i), as: UTF8.self).split(separator: separator)
                if parts.isEmpty { page.appendAttribute(name: pageNames[i], value: .empty) }
                for part in parts { page.appendAttribute(name: pageNames[i], value: page.string(String(part))) }
            } else {
                page.appendAttribute(name: pageNames[i], value: value)
            }
        }
        if options.positions {
            page.appendAttribute(name: page.string("xaas.position"), value: page.string("\(file) line \(row.line)"))
        }
        page.endRecord(kind: .user, externalId: externalId, status: status(of: row))
    }

    /// Throws the row's first problem, in column order: structure, field count, invalid UTF-8, empty externalId.
    private func check(_ row: CSVRow, file: String) throws(RowError) {
        var at: String { "\(file) line \(row.line)" }  // built only for a message
        if let problem = row.problem { throw RowError(message: "\(at): \(problem)") }
        guard row.fieldCount == names.count else {
            let detail = row.fieldCount < names.count
                ? "missing values from column \(row.fieldCount + 1) (\"\(names[row.fieldCount])\") on"
                : "extra values in column \(names.count + 1) and after"
            throw RowError(message: "\(at): the row has \(row.fieldCount) fields but the header has \(names.count) (\(detail))")
        }
        // The separators between fields are ASCII, so the whole row is valid exactly when every field is;
        // the fields are looked at one by one only to name the bad column.
        let valid = row.withBytes { UTF8Check.isValid($0) }
        for i in 0..<names.count where !valid || i == externalIdIndex {
            if !valid, Self.decode(row.field(i)) == nil {
                throw RowError(message: "\(at), column \(i + 1) (\"\(names[i])\"): the value is not valid UTF-8")
            }
            if i == externalIdIndex, row.end(i) == row.start(i) {
                throw RowError(message: "\(at), column \(i + 1) (\"\(names[i])\"): the externalId is empty")
            }
        }
    }

    /// The row's status under the status rule; the last answer is reused while the field's bytes repeat.
    private mutating func status(of row: CSVRow) -> Record.Status {
        guard let rule = options.status, let index = statusIndex else { return .active }
        let field = row.field(index)
        if let cached = statusCache, Self.same(cached.bytes, field) { return cached.status }
        let status = rule.status(forValue: firstValue(String(decoding: field, as: UTF8.self)))
        statusCache = (Array(field), status)
        return status
    }

    /// Whether `a` and `b` hold the same bytes (memcmp; `elementsEqual` is slower on slices).
    @inline(__always)
    private static func same(_ a: [UInt8], _ b: ArraySlice<UInt8>) -> Bool {
        a.count == b.count && a.withUnsafeBytes { x in
            b.withUnsafeBytes { y in x.count == 0 || memcmp(x.baseAddress!, y.baseAddress!, x.count) == 0 }
        }
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
