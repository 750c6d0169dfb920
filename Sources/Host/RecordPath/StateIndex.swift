import Foundation

/// The applied state of one kind of entity, loaded once per run into compact arrays, and the run's
/// "seen" set as a bitmap: what the ``Planner`` diffs every record against, with no database call per
/// record.
///
/// Layout (about 17 bytes per entity plus its externalId's UTF-8 bytes and 8 bytes of hash table; a
/// million users of 11-character ids take ≈ 36 MB): the externalIds concatenated in one byte array, and
/// per entity its end offset, a 32-bit fingerprint of the id, the applied profile hash, an "active" bit
/// and a "seen" bit. An open-addressing table of entity numbers (linear probing, load ≤ ½) finds an id;
/// a hit compares the fingerprint, then the bytes, so lookups are exact.
///
/// Entities `0 ..< appliedCount` are the applied ones, in the order state gave them (by externalId);
/// ids first read in this run are appended after them when seen, so that a duplicate of a new id is
/// found too. Nothing is written back: the index lives for one plan.
///
/// ## Threading
/// One planner thread; not shared.
final class StateIndex {
    private var bytes: [UInt8] = []
    private var ends: [UInt32] = []
    private var fingerprints: [UInt32] = []
    private var hashes: [Int64] = []
    private var active: [UInt64] = []
    private var seen: [UInt64] = []
    private var table: [Int32]
    private var mask: Int
    /// Entities `0 ..< appliedCount` are applied; the rest were first read in this run.
    private(set) var appliedCount = 0

    /// The number of entities indexed (applied, and new ones seen so far).
    var count: Int { ends.count }

    /// An empty index sized for `expected` entities.
    init(expected: Int = 0) {
        var capacity = 1024
        while capacity < expected * 2 { capacity <<= 1 }
        table = Array(repeating: -1, count: capacity)
        mask = capacity - 1
        ends.reserveCapacity(expected)
        fingerprints.reserveCapacity(expected)
        hashes.reserveCapacity(expected)
        bytes.reserveCapacity(expected * 12)
    }

    /// Adds one applied entity (call before any ``see(_:)``; state's rows, each id once).
    func addApplied(_ externalId: String, status: EntityStatus, hash: Int64) {
        var id = externalId
        id.withUTF8 { addApplied(UnsafeRawBufferPointer($0), status: status, hash: hash) }
    }

    /// ``addApplied(_:status:hash:)`` for an externalId given as its UTF-8 bytes (valid for the call only:
    /// they are copied), so that a row of state needs no `String`.
    func addApplied(_ key: UnsafeRawBufferPointer, status: EntityStatus, hash: Int64) {
        precondition(appliedCount == count, "applied entities are added before the read")
        let entity = insert(key, hash: hash)
        if status == .active { Self.set(&active, entity) }
        appliedCount += 1
    }

    /// Marks `externalId` as seen in this read; returns its entity number and whether this is its first
    /// sighting (`false`: a duplicate in this read).
    func see(_ externalId: String) -> (entity: Int, first: Bool) {
        var id = externalId
        return id.withUTF8 { see(UnsafeRawBufferPointer($0)) }
    }

    /// ``see(_:)`` for an externalId given as its UTF-8 bytes (copied when the id is new): a hit costs one
    /// hash of the bytes and one compare, with no `String`.
    func see(_ key: UnsafeRawBufferPointer) -> (entity: Int, first: Bool) {
        if let entity = find(key) {
            let first = !Self.test(seen, entity)
            Self.set(&seen, entity)
            return (entity, first)
        }
        let entity = insert(key, hash: 0)
        Self.set(&seen, entity)
        return (entity, true)
    }

    /// What state says of `entity`, or `nil` when it was never applied.
    func applied(_ entity: Int) -> AppliedEntity? {
        guard entity < appliedCount else { return nil }
        return AppliedEntity(status: Self.test(active, entity) ? .active : .inactive, hash: hashes[entity], profileJSON: nil)
    }

    /// The applied active entities not seen in this read, in state's order: (externalId, applied hash).
    func unseenActive() -> [(externalId: String, hash: Int64)] {
        var out: [(externalId: String, hash: Int64)] = []
        for e in 0 ..< appliedCount where Self.test(active, e) && !Self.test(seen, e) {
            out.append((externalId(e), hashes[e]))
        }
        return out
    }

