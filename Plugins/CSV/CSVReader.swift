import Glibc
import PluginKit

/// A streaming RFC 4180 parser over the bytes of one open file.
///
/// It reads the file in 64 KiB chunks with `read(2)` and never holds more than one chunk plus one
/// row. Rules (strict RFC 4180, matching Python's `csv.reader(strict=True)` except where noted):
/// - CRLF, LF and a lone CR end a row; inside quotes they are data, kept verbatim.
/// - A field that starts with `"` is quoted; `""` inside it is one quote. After the closing quote
///   only the delimiter, a line end or the end of the file may follow.
/// - A `"` inside an unquoted field is an error (Python keeps it as data; RFC 4180 forbids it).
/// - A NUL byte is an error.
/// - An empty line is a blank row (``CSVRow/isBlank``); the caller skips it.
/// - A UTF-8 BOM at offset 0 is skipped; a UTF-16 BOM is an error (the file is not UTF-8).
/// Row-level problems are recorded in ``CSVRow/problem`` and the row is parsed to its end
/// leniently, so a caller may skip the row. Problems that make the rest of the file unreadable
/// (an unterminated quote, a row over ``maxRowBytes``, an I/O error) throw.
///
/// ## Ownership and threading
/// The reader owns its buffer but not the file descriptor (the caller closes it after the reader is
/// gone). Not thread-safe: one reader is used by one read at a time.
final class CSVReader {
    /// The most bytes one row may hold; beyond it the row is almost certainly an unterminated quote,
    /// and holding it would make memory grow with the file.
    static let maxRowBytes = 4 << 20
    static let chunkSize = 64 << 10

    private let fd: Int32
    private let buffer: UnsafeMutablePointer<UInt8>
    private var count = 0
    private var index = 0
    /// The file offset of `buffer[0]`.
    private var bufferOffset: UInt64
    private var atEOF = false
    /// The 1-based physical line at the current position.
    private(set) var line: Int
    private let delimiter: UInt8
    /// For messages: the file as the user named it.
    let displayName: String
    /// `stopUnquoted[b]`: byte `b` ends a run of plain bytes in an unquoted field.
    private var stopUnquoted = [Bool](repeating: false, count: 256)
    /// `stopQuoted[b]`: byte `b` ends a run of plain bytes in a quoted field.
    private var stopQuoted = [Bool](repeating: false, count: 256)

    private static let quote = UInt8(ascii: "\"")
    private static let cr = UInt8(ascii: "\r")
    private static let lf = UInt8(ascii: "\n")

    /// A reader over `fd` positioned at `offset`, which is the start of physical line `line`.
    init(fd: Int32, displayName: String, delimiter: UInt8, offset: UInt64 = 0, line: Int = 1) throws {
        self.fd = fd
        self.displayName = displayName
        self.delimiter = delimiter
        self.bufferOffset = offset
        self.line = line
        buffer = .allocate(capacity: Self.chunkSize)
        for b in [delimiter, Self.quote, Self.cr, Self.lf, 0] { stopUnquoted[Int(b)] = true }
        for b in [Self.quote, Self.cr, Self.lf, 0] { stopQuoted[Int(b)] = true }
        if lseek(fd, off_t(offset), SEEK_SET) < 0 {
            throw ConnectorError.sourceData("\(displayName): cannot seek to byte \(offset): \(Self.errnoText())")
        }
        if offset == 0 { try skipByteOrderMark() }
    }

    deinit { buffer.deallocate() }

    /// The file offset of the next unread byte.
    var offset: UInt64 { bufferOffset + UInt64(index) }

    private static func errnoText() -> String { String(cString: strerror(errno)) }

    /// Reads the next chunk; false at the end of the file.
    private func refill() throws -> Bool {
        if index < count { return true }
        if atEOF { return false }
        bufferOffset += UInt64(count)
        index = 0
        count = 0
        while true {
            let n = Glibc.read(fd, buffer, Self.chunkSize)
            if n > 0 { count = n; return true }
            if n == 0 { atEOF = true; return false }
            if errno == EINTR { continue }
            throw ConnectorError.transient("\(displayName): read failed at byte \(bufferOffset): \(Self.errnoText())")
        }
    }

    private func skipByteOrderMark() throws {
        // A chunk read holds at least the first 3 bytes of any file that has them (regular files).
        guard try refill() else { return }
        if count >= 3, buffer[0] == 0xEF, buffer[1] == 0xBB, buffer[2] == 0xBF {
            index = 3
        } else if count >= 2, (buffer[0] == 0xFF && buffer[1] == 0xFE) || (buffer[0] == 0xFE && buffer[1] == 0xFF) {
            throw ConnectorError.sourceData(
                "\(displayName): starts with a UTF-16 byte order mark; only UTF-8 is supported "
                + "(convert it, e.g. iconv -f UTF-16 -t UTF-8)")
        }
    }

