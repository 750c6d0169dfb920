extension JSONValue {
    /// Appends `s` as a JSON string literal to UTF-8 bytes: the same escaping as
    /// ``writeString(_:to:)`` (`"`, `\`, `\n` `\r` `\t` `\b` `\f`, other control characters as `\u00xx`),
    /// for writers that build bodies as bytes (the host's profiles and bulk bodies).
    public static func writeString(_ s: String, to out: inout [UInt8]) {
        var text = s
        text.withUTF8 { writeString(utf8: UnsafeRawBufferPointer($0), to: &out) }
    }

    /// Appends the UTF-8 text `bytes` (valid UTF-8: the caller checked it) as a JSON string literal, escaped
    /// as ``writeString(_:to:)-([UInt8])`` does. Text that needs no escape (checked eight bytes at a time)
    /// is copied whole.
    public static func writeString(utf8 bytes: UnsafeRawBufferPointer, to out: inout [UInt8]) {
        out.append(0x22)
        let clean = cleanPrefix(bytes)
        if clean == bytes.count {
            out.append(contentsOf: bytes)
        } else {
            var start = 0
            for i in clean ..< bytes.count {
                let b = bytes[i]
                guard b < 0x20 || b == 0x22 || b == 0x5C else { continue }
                out.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[start ..< i]))
                appendEscape(b, to: &out)
                start = i + 1
            }
            out.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[start...]))
        }
        out.append(0x22)
    }

    /// How many leading bytes need no escape, in whole words of eight: a word holding a control character,
    /// `"` or `\` stops the count (the caller looks at it byte by byte).
    @inline(__always)
    static func cleanPrefix(_ bytes: UnsafeRawBufferPointer) -> Int {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highs: UInt64 = 0x8080_8080_8080_8080
        var i = 0
        guard let base = bytes.baseAddress else { return 0 }
        while i + 8 <= bytes.count {
            let w = base.loadUnaligned(fromByteOffset: i, as: UInt64.self)
            let quote = w ^ (ones &* 0x22)
            let backslash = w ^ (ones &* 0x5C)
            let control = (w &- ones &* 0x20) & ~w
            let found = ((quote &- ones) & ~quote | (backslash &- ones) & ~backslash | control) & highs
            if found != 0 { return i }
            i += 8
        }
        while i < bytes.count {
            let b = bytes[i]
            if b < 0x20 || b == 0x22 || b == 0x5C { return i }
            i += 1
        }
        return i
    }

    private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

    private static func appendEscape(_ b: UInt8, to out: inout [UInt8]) {
        switch b {
        case 0x22: out += [0x5C, 0x22]
        case 0x5C: out += [0x5C, 0x5C]
        case 0x0A: out += [0x5C, UInt8(ascii: "n")]
        case 0x0D: out += [0x5C, UInt8(ascii: "r")]
        case 0x09: out += [0x5C, UInt8(ascii: "t")]
        case 0x08: out += [0x5C, UInt8(ascii: "b")]
        case 0x0C: out += [0x5C, UInt8(ascii: "f")]
        default: out += [0x5C, UInt8(ascii: "u"), 0x30, 0x30, hexDigits[Int(b >> 4)], hexDigits[Int(b & 0xF)]]
        }
    }
}
