import Glibc
import PluginKit

/// A streaming RFC 4180 parser over the bytes of one open file.
///
/// It reads the file in chunks with `read(2)` into one fixed buffer and never holds more than that
/// buffer plus one row. Rules (strict RFC 4180, matching Python's `csv.reader(strict=True)` except where noted):
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
/// ## Two paths
/// A row that lies whole in the buffer and holds no quote, CR (other than the CRLF ending it) or NUL
/// — the usual row — takes the **plain path**: `memchr` finds its LF, one pass finds the delimiters, and
/// the row's bytes are copied once. Any other row takes the **quoted path** (`CSVReader+Quoted.swift`),
/// a byte-level state machine that unescapes quotes and spans buffer refills.
///
/// ## Ownership and threading
/// The reader owns its buffer but not the file descriptor (the caller closes it after the reader is
/// gone). Not thread-safe: one reader is used by one read at a time.
final class CSVReader {
    /// The most bytes one row may hold; beyond it the row is almost certainly an unterminated quote,
    /// and holding it would make memory grow with the file.
    static let maxRowBytes = 4 << 20
    /// The buffer's size: a row longer than it takes the quoted path, which spans refills.
    static let bufferSize = 256 << 10

    let fd: Int32
    let buffer: UnsafeMutablePointer<UInt8>
    var count = 0
    var index = 0
    /// The file offset of `buffer[0]`.
    var bufferOffset: UInt64
    var atEOF = false
    /// The file offset before which rows take the quoted path: the plain path found no LF in a full
    /// buffer there (a very long row, or lone-CR line ends), so trying it again per row would be wasted.
    private var quotedUntil: UInt64 = 0
    /// The 1-based physical line at the current position.
    var line: Int
    let delimiter: UInt8
    /// For messages: the file as the user named it.
    let displayName: String
    /// `stopUnquoted[b]`: byte `b` ends a run of plain bytes in an unquoted field.
    let stopUnquoted: UnsafeMutablePointer<Bool>
    /// `stopQuoted[b]`: byte `b` ends a run of plain bytes in a quoted field.
    let stopQuoted: UnsafeMutablePointer<Bool>

    static let quote = UInt8(ascii: "\"")
    static let cr = UInt8(ascii: "\r")
    static let lf = UInt8(ascii: "\n")

    /// A reader over `fd` positioned at `offset`, which is the start of physical line `line`.
    init(fd: Int32, displayName: String, delimiter: UInt8, offset: UInt64 = 0, line: Int = 1) throws {
        self.fd = fd
        self.displayName = displayName
        self.delimiter = delimiter
        self.bufferOffset = offset
        self.line = line
        buffer = .allocate(capacity: Self.bufferSize)
        stopUnquoted = .allocate(capacity: 256)
        stopUnquoted.initialize(repeating: false, count: 256)
        stopQuoted = .allocate(capacity: 256)
        stopQuoted.initialize(repeating: false, count: 256)
        for b in [delimiter, Self.quote, Self.cr, Self.lf, 0] { stopUnquoted[Int(b)] = true }
        for b in [Self.quote, Self.cr, Self.lf, 0] { stopQuoted[Int(b)] = true }
        if lseek(fd, off_t(offset), SEEK_SET) < 0 {
            throw ConnectorError.sourceData("\(displayName): cannot seek to byte \(offset): \(Self.errnoText())")
        }
        if offset == 0 { try skipByteOrderMark() }
    }

    deinit {
        buffer.deallocate()
        stopUnquoted.deallocate()
        stopQuoted.deallocate()
    }

    /// The file offset of the next unread byte.
    var offset: UInt64 { bufferOffset + UInt64(index) }

    static func errnoText() -> String { String(cString: strerror(errno)) }

    /// Parses the next row into `row`; false at the end of the file.
    func nextRow(into row: inout CSVRow) throws -> Bool {
        row.reset(line: line)
        if offset >= quotedUntil {
            switch try plainRow(into: &row) {
            case .row: return true
            case .endOfFile: return false
            case .notPlain: row.reset(line: line)
            }
        }
        return try quotedRow(into: &row)
    }

    // MARK: Buffer

    /// Makes sure a byte is buffered at `index`, reading the next chunk into an emptied buffer when
    /// all are consumed; false at the end of the file.
    func refill() throws -> Bool {
        if index < count { return true }
        if atEOF { return false }
        bufferOffset += UInt64(count)
        index = 0
        count = 0
        return try readMore()
    }

    /// Moves the unconsumed bytes to the front of the buffer and reads after them; false when nothing
    /// was added (the end of the file, or the buffer is full of one unfinished row).
    private func compactAndRead() throws -> Bool {
        if atEOF { return false }
        if index > 0 {
            let kept = count - index
            if kept > 0 { buffer.update(from: buffer + index, count: kept) }
            bufferOffset += UInt64(index)
            index = 0
            count = kept
        }
        guard count < Self.bufferSize else { return false }
        return try readMore()
    }

