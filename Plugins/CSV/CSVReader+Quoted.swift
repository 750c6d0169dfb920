import PluginKit

/// The quoted path of ``CSVReader``: a byte-level state machine for rows the plain path does not take
/// (quoted fields, embedded line ends, lone CRs, NUL bytes, rows longer than the buffer). It spans buffer
/// refills and unescapes `""` into the row's bytes.
extension CSVReader {
    enum State { case fieldStart, unquoted, quoted, afterQuote }

    /// Where the state machine is within the row being parsed.
    struct Parse {
        var state = State.fieldStart
        var sawContent = false
        /// The line the open quote is on, for the unterminated-quote message.
        var quoteLine = 0
        /// Inside quotes: the previous byte was a CR (so CRLF counts as one line).
        var lastWasCR = false
        /// The row ended at a line end.
        var done = false
    }

    /// Parses the row at `index` byte by byte; false at the end of the file.
    func quotedRow(into row: inout CSVRow) throws -> Bool {
        var p = Parse(quoteLine: line)
        while !p.done {
            guard try refill() else { return try endOfFile(p, &row) }
            switch p.state {
            case .fieldStart: try fieldStart(&p, &row)
            case .unquoted: try unquoted(&p, &row)
            case .quoted: try quoted(&p, &row)
            case .afterQuote: try afterQuote(&p, &row)
            }
        }
        return true
    }

    private func fieldStart(_ p: inout Parse, _ row: inout CSVRow) throws {
        let c = buffer[index]
        if c == Self.quote {
            p.state = .quoted
            p.quoteLine = line
            p.lastWasCR = false
            p.sawContent = true
            index += 1
        } else if c == delimiter {
            row.endField()
            p.sawContent = true
            index += 1
        } else if c == Self.cr || c == Self.lf {
            if p.sawContent { row.endField() } else { row.isBlank = true }
            try consumeLineEnd(c)
            p.done = true
        } else {
            p.state = .unquoted
            p.sawContent = true
        }
    }

    private func unquoted(_ p: inout Parse, _ row: inout CSVRow) throws {
        let start = index
        index = scan(from: start, stops: stopUnquoted)
        try append(start, &row)
        guard index < count else { return }
        let stop = buffer[index]
        if stop == delimiter {
            row.endField()
            index += 1
            p.state = .fieldStart
        } else if stop == Self.cr || stop == Self.lf {
            row.endField()
            try consumeLineEnd(stop)
            p.done = true
        } else {
            let field = row.fieldCount + 1
            row.flag(stop == 0
                ? "NUL byte in field \(field)"
                : "field \(field) has a quote inside an unquoted value (quote the whole field and double the quote)")
            index += 1
            try appendByte(stop, &row)
        }
    }

    private func quoted(_ p: inout Parse, _ row: inout CSVRow) throws {
        let start = index
        index = scan(from: start, stops: stopQuoted)
        if index > start { p.lastWasCR = false }
        try append(start, &row)
        guard index < count else { return }
        let stop = buffer[index]
        index += 1
        if stop == Self.quote {
            p.state = .afterQuote
            return
        }
        if stop == 0 { let field = row.fieldCount + 1; row.flag("NUL byte in field \(field)") }
        if stop == Self.cr { line += 1; p.lastWasCR = true }
        if stop == Self.lf { if !p.lastWasCR { line += 1 }; p.lastWasCR = false }
        try appendByte(stop, &row)
    }

    private func afterQuote(_ p: inout Parse, _ row: inout CSVRow) throws {
        let c = buffer[index]
        if c == Self.quote {
            try appendByte(c, &row)
            index += 1
            p.state = .quoted
            p.lastWasCR = false
        } else if c == delimiter {
            row.endField()
            index += 1
            p.state = .fieldStart
        } else if c == Self.cr || c == Self.lf {
            row.endField()
            try consumeLineEnd(c)
            p.done = true
        } else {
            let field = row.fieldCount + 1
            row.flag("field \(field) has text after its closing quote (expected the delimiter or a line end)")
            p.state = .unquoted  // Python's lenient rule: the rest is data
        }
    }

    /// The row at the end of the file; false when there is none.
    private func endOfFile(_ p: Parse, _ row: inout CSVRow) throws -> Bool {
        switch p.state {
        case .fieldStart:
            guard p.sawContent else { return false }
            row.endField()
        case .unquoted, .afterQuote:
            row.endField()
        case .quoted:
            throw ConnectorError.sourceData(
                "\(displayName) line \(p.quoteLine): unterminated quote: field \(row.fieldCount + 1) opens a quote "
                + "that is never closed before the end of the file")
        }
        return true
    }

    /// The index of the first byte at or after `start` that `stops` marks, or `count`.
    @inline(__always)
    private func scan(from start: Int, stops: UnsafeMutablePointer<Bool>) -> Int {
        let end = count, bytes = buffer
        var i = start
        while i < end, !stops[Int(bytes[i])] { i += 1 }
        return i
    }

    private func append(_ start: Int, _ row: inout CSVRow) throws {
        guard index > start else { return }
        row.append(UnsafeBufferPointer(start: buffer + start, count: index - start))
        if row.byteCount > Self.maxRowBytes { throw tooLong(row) }
    }

    private func appendByte(_ b: UInt8, _ row: inout CSVRow) throws {
        row.append(b)
        if row.byteCount > Self.maxRowBytes { throw tooLong(row) }
    }
}
