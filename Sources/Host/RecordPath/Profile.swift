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
        self = writer.finish()
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
    public static func hash(_ text: String) -> Int64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in text.utf8 {
            h ^= UInt64(b)
            h = h &* 0x0000_0100_0000_01B3
        }
        return Int64(bitPattern: h)
    }

    /// Repeated keys keep their first position and their last value.
    private static func dedupe(_ pairs: [(String, String)]) -> [(String, String)] {
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

/// Writes one canonical profile JSON member by member (the one encoder of profiles; strings are escaped
/// by `JSONValue.writeString`, the one JSON string escaper). Reusable: ``reset()`` keeps the buffer, so
/// the mapper's hot path allocates nothing for a profile that turns out unchanged.
public struct ProfileWriter {
    private var out: String
    private var members = 0

    public init(capacity: Int = 256) {
        out = ""
        out.reserveCapacity(capacity)
        out += "{"
    }

    /// Starts a new profile, keeping the buffer.
    public mutating func reset() {
        out.removeAll(keepingCapacity: true)
        out += "{"
        members = 0
    }

    /// Appends `"name":"value"`.
    public mutating func append(name: String, value: String) {
        if members > 0 { out += "," }
        JSONValue.writeString(name, to: &out)
        out += ":"
        JSONValue.writeString(value, to: &out)
        members += 1
    }

    /// The profile written so far.
    public mutating func finish() -> Profile {
        out += "}"
        let json = out
        return Profile(json: json, hash: Profile.hash(json))
    }
}