    /// One `read(2)` into the free end of the buffer; false at the end of the file.
    private func readMore() throws -> Bool {
        while true {
            let n = Glibc.read(fd, buffer + count, Self.bufferSize - count)
            if n > 0 { count += n; return true }
            if n == 0 { atEOF = true; return false }
            if errno == EINTR { continue }
            throw ConnectorError.transient(
                "\(displayName): read failed at byte \(bufferOffset + UInt64(count)): \(Self.errnoText())")
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

    // MARK: Plain path

    private enum PlainOutcome { case row, endOfFile, notPlain }

    /// Parses the row at `index` when it is plain (see the type's notes); `.notPlain` consumes nothing.
    private func plainRow(into row: inout CSVRow) throws -> PlainOutcome {
        guard let (end, hasLF) = try findLineEnd() else { return .notPlain }
        if !hasLF, end == index { return .endOfFile }
        var contentEnd = end
        if hasLF, contentEnd > index, buffer[contentEnd - 1] == Self.cr { contentEnd -= 1 }
        if contentEnd == index {
            row.isBlank = true
        } else {
            let (start, end) = (index, contentEnd)
            guard row.fillEnds(atMost: end - start + 1, { scanPlain(from: start, to: end, into: $0) }) else { return .notPlain }
            row.setPlain(UnsafeBufferPointer(start: buffer + start, count: end - start))
        }
        index = hasLF ? end + 1 : end
        if hasLF { line += 1 }
        return .row
    }

    /// The buffer index of the LF ending the row at `index` (reading more as needed), or the end of the
    /// data at the end of the file (`hasLF` false); nil when one buffer cannot hold the row.
    private func findLineEnd() throws -> (end: Int, hasLF: Bool)? {
        var searched = index
        while true {
            if count > searched, let p = memchr(buffer + searched, Int32(Self.lf), count - searched) {
                return (p.assumingMemoryBound(to: UInt8.self) - buffer, true)
            }
            searched = count - index
            if try !compactAndRead() {
                if atEOF { return (count, false) }
                quotedUntil = bufferOffset + UInt64(count)
                return nil
            }
            searched += index
        }
    }

    /// Writes to `ends` where the fields of the non-empty line `buffer[start..<end]` end (offsets from
    /// `start`) and returns how many there are; nil when the line holds a quote, a CR or a NUL, which only
    /// the quoted path handles.
    /// Eight bytes at a time: a word with none of those bytes is checked with a few operations, and its
    /// delimiters are found from a bit mask.
    @inline(__always)
    private func scanPlain(from start: Int, to end: Int, into ends: UnsafeMutablePointer<Int>) -> Int? {
        var n = 0
        let raw = UnsafeRawPointer(buffer)
        let d = Self.repeated(delimiter), q = Self.repeated(Self.quote), r = Self.repeated(Self.cr)
        var i = start
        while i + 8 <= end {
            let w = raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)
            if Self.zeroBytes(w ^ q) | Self.zeroBytes(w ^ r) | Self.zeroBytes(w) != 0 { return nil }
            var delimiters = Self.zeroBytes(w ^ d)
            while delimiters != 0 {
                ends[n] = i - start + delimiters.trailingZeroBitCount >> 3
                n += 1
                delimiters &= delimiters &- 1
            }
            i += 8
        }
        let stops = stopUnquoted
        while i < end {
            let b = buffer[i]
            if stops[Int(b)] {
                guard b == delimiter else { return nil }
                ends[n] = i - start
                n += 1
            }
            i += 1
        }
        ends[n] = end - start
        return n + 1
    }

    /// `b` in every byte of a word.
    @inline(__always)
    private static func repeated(_ b: UInt8) -> UInt64 { 0x0101_0101_0101_0101 &* UInt64(b) }

    /// 0x80 in each byte of `x` that is zero, 0 elsewhere (exact: no carries between bytes).
    @inline(__always)
    private static func zeroBytes(_ x: UInt64) -> UInt64 {
        let low7: UInt64 = 0x7F7F_7F7F_7F7F_7F7F
        return ~(((x & low7) &+ low7) | x | low7)
    }

    // MARK: Shared by both paths

    /// Consumes a line end starting with `c` (at `index`): LF, CR or CRLF.
    func consumeLineEnd(_ c: UInt8) throws {
        index += 1
        line += 1
        if c == Self.cr, try refill(), buffer[index] == Self.lf { index += 1 }
    }

    func tooLong(_ row: CSVRow) -> ConnectorError {
        .sourceData("\(displayName) line \(row.line): the row is longer than \(Self.maxRowBytes >> 20) MiB; "
            + "most likely a quote opened on or after line \(row.line) is never closed")
    }
}
