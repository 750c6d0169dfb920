import Glibc

/// One logical LDIF line: a content line with its continuations joined (bytes in
/// ``LDIFLineReader/bytes``), or a blank record separator. Comments never appear.
enum LDIFLine: Equatable {
    /// A content line starting at physical `line` (1-based) and byte `offset`.
    case content(line: Int, offset: UInt64)
    /// An empty line (a record separator) at physical `line`.
    case blank(line: Int, offset: UInt64)
}

/// Reads an LDIF file in fixed-size chunks and yields logical lines with folding undone.
///
/// * CRLF or LF; one trailing CR is removed from every physical line.
/// * A physical line starting with exactly one SPACE continues the previous line: that space is
///   removed and the rest appended **as bytes** (so a fold may split a base64 quantum or a UTF-8
///   sequence). A line starting with TAB is an error, never a continuation.
/// * `#` comment lines and their continuations are dropped.
///
/// Memory: one read buffer (64 KiB, grown only to hold the longest physical line) and one
/// logical-line buffer (the longest unfolded line). Not thread-safe; one reader per read.
struct LDIFLineReader: ~Copyable {
    /// The file's name for messages (the path as configured).
    let displayName: String
    private let fd: Int32
    private var buffer: [UInt8]
    private var start = 0
    private var end = 0
    private var bufferBase: UInt64
    private var eof = false
    /// Number of the last physical line consumed (1-based).
    private(set) var physicalLine: Int
    /// The bytes of the last `.content` line returned by ``next()``.
    private(set) var bytes: [UInt8] = []

    /// Opens `path` and positions the reader at byte `offset`, which must start physical line `line`.
    init(path: String, offset: UInt64 = 0, line: Int = 1) throws(LDIFError) {
        displayName = path
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            let code = errno
            throw LDIFError(code == ENOENT ? .notFound : .io, "cannot open \(path): \(String(cString: strerror(code)))")
        }
        if offset > 0, lseek(fd, off_t(offset), SEEK_SET) < 0 {
            close(fd)
            throw LDIFError(.io, "cannot seek in \(path) to byte \(offset)")
        }
        self.fd = fd
        buffer = [UInt8](repeating: 0, count: 64 * 1024)
        bufferBase = offset
        physicalLine = line - 1
    }

    deinit { close(fd) }

    /// The absolute byte offset of the next unread physical line.
    var offset: UInt64 { bufferBase + UInt64(start) }

    /// The next logical line, or `nil` at the end of the file.
    mutating func next() throws(LDIFError) -> LDIFLine? {
        while true {
            let lineOffset = offset
            guard let range = try readPhysical() else { return nil }
            physicalLine += 1
            let number = physicalLine
            if range.isEmpty { return .blank(line: number, offset: lineOffset) }
            let first = buffer[range.lowerBound]
            if first == UInt8(ascii: " ") {
                throw LDIFError(.sourceData, "\(displayName) line \(number): a continuation line (starting with a space) follows no line it could continue")
            }
            if first == UInt8(ascii: "\t") {
                throw LDIFError(.sourceData, "\(displayName) line \(number): a line starts with TAB; LDIF continuation lines start with exactly one SPACE")
            }
            let isComment = first == UInt8(ascii: "#")
            bytes.removeAll(keepingCapacity: true)
            if !isComment { bytes.append(contentsOf: buffer[range]) }
            while try peekByte() == UInt8(ascii: " ") {
                guard let more = try readPhysical() else { break }
                physicalLine += 1
                if !isComment { bytes.append(contentsOf: buffer[(more.lowerBound + 1)..<more.upperBound]) }
            }
            if !isComment { return .content(line: number, offset: lineOffset) }
        }
    }

    /// The first byte of the next physical line without consuming it, or `nil` at end of file.
    private mutating func peekByte() throws(LDIFError) -> UInt8? {
        if start == end {
            if eof { return nil }
            try fill()
            if start == end { return nil }
        }
        return buffer[start]
    }

    /// Consumes one physical line and returns its range in `buffer` (without CR/LF), valid until the
    /// next call; `nil` at end of file.
    private mutating func readPhysical() throws(LDIFError) -> Range<Int>? {
        var searchFrom = start
        while true {
            let from = searchFrom, limit = end
            let found: Int? = buffer.withUnsafeBufferPointer { p -> Int? in
                guard from < limit, let base = p.baseAddress else { return nil }
                guard let hit = memchr(base + from, 0x0A, limit - from) else { return nil }
                return UnsafeRawPointer(hit).assumingMemoryBound(to: UInt8.self) - base
            }
            if let newline = found {
                var stop = newline
                if stop > start, buffer[stop - 1] == 0x0D { stop -= 1 }
                let range = start..<stop
                start = newline + 1
                return range
            }
            if eof {
                guard start < end else { return nil }
                var stop = end
                if buffer[stop - 1] == 0x0D { stop -= 1 }
                let range = start..<stop
                start = end
                return range
            }
            let scanned = end - start
            try fill()
            searchFrom = start + scanned
        }
    }

    /// Moves unread bytes to the front (growing the buffer when it is full) and reads more.
    private mutating func fill() throws(LDIFError) {
        if start > 0 {
            let count = end - start
            let from = start
            if count > 0 {
                buffer.withUnsafeMutableBufferPointer { p in
                    _ = memmove(p.baseAddress!, p.baseAddress! + from, count)
                }
            }
            bufferBase += UInt64(start)
            start = 0
            end = count
        }
        if end == buffer.count { buffer.append(contentsOf: repeatElement(0, count: buffer.count)) }
        let filled = end
        let got = buffer.withUnsafeMutableBufferPointer { p in
            Glibc.read(fd, p.baseAddress! + filled, p.count - filled)
        }
        if got < 0 {
            let code = errno
            if code == EINTR { return }
            throw LDIFError(.io, "cannot read \(displayName): \(String(cString: strerror(code)))")
        }
        if got == 0 { eof = true }
        end += got
    }
}
