import Glibc

/// The bytes of the records of one page (or of one record made in Swift), shared by those records: every
/// externalId and attribute value, checked UTF-8, back to back in one buffer; one slot per attribute (its
/// name as a number, where its value starts, its length); the page's distinct attribute names, each once.
///
/// This is what keeps the record path free of a `String` per value: the page decoder copies a plugin's page
/// into one storage (one allocation per page, not one per value), and the stages read values as byte
/// ranges (``SourceRecord/withFirstNonEmptyValue(_:_:)``, ``AttributeTable``); a `String` is made only
/// when one is asked for (``SourceRecord/attributes``, messages, changed profiles).
///
/// ## Ownership and threading
/// Immutable once built (``Builder/finish()``): shared by its records across threads; the buffer is
/// freed when the last record referencing it goes.
public final class RecordStorage: @unchecked Sendable {
    /// One attribute: its name (an index into ``names``) and its value's bytes.
    struct Slot {
        var name: UInt32
        var start: UInt32
        var length: UInt32
    }

    /// Checked UTF-8 bytes of every externalId and value.
    let bytes: UnsafeMutableRawPointer
    let byteCount: Int
    let slots: [Slot]
    /// The distinct attribute names, in the order first met.
    let names: [String]
    private let nameNumbers: [String: UInt32]

    fileprivate init(bytes: UnsafeMutableRawPointer, byteCount: Int, slots: [Slot], names: [String],
                     nameNumbers: [String: UInt32]) {
        self.bytes = bytes
        self.byteCount = byteCount
        self.slots = slots
        self.names = names
        self.nameNumbers = nameNumbers
    }

    deinit { bytes.deallocate() }

    /// The number of `name` in this storage, or `nil` when no record of it has that attribute.
    func number(of name: String) -> UInt32? { nameNumbers[name] }

    /// The bytes at `start ..< start + length`.
    @inline(__always)
    func buffer(_ start: UInt32, _ length: UInt32) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(start: bytes + Int(start), count: Int(length))
    }

    /// The `String` at `start ..< start + length` (checked UTF-8 when it was added).
    func string(_ start: UInt32, _ length: UInt32) -> String {
        String(decoding: buffer(start, length).bindMemory(to: UInt8.self), as: UTF8.self)
    }

    /// The largest number of bytes one storage holds (its offsets are 32-bit).
    static let maxBytes = Int(Int32.max)

    /// Builds one storage: bytes appended, then attributes; ``finish()`` freezes it.
    ///
    /// Callers check UTF-8 before they append (``UTF8Text``): the storage trusts its bytes. Not copyable: it
    /// owns its buffer until ``finish()`` hands it to the storage (a builder dropped unfinished frees it).
    struct Builder: ~Copyable {
        private var bytes: UnsafeMutableRawPointer
        private var capacity: Int
        private var finished = false
        private(set) var count = 0
        private(set) var slots: [Slot] = []
        private var names: [String] = []
        private var nameNumbers: [String: UInt32] = [:]

        init(byteCapacity: Int = 4096, slotCapacity: Int = 64) {
            capacity = max(64, byteCapacity)
            bytes = UnsafeMutableRawPointer.allocate(byteCount: capacity, alignment: 8)
            slots.reserveCapacity(slotCapacity)
        }

        /// Appends `source`'s bytes; returns where they start, or `nil` when the storage would pass ``maxBytes``.
        @inline(__always)
        mutating func append(_ source: UnsafeRawBufferPointer) -> UInt32? {
            let n = source.count
            guard n <= RecordStorage.maxBytes - count else { return nil }
            if count + n > capacity { grow(to: count + n) }
            if n > 0 { (bytes + count).copyMemory(from: source.baseAddress!, byteCount: n) }
            let start = UInt32(count)
            count += n
            return start
        }

        /// Appends the UTF-8 bytes of `text` (always valid).
        mutating func append(_ text: String) -> UInt32? {
            var text = text
            return text.withUTF8 { append(UnsafeRawBufferPointer($0)) }
        }

        /// The number of `name` (added when new).
        mutating func number(of name: String) -> UInt32 {
            if let n = nameNumbers[name] { return n }
            let n = UInt32(names.count)
            names.append(name)
            nameNumbers[name] = n
            return n
        }

        /// The name numbered `number`.
        func name(_ number: UInt32) -> String { names[Int(number)] }

        /// Adds an attribute whose value was appended at `start` with `length` bytes.
        @inline(__always)
        mutating func addSlot(name: UInt32, start: UInt32, length: Int) {
            slots.append(Slot(name: name, start: start, length: UInt32(length)))
        }

        deinit { if !finished { bytes.deallocate() } }

        /// The finished storage, which now owns the bytes.
        consuming func finish() -> RecordStorage {
            finished = true
            return RecordStorage(bytes: bytes, byteCount: count, slots: slots, names: names, nameNumbers: nameNumbers)
        }

        private mutating func grow(to needed: Int) {
            var size = capacity
            while size < needed { size = size > RecordStorage.maxBytes / 2 ? RecordStorage.maxBytes : size * 2 }
            let bigger = UnsafeMutableRawPointer.allocate(byteCount: size, alignment: 8)
            bigger.copyMemory(from: bytes, byteCount: count)
            bytes.deallocate()
            bytes = bigger
            capacity = size
        }
    }
}
