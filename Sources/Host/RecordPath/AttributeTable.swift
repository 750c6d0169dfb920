/// The first non-empty value of each of a fixed list of attribute names in one record, found in one pass
/// over the record's attributes: how the mapper reads `${name}` without comparing names per template.
///
/// The names (``init(_:)``) are numbered once per ``RecordStorage`` (per page); ``load(_:)`` then walks the
/// record's attributes once; ``value(_:)`` is an array read. Values are byte ranges in the record's storage,
/// valid while the table holds that record (until the next ``load(_:)``).
///
/// ## Threading
/// One planning thread; reusable from record to record.
struct AttributeTable {
    /// The names asked for, in the caller's order (their index is the key of ``value(_:)``).
    let names: [String]
    private var storage: RecordStorage?
    /// For each storage name number, the caller's key, or -1 when the caller did not ask for it.
    private var keyOfNumber: [Int32] = []
    /// For each key, the slot of its first non-empty value in the loaded record, or -1.
    private var slots: [Int32]

    init(_ names: [String]) {
        self.names = names
        slots = Array(repeating: -1, count: names.count)
    }

    /// Looks up the values of `record`.
    @inline(__always)
    mutating func load(_ record: SourceRecord) {
        let storage = record.storage
        if storage !== self.storage { renumber(storage) }
        for k in slots.indices { slots[k] = -1 }
        let keyOfNumber = self.keyOfNumber
        storage.slots.withUnsafeBufferPointer { all in
            for i in record.firstSlot ..< record.firstSlot + record.slotCount {
                let slot = all[i]
                let key = Int(keyOfNumber[Int(slot.name)])
                if key >= 0, slot.length > 0, slots[key] < 0 { slots[key] = Int32(i) }
            }
        }
    }

    /// The first non-empty value of the name at `key` in the loaded record, or `nil`.
    @inline(__always)
    func value(_ key: Int) -> UnsafeRawBufferPointer? {
        let i = Int(slots[key])
        guard i >= 0, let storage else { return nil }
        let slot = storage.slots[i]
        return storage.buffer(slot.start, slot.length)
    }

    private mutating func renumber(_ storage: RecordStorage) {
        self.storage = storage
        keyOfNumber = Array(repeating: -1, count: storage.names.count)
        for (key, name) in names.enumerated() {
            if let number = storage.number(of: name), keyOfNumber[Int(number)] < 0 { keyOfNumber[Int(number)] = Int32(key) }
        }
    }
}
