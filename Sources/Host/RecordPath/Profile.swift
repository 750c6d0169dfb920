import XaasJSON

/// One entity's Okta profile as the record path carries it from the mapper to the bulk body: the
/// canonical JSON object (`{"name":"value",…}`, compact, in the mapping's attribute order) and its
/// 64-bit fingerprint.
///
/// The JSON is built once (by ``ProfileMapper`` or ``init(_:)``), stored as is in the plan and in state,
/// and spliced as is into bulk-upsert bodies (``BulkBatcher``): it is never parsed back on the way to
/// Okta. The same mapping of the same record always gives the same bytes, so the hash (FNV-1a 64 over
/// those bytes: change detection, not security) is what state compares to detect a change.
public struct Profile: Sendable, Equatable {
    /// The canonical JSON object.
    public let json: String
    /// FNV-1a 64 of ``json``'s UTF-8 bytes, as a signed integer (SQLite's integer).
    public let hash: Int64

    /// A profile from (name, value) pairs, in order. A repeated name keeps its first position and its
    /// last value (a JSON object must not repeat keys).
    public init(_ pairs: [(String, String)]) {
        var writer = ProfileWriter()
        for (name, value) in Self.dedupe(pairs) { writer.append(name: name, value: value) }
        self = writer.profile
    }

    /// A profile as stored (JSON written by this type, and its hash).
    public init(json: String, hash: Int64) {
        self.json = json
        self.hash = hash
    }

    /// The (name, value) pairs of the JSON, in order; `[]` when it is not an object of strings. For
    /// reading a profile (diffs, the clearing safeguard), never on the way to Okta.
    public var pairs: [(String, String)] { Self.pairs(of: json) }

    /// The (name, value) pairs of a stored profile JSON (`nil` gives `[]`).
    public static func pairs(of json: String?) -> [(String, String)] {
        guard let json, let value = try? JSONValue.parse(json), let members = value.objectValue else { return [] }
        return members.compactMap { member in member.value.stringValue.map { (member.key, $0) } }
    }

    /// FNV-1a 64 of the UTF-8 bytes of `text`, as a signed integer.
    public static func hash(_ text: String) -> Int64 { Int64(bitPattern: fnv1a(text.utf8)) }

    /// FNV-1a 64 of `bytes`, continuing from `state` (the offset basis by default).
    @inline(__always)
    static func fnv1a<Bytes: Sequence<UInt8>>(_ bytes: Bytes, from state: UInt64 = 0xcbf2_9ce4_8422_2325) -> UInt64 {
        var h = state
        for b in bytes {
            h ^= UInt64(b)
            h = h &* 0x0000_0100_0000_01B3
        }
        return h
    }

    /// Repeated keys keep their first position and their last value.
    static func dedupe(_ pairs: [(String, String)]) -> [(String, String)] {
        guard pairs.count > 1 else { return pairs }
        var index: [String: Int] = [:]
        var out: [(String, String)] = []
        out.reserveCapacity(pairs.count)
        for pair in pairs {
            if let i = index[pair.0] { out[i].1 = pair.1 } else { index[pair.0] = out.count; out.append(pair) }
        }
        return out
    }
}

/// Writes one canonical profile JSON member by member, as UTF-8 bytes (the one encoder of profiles;
/// strings are escaped by `JSONValue.writeString`, the one JSON string escaper). Reusable: ``reset()``
/// keeps the buffer, and the `String` of a ``Profile`` is made only when asked for (``profile``), so the
/// mapper's hot path allocates nothing for a profile that turns out unchanged.
public struct ProfileWriter {
    /// The profile's bytes are `out[0 ..< length]`; `out` is kept at least that long (zero-filled room
    /// beyond), so a member is written with one pointer copy instead of one `append` per piece.
    private var out: [UInt8]
    private var length = 1
    private var members = 0

    public init(capacity: Int = 512) {
        out = Array(repeating: 0, count: max(capacity, 16))
        out[0] = UInt8(ascii: "{")
    }

    /// Starts a new profile, keeping the buffer.
    public mutating func reset() {
        length = 1
        members = 0
    }

    /// Appends `"name":"value"`.
    public mutating func append(name: String, value: String) {
        var name = name, value = value
        name.withUTF8 { n in
            var prefix: [UInt8] = []
            JSONValue.writeString(utf8: UnsafeRawBufferPointer(n), to: &prefix)
            prefix.append(UInt8(ascii: ":"))
            value.withUTF8 { v in
                prefix.withUnsafeBytes { append(prefix: $0, value: UnsafeRawBufferPointer(v)) }
            }
        }
    }

    /// Appends a member whose `"name":` is already escaped (`prefix`) and whose value is UTF-8 bytes
    /// (the mapper's hot path: the same bytes as ``append(name:value:)``).
    @inline(__always)
    mutating func append(prefix: UnsafeRawBufferPointer, value: UnsafeRawBufferPointer) {
        let most = 1 + prefix.count + JSONValue.maxEscapedLength(value.count)
        if length + most > out.count { out.append(contentsOf: repeatElement(0, count: max(out.count, most))) }
        let comma = members > 0
        length = out.withUnsafeMutableBytes { buffer in
            var at = buffer.baseAddress! + length
            if comma {
                at.storeBytes(of: UInt8(ascii: ","), as: UInt8.self)
                at += 1
            }
            at.copyMemory(from: prefix.baseAddress!, byteCount: prefix.count)
            at += prefix.count
            at += JSONValue.writeString(utf8: value, into: at)
            return at - buffer.baseAddress!
        }
        members += 1
    }

    /// The hash of the profile written so far (its bytes and the closing brace).
    public var hash: Int64 {
        let h = out.withUnsafeBufferPointer { Profile.fnv1a(UnsafeBufferPointer(rebasing: $0[0 ..< length])) }
        return Int64(bitPattern: Profile.fnv1a(CollectionOfOne(UInt8(ascii: "}")), from: h))
    }

    /// The profile written so far.
    public var profile: Profile {
        var bytes = Array(out[0 ..< length])
        bytes.append(UInt8(ascii: "}"))
        return Profile(json: String(decoding: bytes, as: UTF8.self), hash: hash)
    }
}