    /// Every externalId seen in this read (applied or new).
    func seenIds() -> [String] {
        (0 ..< count).filter { Self.test(seen, $0) }.map(externalId)
    }

    /// The externalId of `entity`.
    func externalId(_ entity: Int) -> String {
        let start = entity == 0 ? 0 : Int(ends[entity - 1])
        return String(decoding: bytes[start ..< Int(ends[entity])], as: UTF8.self)
    }

    // MARK: Storage

    /// The entity whose id is `key`, if indexed.
    private func find(_ key: UnsafeRawBufferPointer) -> Int? {
        let h = Self.hash(key)
        var slot = Int(truncatingIfNeeded: h) & mask
        let print = UInt32(truncatingIfNeeded: h >> 32)
        while true {
            let e = Int(table[slot])
            if e < 0 { return nil }
            if fingerprints[e] == print, equals(e, key) { return e }
            slot = (slot + 1) & mask
        }
    }

    private func insert(_ key: UnsafeRawBufferPointer, hash: Int64) -> Int {
        if (count + 1) * 2 > table.count { grow() }
        let entity = count
        bytes.append(contentsOf: UnsafeBufferPointer(start: key.baseAddress?.assumingMemoryBound(to: UInt8.self), count: key.count))
        let h = Self.hash(key)
        ends.append(UInt32(bytes.count))
        fingerprints.append(UInt32(truncatingIfNeeded: h >> 32))
        hashes.append(hash)
        if entity / 64 >= active.count { active.append(0); seen.append(0) }
        place(entity, hash: h)
        return entity
    }

    private func place(_ entity: Int, hash h: UInt64) {
        var slot = Int(truncatingIfNeeded: h) & mask
        while table[slot] >= 0 { slot = (slot + 1) & mask }
        table[slot] = Int32(entity)
    }

    private func grow() {
        table = Array(repeating: -1, count: table.count * 2)
        mask = table.count - 1
        for e in 0 ..< count {
            let start = e == 0 ? 0 : Int(ends[e - 1])
            let h = bytes.withUnsafeBytes { Self.hash(UnsafeRawBufferPointer(rebasing: $0[start ..< Int(ends[e])])) }
            place(e, hash: h)
        }
    }

    private func equals(_ entity: Int, _ key: UnsafeRawBufferPointer) -> Bool {
        let start = entity == 0 ? 0 : Int(ends[entity - 1])
        let end = Int(ends[entity])
        guard end - start == key.count else { return false }
        return bytes.withUnsafeBytes { stored in
            key.count == 0 || memcmp(stored.baseAddress! + start, key.baseAddress!, key.count) == 0
        }
    }

    /// A 64-bit hash of the id's bytes, eight at a time (for the table, not stored in state).
    @inline(__always)
    static func hash(_ key: UnsafeRawBufferPointer) -> UInt64 {
        var h: UInt64 = 0x9E37_79B9_7F4A_7C15 ^ UInt64(key.count)
        let raw = key
        var i = 0
        while i + 8 <= key.count {
            h = (h ^ raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)) &* 0xBF58_476D_1CE4_E5B9
            h ^= h >> 31
            i += 8
        }
        var tail: UInt64 = 0
        var shift: UInt64 = 0
        while i < key.count {
            tail |= UInt64(key[i]) << shift
            shift += 8
            i += 1
        }
        h = (h ^ tail) &* 0x94D0_49BB_1331_11EB
        h ^= h >> 29
        h = h &* 0xBF58_476D_1CE4_E5B9
        return h ^ (h >> 32)
    }

    @inline(__always)
    private static func test(_ bits: [UInt64], _ i: Int) -> Bool { bits[i >> 6] & (1 << UInt64(i & 63)) != 0 }

    @inline(__always)
    private static func set(_ bits: inout [UInt64], _ i: Int) { bits[i >> 6] |= 1 << UInt64(i & 63) }
}

extension StateStore {
    /// The applied entities of `kind` as an index (one query, at the start of a plan).
    func loadIndex(kind: EntityKind) throws -> StateIndex {
        var index = StateIndex()
        try forEachApplied(kind: kind, count: { index = StateIndex(expected: $0) }) { key, status, hash in
            index.addApplied(key, status: status, hash: hash)
        }
        return index
    }
}
