extension JSONValue {
    /// Appends `s` as a JSON string literal to UTF-8 bytes: the same escaping as
    /// ``writeString(_:to:)`` (`"`, `\`, `\n` `\r` `\t` `\b` `\f`, other control characters as `\u00xx`),
    /// for writers that build bodies as bytes (the host's profiles and bulk bodies).
    public static func writeString(_ s: String, to out: inout [UInt8]) {
        var text = s
        text.withUTF8 { writeString(utf8: UnsafeRawBufferPointer($0), to: &out) }
    }

    /// Appends the UTF-8 text `bytes` (valid UTF-8: the caller checked it) as a JSON string literal, escaped
    /// as ``writeString(_:to:)-([UInt8])`` does.
    public static func writeString(utf8 bytes: UnsafeRawBufferPointer, to out: inout [UInt8]) {
        let start = out.count
        out.append(contentsOf: repeatElement(0, count: maxEscapedLength(bytes.count)))
        let written = out.withUnsafeMutableBytes { writeString(utf8: bytes, into: $0.baseAddress! + start) }
        out.removeLast(out.count - start - written)
    }

    /// The most bytes ``writeString(utf8:into:)`` writes for `count` bytes of text (every byte a `\u00xx`,
    /// and the quotes).
    @inlinable @inline(__always)
    public static func maxEscapedLength(_ count: Int) -> Int { 2 + 6 * count }

    /// Writes the UTF-8 text `bytes` (valid UTF-8) as a JSON string literal at `out`, which has room for
    /// ``maxEscapedLength(_:)`` bytes; returns the bytes written. The one escaper of byte writers: text that
    /// needs no escape (checked eight bytes at a time) is copied whole; `"`, `\`, `\n` `\r` `\t` `\b` `\f`
    /// are escaped with a backslash, other control characters as `\u00xx`.
    @inlinable @inline(__always)
    public static func writeString(utf8 bytes: UnsafeRawBufferPointer, into out: UnsafeMutableRawPointer) -> Int {
        out.storeBytes(of: 0x22, as: UInt8.self)
        var at = 1
        let clean = cleanPrefix(bytes)
        if clean > 0 {
            (out + at).copyMemory(from: bytes.baseAddress!, byteCount: clean)
            at += clean
        }
        if clean < bytes.count { at = escape(bytes, from: clean, into: out, at: at) }
        (out + at).storeBytes(of: 0x22, as: UInt8.self)
        return at + 1
    }

    /// The rest of `bytes` from `start`, escaped byte by byte, at `out + at`; returns the new end.
    @usableFromInline
    static func escape(_ bytes: UnsafeRawBufferPointer, from start: Int, into out: UnsafeMutableRawPointer,
                               at: Int) -> Int {
        var at = at
        func put(_ b: UInt8) {
            (out + at).storeBytes(of: b, as: UInt8.self)
            at += 1
        }
        for i in start ..< bytes.count {
            let b = bytes[i]
            guard b < 0x20 || b == 0x22 || b == 0x5C else { put(b); continue }
            put(0x5C)
            switch b {
            case 0x22, 0x5C: put(b)
            case 0x0A: put(UInt8(ascii: "n"))
            case 0x0D: put(UInt8(ascii: "r"))
            case 0x09: put(UInt8(ascii: "t"))
            case 0x08: put(UInt8(ascii: "b"))
            case 0x0C: put(UInt8(ascii: "f"))
            default:
                put(UInt8(ascii: "u")); put(0x30); put(0x30)
                put(hexDigits[Int(b >> 4)]); put(hexDigits[Int(b & 0xF)])
            }
        }
        return at
    }

    /// How many leading bytes need no escape, in whole words of eight: a word holding a control character,
    /// `"` or `\` stops the count (the caller looks at it byte by byte).
    @inlinable @inline(__always)
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

    @usableFromInline
    static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

}
