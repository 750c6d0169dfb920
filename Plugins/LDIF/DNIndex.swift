/// A compact map from a normalised DN (or a lowercased `uid`, for `posixGroup` `memberUid`) to the
/// externalId and kind of the entry it names, built while users are streamed and read when
/// memberships are.
///
/// ## Exactness
/// Every entry is stored once with its keys (``EntityArena``); a slot holds 27 bits of the key's hash
/// and where that key is stored (the entry's DN or one of its uids), and a slot whose hash bits match is
/// accepted only after comparing the key itself with the stored one. Two keys sharing a hash therefore never resolve to each
/// other's entry (tests force every key onto one hash).
///
/// ## Memory bound
/// 8 bytes a slot, in 256 open-addressing shards (linear probing, load ≤ 0.8, each grown by half when
/// full, so growing copies 1/256 of the table at a time), plus the entry records (34 bytes for a
/// slapcat user: first RDN, parent DN number, UUID as 16 bytes). For 1,000,000 users keyed by DN and
/// uid: ≈ 24 MB of slots + 34 MB of records (docs/performance.md, "LDIF connector").
///
/// Not thread-safe; owned by one connector instance.
struct DNIndex {
    /// What an indexed entry is.
    enum Kind: UInt8 { case user = 0, group = 1 }
    /// Which key space a key belongs to.
    enum Namespace: UInt8 { case dn = 0, uid = 1 }
    /// Hashes a key; injectable so that tests can force collisions.
    typealias HashFunction = (Namespace, String) -> UInt64

    // A slot: hash bits (27) << 37 | namespace << 36 | entry offset (36 bits); 0 = empty.
    private static let shardBits: UInt64 = 8
    private static let hashBits: UInt64 = 27
    private static let offsetBits: UInt64 = 36

    private let hashKey: HashFunction
    private var shards: [[UInt64]]
    private var shardCounts: [Int]
    private var entities = EntityArena()
    private(set) var count = 0

    init(hash: @escaping HashFunction = DNIndex.hash) {
        hashKey = hash
        shards = Array(repeating: [UInt64](repeating: 0, count: 8), count: 1 << Int(Self.shardBits))
        shardCounts = Array(repeating: 0, count: 1 << Int(Self.shardBits))
    }

    /// Bytes held by the slots and the entry records.
    var memoryBytes: Int { shards.reduce(0) { $0 + $1.capacity * 8 } + entities.memoryBytes }

    /// The mean number of slots a lookup of an indexed key reads (1 = every key in its home slot).
    var meanProbeLength: Double {
        var probes = 0
        for slots in shards {
            for (slot, value) in slots.enumerated() where value != 0 {
                probes += (slot - Self.home(value, slots.count) + slots.count) % slots.count + 1
            }
        }
        return count == 0 ? 0 : Double(probes) / Double(count)
    }

    /// FNV-1a over the namespace and the key, with a murmur finaliser.
    static func hash(_ namespace: Namespace, _ key: String) -> UInt64 {
        var h: UInt64 = 0xcbf29ce484222325
        h = (h ^ UInt64(namespace.rawValue)) &* 0x100000001b3
        for b in key.utf8 { h = (h ^ UInt64(b)) &* 0x100000001b3 }
        h ^= h >> 33; h &*= 0xff51afd7ed558ccd; h ^= h >> 33; h &*= 0xc4ceb93fe53e87b5; h ^= h >> 33
        return h
    }

    /// Records an entry named by the normalised DN `dn` and (users) the lowercased `uids`; for each
    /// key, a later insert of the same key wins.
    mutating func insert(dn: String, uids: [String] = [], externalId: String, kind: Kind) {
        var dn = dn
        let offsets = dn.withUTF8 { bytes in
            entities.append(dn: bytes, uids: uids.map { Array($0.utf8) }, externalId: externalId, group: kind == .group)
        }
        precondition(offsets.record < 1 << Self.offsetBits, "the LDIF DN index is limited to 64 GiB of entries")
        insertKey(.dn, dn, offsets.record)
        for (uid, offset) in zip(uids, offsets.uids) { insertKey(.uid, uid, offset) }
    }

    /// The externalId and kind of the entry whose normalised DN is `dn`, if any.
    func lookup(dn: String) -> (externalId: String, kind: Kind)? { lookup(.dn, dn) }

    /// The externalId and kind of the entry with the lowercased uid `uid`, if any.
    func lookup(uid: String) -> (externalId: String, kind: Kind)? { lookup(.uid, uid) }

    // MARK: - Slots

    private func lookup(_ namespace: Namespace, _ key: String) -> (externalId: String, kind: Kind)? {
        var key = key
        let (shard, slot) = find(namespace, hashKey(namespace, key), &key)
        let value = shards[shard][slot]
        return value == 0 ? nil : entities.externalId(at: value & Self.offsetMask, namespace)
    }

    private mutating func insertKey(_ namespace: Namespace, _ key: String, _ offset: UInt64) {
        var key = key
        let h = hashKey(namespace, key)
        let shard = Int(h >> (64 - Self.shardBits))
        if (shardCounts[shard] + 1) * 5 > shards[shard].count * 4 { grow(shard) }
        let (_, slot) = find(namespace, h, &key)
        if shards[shard][slot] == 0 {
            shardCounts[shard] += 1
            count += 1
        }
        shards[shard][slot] = tag(namespace, h) | offset
    }

    /// The shard and slot of `key`: the slot holding it, or the empty slot where it belongs.
    private func find(_ namespace: Namespace, _ h: UInt64, _ key: inout String) -> (Int, Int) {
        let shard = Int(h >> (64 - Self.shardBits)), want = tag(namespace, h)
        return key.withUTF8 { bytes in
            let slots = shards[shard]
            var slot = Self.home(want, slots.count)
            while true {
                let value = slots[slot]
                if value == 0 { return (shard, slot) }
                if value & ~Self.offsetMask == want,
                   entities.key(at: value & Self.offsetMask, is: bytes, namespace) {
                    return (shard, slot)
                }
                slot += 1
                if slot == slots.count { slot = 0 }
            }
        }
    }

    private mutating func grow(_ shard: Int) {
        let old = shards[shard]
        var slots = [UInt64](repeating: 0, count: old.count + old.count / 2)
        for value in old where value != 0 {
            var slot = Self.home(value, slots.count)
            while slots[slot] != 0 { slot += 1; if slot == slots.count { slot = 0 } }
            slots[slot] = value
        }
        shards[shard] = slots
    }

    private static let offsetMask: UInt64 = (1 << offsetBits) - 1

    private func tag(_ namespace: Namespace, _ h: UInt64) -> UInt64 {
        (h >> 8 & ((1 << Self.hashBits) - 1)) << (Self.offsetBits + 1) | UInt64(namespace.rawValue) << Self.offsetBits
    }

    /// A slot's home: its hash bits scaled onto `capacity` (so the table can grow by any factor and
    /// rehash from the slots alone).
    private static func home(_ value: UInt64, _ capacity: Int) -> Int {
        Int(((value >> (offsetBits + 1)) &* UInt64(capacity)) >> hashBits)
    }
}
