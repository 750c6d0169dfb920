/// Standard base64 (RFC 4648 §4, with padding) for LDIF `::` values and for binary attribute values
/// handed to the host. Pure functions; thread-safe.
enum Base64 {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
    private static let table: [UInt8] = {
        var t = [UInt8](repeating: 0xFF, count: 256)
        for (i, c) in alphabet.enumerated() { t[Int(c)] = UInt8(i) }
        return t
    }()

    /// Decodes `text`; `nil` when it is not valid padded base64. Trailing spaces are ignored.
    static func decode<C: Collection<UInt8>>(_ text: C) -> [UInt8]? {
        var out: [UInt8] = []
        out.reserveCapacity(text.count / 4 * 3)
        var quad: UInt32 = 0
        var n = 0
        var padding = 0
        for c in text {
            if c == UInt8(ascii: " ") { if n == 0 && padding == 0 { continue } else { return nil } }
            if c == UInt8(ascii: "=") {
                guard n >= 2 else { return nil }
                padding += 1
                quad <<= 6
                n += 1
            } else {
                guard padding == 0 else { return nil }
                let v = table[Int(c)]
                guard v != 0xFF else { return nil }
                quad = quad << 6 | UInt32(v)
                n += 1
            }
            if n == 4 {
                out.append(UInt8(truncatingIfNeeded: quad >> 16))
                if padding < 2 { out.append(UInt8(truncatingIfNeeded: quad >> 8)) }
                if padding < 1 { out.append(UInt8(truncatingIfNeeded: quad)) }
                quad = 0
                n = 0
                if padding > 0 { padding = 3 }  // nothing may follow padding
            }
        }
        return n == 0 ? out : nil
    }

    /// Encodes `bytes` as padded base64 text.
    static func encode(_ bytes: [UInt8]) -> String {
        var out: [UInt8] = []
        out.reserveCapacity((bytes.count + 2) / 3 * 4)
        var i = 0
        while i + 3 <= bytes.count {
            let v = UInt32(bytes[i]) << 16 | UInt32(bytes[i + 1]) << 8 | UInt32(bytes[i + 2])
            out += [alphabet[Int(v >> 18)], alphabet[Int(v >> 12 & 63)], alphabet[Int(v >> 6 & 63)], alphabet[Int(v & 63)]]
            i += 3
        }
        let rest = bytes.count - i
        if rest == 1 {
            let v = UInt32(bytes[i]) << 16
            out += [alphabet[Int(v >> 18)], alphabet[Int(v >> 12 & 63)], UInt8(ascii: "="), UInt8(ascii: "=")]
        } else if rest == 2 {
            let v = UInt32(bytes[i]) << 16 | UInt32(bytes[i + 1]) << 8
            out += [alphabet[Int(v >> 18)], alphabet[Int(v >> 12 & 63)], alphabet[Int(v >> 6 & 63)], UInt8(ascii: "=")]
        }
        return String(decoding: out, as: UTF8.self)
    }
}
