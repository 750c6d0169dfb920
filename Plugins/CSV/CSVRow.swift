/// One parsed CSV row: the bytes of all its fields, one separator byte between two fields, plus where
/// each field ends.
///
/// A row is reused from one `CSVReader.nextRow(into:)` call to the next: its storage only grows (the
/// arrays keep their length and ``byteCount``/``fieldCount`` say how much is in use), so steady-state
/// parsing allocates nothing per row and resetting costs two stores.
struct CSVRow {
    /// The unescaped bytes of every field, each followed by one separator byte (the delimiter, or a
    /// line-end byte that is not part of the row) except perhaps the last; valid up to ``byteCount``.
    private(set) var storage: [UInt8] = []
    private(set) var byteCount = 0
    /// `endStorage[i]` is the index in ``storage`` one past field `i`; field `i + 1` starts one byte later.
    private var endStorage: [Int] = []
    /// The number of fields.
    private(set) var fieldCount = 0
    /// The 1-based physical line the row starts on.
    var line = 0
    /// The first structural problem in the row (a bare quote, text after a closing quote, a NUL
    /// byte), already phrased for a message; the row was still parsed to its end (Python's lenient
    /// rules) so that a reader in skip mode can carry on after it.
    var problem: String?
    /// True for an empty line (no bytes before the line end): Python's csv yields `[]` for it and
    /// `DictReader` skips it; so do we.
    var isBlank = false

    /// The byte between two fields in the storage when the row was unescaped byte by byte.
    static let separator = UInt8(ascii: ",")

    /// Where field `i` starts in the storage.
    @inline(__always)
    func start(_ i: Int) -> Int { i == 0 ? 0 : endStorage[i - 1] + 1 }

    /// One past the end of field `i` in the storage.
    @inline(__always)
    func end(_ i: Int) -> Int { endStorage[i] }

    /// The bytes of field `i`.
    func field(_ i: Int) -> ArraySlice<UInt8> {
        storage[start(i)..<endStorage[i]]
    }

    /// Calls `body` with the row's bytes (fields and separators).
    func withBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try storage.withUnsafeBytes { try body(UnsafeRawBufferPointer(rebasing: $0[0..<byteCount])) }
    }

    /// Forgets the previous row, keeping the storage.
    @inline(__always)
    mutating func reset(line: Int) {
        byteCount = 0
        fieldCount = 0
        self.line = line
        problem = nil
        isBlank = false
    }

    /// Appends bytes to the field being built.
    @inline(__always)
    mutating func append(_ bytes: UnsafeBufferPointer<UInt8>) {
        let n = bytes.count
        if byteCount + n > storage.count { Self.grow(&storage, to: byteCount + n) }
        storage.withUnsafeMutableBufferPointer { target in
            (target.baseAddress! + byteCount).update(from: bytes.baseAddress!, count: n)
        }
        byteCount += n
    }

    /// Appends one byte to the field being built.
    @inline(__always)
    mutating func append(_ byte: UInt8) {
        if byteCount == storage.count { Self.grow(&storage, to: byteCount + 1) }
        storage[byteCount] = byte
        byteCount += 1
    }

    /// Closes the field being built and starts the next one after a separator byte.
    mutating func endField() {
        if fieldCount == endStorage.count { Self.grow(&endStorage, to: fieldCount + 1) }
        endStorage[fieldCount] = byteCount
        fieldCount += 1
        append(Self.separator)
    }

    /// Sets the row's bytes to the plain line `bytes` (its delimiters stay in as the separators; the
    /// field ends come from ``fillEnds(atMost:_:)``).
    @inline(__always)
    mutating func setPlain(_ bytes: UnsafeBufferPointer<UInt8>) {
        byteCount = 0
        append(bytes)
    }

    /// Room for at least `n` field ends; calls `body` with the end storage to fill, and takes the field
    /// count it returns.
    @inline(__always)
    mutating func fillEnds(atMost n: Int, _ body: (UnsafeMutablePointer<Int>) -> Int?) -> Bool {
        if endStorage.count < n { Self.grow(&endStorage, to: n) }
        let filled = endStorage.withUnsafeMutableBufferPointer { body($0.baseAddress!) }
        guard let filled else { return false }
        fieldCount = filled
        return true
    }

    /// Records `message` as the row's problem unless it already has one.
    mutating func flag(_ message: @autoclosure () -> String) {
        if problem == nil { problem = message() }
    }

    private static func grow<T: FixedWidthInteger>(_ array: inout [T], to minimum: Int) {
        array.append(contentsOf: repeatElement(0, count: max(minimum, 2 * array.count, 64) - array.count))
    }
}
