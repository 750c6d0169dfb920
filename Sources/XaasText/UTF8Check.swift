/// Strict UTF-8 validation over raw bytes, without building a `String` (the CSV connector checks every
/// row, the host's page decoder every value; most are ASCII and take the 8-bytes-at-a-time skip).
///
/// Rejects what Swift's decoder repairs: truncated or stray continuation bytes, overlong forms
/// (C0, C1, E0 80–9F, F0 80–8F), UTF-16 surrogates (ED A0–BF) and code points above U+10FFFF (F4 90+, F5–FF).
public enum UTF8Check {
    /// Whether `bytes` are valid UTF-8.
    @inlinable
    public static func isValid(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard let base = bytes.baseAddress else { return true }
        let n = bytes.count
        var i = 0
        while i < n {
            if i + 8 <= n, base.loadUnaligned(fromByteOffset: i, as: UInt64.self) & 0x8080_8080_8080_8080 == 0 {
                i += 8
                continue
            }
            let b = base.load(fromByteOffset: i, as: UInt8.self)
            if b < 0x80 { i += 1; continue }
            guard let length = sequenceLength(b, base, i, n) else { return false }
            i += length
        }
        return true
    }

    /// The length of the valid multi-byte sequence whose lead byte `b` is at `i`, or nil.
    @inlinable @inline(__always) @usableFromInline
    static func sequenceLength(_ b: UInt8, _ base: UnsafeRawPointer, _ i: Int, _ n: Int) -> Int? {
        func byte(_ k: Int) -> UInt8? { i + k < n ? base.load(fromByteOffset: i + k, as: UInt8.self) : nil }
        func continuation(_ k: Int) -> Bool { byte(k).map { $0 & 0xC0 == 0x80 } ?? false }
        switch b {
        case 0xC2...0xDF:
            return continuation(1) ? 2 : nil
        case 0xE0...0xEF:
            guard let second = byte(1) else { return nil }
            let low: UInt8 = b == 0xE0 ? 0xA0 : 0x80, high: UInt8 = b == 0xED ? 0x9F : 0xBF
            return (low...high).contains(second) && continuation(2) ? 3 : nil
        case 0xF0...0xF4:
            guard let second = byte(1) else { return nil }
            let low: UInt8 = b == 0xF0 ? 0x90 : 0x80, high: UInt8 = b == 0xF4 ? 0x8F : 0xBF
            return (low...high).contains(second) && continuation(2) && continuation(3) ? 4 : nil
        default:
            return nil
        }
    }
}
