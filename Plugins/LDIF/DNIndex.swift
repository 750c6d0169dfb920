/// A compact map from a normalised DN (or a `uid`, for `posixGroup` `memberUid`) to the
/// externalId of the entry it names, built while users are streamed and read when memberships are.
///
/// ## Memory bound
/// Keys are not stored: each is reduced to a 64-bit hash (FNV-1a with a murmur finaliser) in an
/// open-addressing table (load ≤ 0.7, 16 bytes a slot). ExternalIds live once in one byte arena
/// (a 1–3 byte length prefix plus the UTF-8 bytes), shared by all keys of one entry. Per key that is
/// ≈ 23–46 bytes of table, plus the externalId's length + 1 per entry: ≈ 100 MB for 1,000,000 users
/// keyed by DN and uid with 36-byte UUIDs, whatever the DN lengths (docs/performance.md). Two different keys sharing a 64-bit hash (odds ≈ n²/2⁶⁵, 3·10⁻⁸ at
/// n = 10⁶) would resolve to the same entry.
///
/// Not thread-safe; owned by one connector instance.
struct DNIndex {
    /// What an indexed entry is.
    enum Kind: UInt64 { case user = 1, group = 2 }

    private var keys: [UInt64]
    private var values: [UInt64]  // arena offset << 2 | kind; 0 = empty slot
    private var arena: [UInt8] = [0]  // offset 0 is never used, so a value of 0 means "empty"
    private(set) var count = 0

    init() {
        keys = [UInt64](repeating: 0, count: 1024)
        values = [UInt64](repeating: 0, count: 1024)
    }

    /// Bytes held by the table and the arena.
    var memoryBytes: Int { keys.capacity * 8 + values.capacity * 8 + arena.capacity }

    /// The hash of a namespaced key (`"dn:" + normalised DN`, `"uid:" + lowercased uid`).
    static func hash(_ namespace: String, _ key: String) -> UInt64 {
        var h: UInt64 = 0xcbf29ce484222325
        for b in namespace.utf8 { h = (h ^ UInt64(b)) &* 0x100000001b3 }
        for b in key.utf8 { h = (h ^ UInt64(b)) &* 0x100000001b3 }
        h ^= h >> 33; h &*= 0xff51afd7ed558ccd; h ^= h >> 33; h &*= 0xc4ceb93fe53e87b5; h ^= h >> 33
        return h == 0 ? 1 : h
    }

    /// Records that `key` names an entry with `externalId`; a later insert of the same key wins.
    /// Returns the arena slot of `externalId`, which further keys of the same entry may share.
    @discardableResult
    mutating func insert(_ key: UInt64, externalId: String, kind: Kind) -> Int {
        let offset = arena.count
        var n = externalId.utf8.count
        repeat { arena.append(UInt8(n & 0x7F) | (n > 0x7F ? 0x80 : 0)); n >>= 7 } while n > 0
        arena.append(contentsOf: externalId.utf8)
        insert(key, sharing: offset, kind: kind)
        return offset
    }

    /// Records that `key` names the entry whose externalId is already stored at `offset`.
    mutating func insert(_ key: UInt64, sharing offset: Int, kind: Kind) {
        if (count + 1) * 10 > keys.count * 7 { grow() }
        let packed = UInt64(offset) << 2 | kind.rawValue
        var slot = Int(truncatingIfNeeded: key) & (keys.count - 1)
        while values[slot] != 0 {
            if keys[slot] == key { values[slot] = packed; return }
            slot = (slot + 1) & (keys.count - 1)
        }
        keys[slot] = key
        values[slot] = packed
        count += 1
    }

    /// The externalId and kind indexed under `key`, if any.
    func lookup(_ key: UInt64) -> (externalId: String, kind: Kind)? {
        var slot = Int(truncatingIfNeeded: key) & (keys.count - 1)
        while values[slot] != 0 {
            if keys[slot] == key {
                let packed = values[slot]
                var offset = Int(packed >> 2)
                var n = 0, shift = 0
                while true {
                    let b = arena[offset]; offset += 1
                    n |= Int(b & 0x7F) << shift; shift += 7
                    if b & 0x80 == 0 { break }
                }
                let id = String(decoding: arena[offset..<(offset + n)], as: UTF8.self)
                return (id, Kind(rawValue: packed & 3) ?? .user)
            }
            slot = (slot + 1) & (keys.count - 1)
        }
        return nil
    }

    private mutating func grow() {
        let oldKeys = keys, oldValues = values
        keys = [UInt64](repeating: 0, count: oldKeys.count * 2)
        values = [UInt64](repeating: 0, count: oldKeys.count * 2)
        for (k, v) in zip(oldKeys, oldValues) where v != 0 {
            var slot = Int(truncatingIfNeeded: k) & (keys.count - 1)
            while values[slot] != 0 { slot = (slot + 1) & (keys.count - 1) }
            keys[slot] = k
            values[slot] = v
        }
    }
}
