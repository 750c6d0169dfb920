import Glibc
import PluginKit

/// One read of the file: the open descriptor, its parser and its header.
///
/// ## Ownership
/// Owns the file descriptor; closes it in `deinit`. Used by one thread at a time.
final class CSVSession {
    private let fd: Int32
    private let reader: CSVReader
    private var header: CSVHeader
    private let options: CSVOptions
    private let identity: FileIdentity
    private var row = CSVRow()
    /// Group names already yielded in this read (with `settings.groups`).
    private var groupsSeen = Set<String>()
    /// The index of `settings.groups.column`, when groups are read.
    private let groupColumn: Int?

    /// Opens the file, reads and checks its header, and positions at `resume` (or the first row).
    init(options: CSVOptions, resume: CSVCursor?) throws {
        self.options = options
        let path = options.path
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw Self.openError(path: path, errno: errno) }
        self.fd = fd
        do {
            identity = try FileIdentity.of(fd: fd, displayName: path)
            var s = stat()
            if fstat(fd, &s) == 0, (s.st_mode & S_IFMT) == S_IFDIR {
                throw ConnectorError.config("settings.path: \(path) is a directory, not a CSV file")
            }
            if let resume, resume.identity != identity {
                throw ConnectorError.sourceData(
                    "\(path) changed since this read started (\(resume.identity.difference(to: identity))); start a new read")
            }
            var headerReader = try CSVReader(fd: fd, displayName: path, delimiter: options.delimiter)
            var headerRow = CSVRow()
            repeat {
                guard try headerReader.nextRow(into: &headerRow) else {
                    throw ConnectorError.sourceData(
                        "\(path) is empty: expected a header row naming the columns (an empty source is refused "
                        + "so that a truncated export cannot deactivate every user)")
                }
            } while headerRow.isBlank
            let header = try CSVHeader(row: headerRow, options: options, file: path)
            self.header = header
            groupColumn = options.groups.flatMap { header.names.firstIndex(of: $0.column) }
            if let groups = options.groups, groupColumn == nil {
                throw ConnectorError.config("settings.groups.column: \(path) has no column \"\(groups.column)\" (columns: \(header.names.joined(separator: ", ")))")
            }
            if let resume {
                headerReader = try CSVReader(fd: fd, displayName: path, delimiter: options.delimiter,
                                             offset: resume.offset, line: resume.line)
            }
            reader = headerReader
        } catch {
            close(fd)
            throw error
        }
    }

    deinit { close(fd) }

    private static func openError(path: String, errno code: Int32) -> ConnectorError {
        let reason = String(cString: strerror(code))
        switch code {
        case ENOENT, ENOTDIR: return .notFound("CSV file not found: \(path) (\(reason))")
        case EACCES, EPERM: return .permission("cannot open CSV file \(path): \(reason)")
        default: return .transient("cannot open CSV file \(path): \(reason)")
        }
    }

    /// Where the next row starts.
    var cursor: CSVCursor { CSVCursor(offset: reader.offset, line: reader.line, identity: identity) }

    /// Reads up to `size` rows (records plus skipped rows) into a page laid out straight in C memory.
    /// Cancellation is polled every 256 rows.
    func readPage(size: Int, isCancelled: () -> Bool) throws -> Page {
        try checkUnchanged()
        let page = PageBuilder(expectedRecords: min(size, 10_000), attributesPerRecord: header.names.count)
        let names = header.names.map { page.string($0) }
        var fill = Fill(page: page, names: names, size: size)
        try fill.run(reader: reader, options: options, groupColumn: groupColumn, isCancelled: isCancelled,
                     row: &row, header: &header, groupsSeen: &groupsSeen)
        return Page(builder: page, nextCursor: fill.ended ? nil : cursor.text, skippedCount: fill.skipped, notes: fill.notes)
    }

    /// Filling one page. The session's row, header and group set come in `inout` for the whole page, so
    /// the per-row loop works on locals (a class's stored properties carry a runtime exclusivity check
    /// on every access).
    private struct Fill {
        let page: PageBuilder
        let names: [PageString]
        let size: Int
        var skipped = 0
        var notes: [String] = []
        var ended = false

        init(page: PageBuilder, names: [PageString], size: Int) {
            self.page = page
            self.names = names
            self.size = size
        }

        mutating func run(reader: CSVReader, options: CSVOptions, groupColumn: Int?, isCancelled: () -> Bool,
                          row: inout CSVRow, header: inout CSVHeader, groupsSeen: inout Set<String>) throws {
            var rows = 0
            while page.recordCount + skipped < size {
                if rows & 255 == 0, isCancelled() { throw ConnectorError.cancelled("CSV read of \(options.path) cancelled") }
                rows += 1
                guard try reader.nextRow(into: &row) else { ended = true; return }
                if row.isBlank { continue }
                do {
                    try header.append(row, names: names, to: page, file: options.path)
                    if let groups = options.groups, let column = groupColumn {
                        groups.emit(user: row.field(header.externalIdIndex), value: row.field(column),
                                    multiValueSeparator: options.multiValueSeparator, into: page, seen: &groupsSeen)
                    }
                } catch {
                    guard options.onBadRow == .skip else { throw ConnectorError.sourceData(error.message) }
                    skipped += 1
                    notes.append(error.message + " (row skipped)")
                }
            }
        }
    }

    /// Fails when the file at `path` is no longer the one this read started on.
    private func checkUnchanged() throws {
        let path = options.path
        var s = stat()
        let now: FileIdentity
        if stat(path, &s) == 0 {
            now = FileIdentity(s)
        } else {
            throw ConnectorError.sourceData("\(path) disappeared during the read; start a new read")
        }
        let open = try FileIdentity.of(fd: fd, displayName: path)
        for current in [now, open] where current != identity {
            throw ConnectorError.sourceData(
                "\(path) changed during the read (\(identity.difference(to: current))); start a new read")
        }
    }
}
