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

    /// The bytes of field `i`.
    func field(_ i: Int) -> ArraySlice<UInt8> {
        bytes[(i == 0 ? 0 : ends[i - 1])..<ends[i]]
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