    private enum State { case fieldStart, unquoted, quoted, afterQuote }

    /// Parses the next row into `row`; false at the end of the file.
    func nextRow(into row: inout CSVRow) throws -> Bool {
        row.reset(line: line)
        var state = State.fieldStart
        var sawContent = false
        var quoteLine = line
        var lastWasCR = false  // inside quotes: for counting CRLF as one line
        while true {
            guard try refill() else { break }
            let c = buffer[index]
            switch state {
            case .fieldStart:
                if c == Self.quote {
                    state = .quoted
                    quoteLine = line
                    lastWasCR = false
                    sawContent = true
                    index += 1
                } else if c == delimiter {
                    row.endField()
                    sawContent = true
                    index += 1
                } else if c == Self.cr || c == Self.lf {
                    if sawContent { row.endField() } else { row.isBlank = true }
                    try consumeLineEnd(c)
                    return true
                } else {
                    state = .unquoted
                    sawContent = true
                }
            case .unquoted:
                let start = index
                index = scan(from: start, stops: stopUnquoted)
                try append(start, &row)
                guard index < count else { continue }
                let stop = buffer[index]
                if stop == delimiter {
                    row.endField()
                    index += 1
                    state = .fieldStart
                } else if stop == Self.cr || stop == Self.lf {
                    row.endField()
                    try consumeLineEnd(stop)
                    return true
                } else {
                    let field = row.fieldCount + 1
                    row.flag(stop == 0
                        ? "NUL byte in field \(field)"
                        : "field \(field) has a quote inside an unquoted value (quote the whole field and double the quote)")
                    index += 1
                    try appendByte(stop, &row)
                }
            case .quoted:
                let start = index
                index = scan(from: start, stops: stopQuoted)
                if index > start { lastWasCR = false }
                try append(start, &row)
                guard index < count else { continue }
                let stop = buffer[index]
                index += 1
                if stop == Self.quote {
                    state = .afterQuote
                } else {
                    if stop == 0 { let field = row.fieldCount + 1; row.flag("NUL byte in field \(field)") }
                    if stop == Self.cr { line += 1; lastWasCR = true }
                    if stop == Self.lf { if !lastWasCR { line += 1 }; lastWasCR = false }
                    try appendByte(stop, &row)
                }
            case .afterQuote:
                if c == Self.quote {
                    try appendByte(c, &row)
                    index += 1
                    state = .quoted
                    lastWasCR = false
                } else if c == delimiter {
                    row.endField()
                    index += 1
                    state = .fieldStart
                } else if c == Self.cr || c == Self.lf {
                    row.endField()
                    try consumeLineEnd(c)
                    return true
                } else {
                    let field = row.fieldCount + 1
                    row.flag("field \(field) has text after its closing quote (expected the delimiter or a line end)")
                    state = .unquoted  // Python's lenient rule: the rest is data
                }
            }
        }
        // End of file.
        switch state {
        case .fieldStart:
            guard sawContent else { return false }
            row.endField()
        case .unquoted, .afterQuote:
            row.endField()
        case .quoted:
            throw ConnectorError.sourceData(
                "\(displayName) line \(quoteLine): unterminated quote: field \(row.fieldCount + 1) opens a quote "
                + "that is never closed before the end of the file")
        }
        return true
    }

    /// The index of the first byte at or after `start` that `stops` marks, or `count`.
    @inline(__always)
    private func scan(from start: Int, stops: [Bool]) -> Int {
        let end = count
        let bytes = buffer
        return stops.withUnsafeBufferPointer { table in
            var i = start
            while i < end, !table[Int(bytes[i])] { i += 1 }
            return i
        }
    }

    /// Consumes a line end starting with `c` (at `index`): LF, CR or CRLF.
    private func consumeLineEnd(_ c: UInt8) throws {
        index += 1
        line += 1
        if c == Self.cr, try refill(), buffer[index] == Self.lf { index += 1 }
    }

    private func append(_ start: Int, _ row: inout CSVRow) throws {
        guard index > start else { return }
        row.bytes.append(contentsOf: UnsafeBufferPointer(start: buffer + start, count: index - start))
        if row.bytes.count > Self.maxRowBytes { throw tooLong(row) }
    }

    private func appendByte(_ b: UInt8, _ row: inout CSVRow) throws {
        row.bytes.append(b)
        if row.bytes.count > Self.maxRowBytes { throw tooLong(row) }
    }

    private func tooLong(_ row: CSVRow) -> ConnectorError {
        .sourceData("\(displayName) line \(row.line): the row is longer than \(Self.maxRowBytes >> 20) MiB; "
            + "most likely a quote opened on or after line \(row.line) is never closed")
    }
}
