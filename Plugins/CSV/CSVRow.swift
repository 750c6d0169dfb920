/// One parsed CSV row: the bytes of all its fields end to end, plus where each field ends.
///
/// A row is reused from one `CSVReader.nextRow(into:)` call to the next (its arrays keep their
/// capacity), so steady-state parsing allocates nothing per row.
struct CSVRow {
    /// The unescaped bytes of every field, concatenated.
    var bytes: [UInt8] = []
    /// `ends[i]` is the index in ``bytes`` one past field `i`.
    var ends: [Int] = []
    /// The 1-based physical line the row starts on.
    var line = 0
    /// The first structural problem in the row (a bare quote, text after a closing quote, a NUL
    /// byte), already phrased for a message; the row was still parsed to its end (Python's lenient
    /// rules) so that a reader in skip mode can carry on after it.
    var problem: String?
    /// True for an empty line (no bytes before the line end): Python's csv yields `[]` for it and
    /// `DictReader` skips it; so do we.
    var isBlank = false

    /// The number of fields.
    var fieldCount: Int { ends.count }

    /// Where field `i` starts in ``bytes``.
    @inline(__always)
    func start(_ i: Int) -> Int { i == 0 ? 0 : ends[i - 1] }

    /// The bytes of field `i`.
    func field(_ i: Int) -> ArraySlice<UInt8> {
        bytes[start(i)..<ends[i]]
    }

    /// Whether every byte of the row is ASCII (then every field is valid UTF-8); eight bytes at a time.
    var isASCII: Bool {
        bytes.withUnsafeBytes { raw in
            var i = 0, acc: UInt64 = 0
            while i + 8 <= raw.count { acc |= raw.loadUnaligned(fromByteOffset: i, as: UInt64.self); i += 8 }
            while i < raw.count { acc |= UInt64(raw[i]); i += 1 }
            return acc & 0x8080_8080_8080_8080 == 0
        }
    }

    /// Forgets the previous row, keeping the storage.
    mutating func reset(line: Int) {
        bytes.removeAll(keepingCapacity: true)
        ends.removeAll(keepingCapacity: true)
        self.line = line
        problem = nil
        isBlank = false
    }

    /// Closes the field being built.
    mutating func endField() {
        ends.append(bytes.count)
    }

    /// Records `message` as the row's problem unless it already has one.
    mutating func flag(_ message: @autoclosure () -> String) {
        if problem == nil { problem = message() }
    }
}
