import XaasJSON

/// Canonical JSON of a mapped profile and its 64-bit fingerprint (what state compares to detect change).
///
/// The JSON keeps the mapping's attribute order, so the same mapping of the same record always gives the
/// same bytes. The hash is FNV-1a over those bytes: change detection, not security.
public enum ProfileEncoder {
    /// `{"name":"value",…}` in order.
    public static func json(_ profile: [(String, String)]) -> String {
        var out = "{"
        for (i, (name, value)) in profile.enumerated() {
            if i > 0 { out += "," }
            JSONValue.writeString(name, to: &out)
            out += ":"
            JSONValue.writeString(value, to: &out)
        }
        out += "}"
        return out
    }

    /// FNV-1a 64 of the UTF-8 bytes of `text`, as a signed integer for SQLite.
    public static func hash(_ text: String) -> Int64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in text.utf8 {
            h ^= UInt64(b)
            h = h &* 0x0000_0100_0000_01B3
        }
        return Int64(bitPattern: h)
    }

    /// Decodes a profile JSON written by ``json(_:)`` (for diffs); `[]` when unreadable.
    public static func decode(_ text: String?) -> [(String, String)] {
        guard let text, let value = try? JSONValue.parse(text), let members = value.objectValue else { return [] }
        return members.compactMap { member in member.value.stringValue.map { (member.key, $0) } }
    }
}
