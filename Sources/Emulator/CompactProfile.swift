/// Interned attribute names: every distinct profile key gets a 16-bit index, shared by all orgs.
struct AttributeNames: Sendable {
    private(set) var names: [String] = []
    private var index: [String: UInt16] = [:]

    /// The index of `name`, interning it on first use.
    mutating func intern(_ name: String) -> UInt16 {
        if let i = index[name] { return i }
        let i = UInt16(truncatingIfNeeded: names.count)
        names.append(name)
        index[name] = i
        return i
    }

    func name(_ i: UInt16) -> String { Int(i) < names.count ? names[Int(i)] : "attr\(i)" }
}

/// A profile packed into one byte array, keys sorted by interned index so equal profiles have equal bytes.
/// Layout per attribute: key index (2 bytes LE), value length (LEB128 varint; 0 = null with the flag below),
/// a null flag byte, value UTF-8. Roughly the size of the values: a million users fit in a few hundred MB.
struct CompactProfile: Sendable, Equatable {
    private(set) var bytes: [UInt8]

    static let empty = CompactProfile(bytes: [])

    init(bytes: [UInt8]) { self.bytes = bytes }

    /// Packs `(name, value)` pairs; a `nil` value is an explicit null. Later duplicates of a key win.
    init(_ pairs: [(String, String?)], names: inout AttributeNames) {
        var keyed: [(UInt16, String?)] = []
        keyed.reserveCapacity(pairs.count)
        for (name, value) in pairs {
            let k = names.intern(name)
            if let i = keyed.firstIndex(where: { $0.0 == k }) { keyed[i].1 = value } else { keyed.append((k, value)) }
        }
        keyed.sort { $0.0 < $1.0 }
        var out: [UInt8] = []
        out.reserveCapacity(keyed.reduce(0) { $0 + 4 + ($1.1?.utf8.count ?? 0) })
        for (k, v) in keyed {
            out.append(UInt8(k & 0xFF))
            out.append(UInt8(k >> 8))
            if let v {
                var n = v.utf8.count
                repeat {
                    out.append(UInt8(n & 0x7F) | (n > 0x7F ? 0x80 : 0))
                    n >>= 7
                } while n > 0
                out.append(1)
                out.append(contentsOf: v.utf8)
            } else {
                out.append(0)
                out.append(0)
            }
        }
        bytes = out
    }

    /// The attributes in key-index order; `nil` values are explicit nulls.
    func pairs(_ names: AttributeNames) -> [(String, String?)] {
        var out: [(String, String?)] = []
        var i = 0
        while i + 2 < bytes.count {
            let k = UInt16(bytes[i]) | UInt16(bytes[i + 1]) << 8
            i += 2
            var n = 0, shift = 0
            while i < bytes.count {
                let b = bytes[i]
                i += 1
                n |= Int(b & 0x7F) << shift
                shift += 7
                if b & 0x80 == 0 { break }
            }
            let present = i < bytes.count && bytes[i] == 1
            i += 1
            if present {
                out.append((names.name(k), String(decoding: bytes[i..<min(i + n, bytes.count)], as: UTF8.self)))
                i += n
            } else {
                out.append((names.name(k), nil))
            }
        }
        return out
    }

    /// The value of `name` (nil when absent or null).
    func value(_ name: String, _ names: AttributeNames) -> String? {
        pairs(names).first { $0.0 == name }?.1 ?? nil
    }

    /// The profile as a JSON-ready dictionary (nulls as `NSNull`).
    func json(_ names: AttributeNames) -> [String: Any] {
        var d: [String: Any] = [:]
        for (k, v) in pairs(names) { d[k] = v.map { $0 as Any } ?? NSNullValue.null }
        return d
    }

    /// This profile with `other`'s attributes laid over it (PATCH semantics).
    func merged(with other: CompactProfile, _ names: inout AttributeNames) -> CompactProfile {
        var all = pairs(names)
        for (k, v) in other.pairs(names) {
            if let i = all.firstIndex(where: { $0.0 == k }) { all[i].1 = v } else { all.append((k, v)) }
        }
        return CompactProfile(all, names: &names)
    }
}
