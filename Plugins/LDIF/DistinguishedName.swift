import XaasText

/// RFC 4514 distinguished names, parsed and normalised for comparison.
///
/// ``normalize(_:)`` returns a canonical string in which two DNs naming the same entry are equal:
/// * attribute types lowercased, a leading `OID.` dropped from numeric OIDs;
/// * values unescaped (`\,` `\2C` and quoted `"…"` forms alike), lowercased, runs of inner spaces
///   collapsed to one (leading and trailing escaped spaces are significant; unescaped spaces around
///   `=`, `+`, `,` are not);
/// * the AVAs of a multi-valued RDN (`cn=x+uid=y`) sorted;
/// * `#hex` (BER) values kept as lowercase hex, distinct from string values;
/// * `;` accepted as an RDN separator (RFC 2253 legacy).
/// This matches perl-ldap's `canonical_dn` conformance table (see Tests/LDIFTests), plus case folding
/// of values, since the naming attributes of users and groups (cn, uid, ou, dc, o) match case-insensitively.
/// Pure functions; thread-safe.
enum DistinguishedName {
    /// Why a DN did not parse.
    struct Invalid: Error, CustomStringConvertible {
        var reason: String
        var description: String { reason }
    }

    /// The canonical form of `dn`, or throws ``Invalid``.
    static func normalize(_ dn: String) throws(Invalid) -> String {
        var p = Parser(bytes: Array(dn.utf8))
        return try p.parse()
    }

    /// A `uniqueMember` value without its optional `#'0101'B` unique-identifier suffix.
    static func stripUniqueIdentifier(_ value: String) -> String {
        let u = Array(value.utf8)
        guard u.count >= 4, u[u.count - 1] == UInt8(ascii: "B"), u[u.count - 2] == UInt8(ascii: "'") else { return value }
        var k = u.count - 3
        while k >= 1, u[k] == UInt8(ascii: "0") || u[k] == UInt8(ascii: "1") { k -= 1 }
        guard k >= 1, u[k] == UInt8(ascii: "'"), u[k - 1] == UInt8(ascii: "#") else { return value }
        return String(decoding: u[..<(k - 1)], as: UTF8.self)
    }

    /// The attribute/value pairs of the first RDN of `dn`, values unescaped but not case-folded
    /// (`uid=JDoe,ou=people` → `[("uid", "JDoe")]`).
    static func firstRDN(_ dn: String) throws(Invalid) -> [(type: String, value: String)] {
        var p = Parser(bytes: Array(dn.utf8))
        p.skipSpaces()
        var out: [(String, String)] = []
        while p.i < p.bytes.count {
            let (type, value) = try p.rawAVA()
            out.append((type, value))
            p.skipSpaces()
            guard p.i < p.bytes.count, p.bytes[p.i] == UInt8(ascii: "+") else { break }
            p.i += 1
        }
        return out
    }

    private struct Parser {
        let bytes: [UInt8]
        var i = 0

        mutating func parse() throws(Invalid) -> String {
            skipSpaces()
            if i == bytes.count { return "" }
            var rdns: [String] = []
            while true {
                var avas: [String] = []
                while true {
                    avas.append(try ava())
                    skipSpaces()
                    if i < bytes.count, bytes[i] == UInt8(ascii: "+") { i += 1; continue }
                    break
                }
                rdns.append(avas.sorted().joined(separator: "+"))
                if i == bytes.count { break }
                guard bytes[i] == UInt8(ascii: ",") || bytes[i] == UInt8(ascii: ";") else {
                    throw Invalid(reason: "unexpected `\(Character(Unicode.Scalar(bytes[i])))` at byte \(i + 1)")
                }
                i += 1
                skipSpaces()
                if i == bytes.count { throw Invalid(reason: "the DN ends with a separator") }
            }
            return rdns.joined(separator: ",")
        }

        mutating func skipSpaces() {
            while i < bytes.count, bytes[i] == UInt8(ascii: " ") { i += 1 }
        }

        mutating func ava() throws(Invalid) -> String {
            let (type, value) = try rawAVA()
            return type + "=" + (value.hasPrefix("#") && hexValue ? value : Self.canonicalValue(value))
        }

        /// Set by ``value()``: whether the last value was the `#hex` form.
        var hexValue = false

        mutating func rawAVA() throws(Invalid) -> (String, String) {
            skipSpaces()
            let typeStart = i
            while i < bytes.count, bytes[i] != UInt8(ascii: "="), bytes[i] != UInt8(ascii: " ") { i += 1 }
            var type = String(decoding: bytes[typeStart..<i], as: UTF8.self).lowercased()
            skipSpaces()
            guard i < bytes.count, bytes[i] == UInt8(ascii: "=") else {
                throw Invalid(reason: "an RDN `\(type)` has no `=`")
            }
            i += 1
            if type.hasPrefix("oid.") { type.removeFirst(4); guard Self.isNumericOID(type) else { throw Invalid(reason: "bad OID `\(type)`") } }
            guard Self.isDescriptor(type) || Self.isNumericOID(type) else {
                throw Invalid(reason: "`\(type)` is not a valid attribute type")
            }
            skipSpaces()
            return (type, try value())
        }

        mutating func value() throws(Invalid) -> String {
            hexValue = false
            if i < bytes.count, bytes[i] == UInt8(ascii: "#") {
                i += 1
                let start = i
                while i < bytes.count, Self.hex(bytes[i]) != nil { i += 1 }
                let digits = i - start
                guard digits > 0, digits % 2 == 0 else { throw Invalid(reason: "bad #hex value") }
                let text = "#" + String(decoding: bytes[start..<i], as: UTF8.self).lowercased()
                skipSpaces()
                guard atEndOfValue else { throw Invalid(reason: "bad #hex value") }
                hexValue = true
                return text
            }
            var out: [UInt8] = []
            var significantEnd = 0  // out.count after the last escaped or non-space byte
            if i < bytes.count, bytes[i] == UInt8(ascii: "\"") {
                i += 1
                while true {
                    guard i < bytes.count else { throw Invalid(reason: "unterminated quoted value") }
                    let c = bytes[i]
                    if c == UInt8(ascii: "\"") { i += 1; break }
                    if c == UInt8(ascii: "\\") { out.append(try escape()) } else { out.append(c); i += 1 }
                }
                significantEnd = out.count
                skipSpaces()
                guard atEndOfValue else { throw Invalid(reason: "text after a quoted value") }
            } else {
                while i < bytes.count, !atEndOfValue {
                    let c = bytes[i]
                    if c == UInt8(ascii: "\\") {
                        out.append(try escape())
                        significantEnd = out.count
                    } else {
                        if c == UInt8(ascii: "\"") || c == UInt8(ascii: "<") || c == UInt8(ascii: ">") {
                            throw Invalid(reason: "unescaped `\(Character(Unicode.Scalar(c)))` in a value")
                        }
                        out.append(c)
                        i += 1
                        if c != UInt8(ascii: " ") { significantEnd = out.count }
                    }
                }
                out.removeSubrange(significantEnd...)
            }
            guard let text = String(validating: out, as: UTF8.self) else {
                throw Invalid(reason: "a value is not valid UTF-8")
            }
            return text
        }

        var atEndOfValue: Bool {
            i == bytes.count || bytes[i] == UInt8(ascii: ",") || bytes[i] == UInt8(ascii: ";") || bytes[i] == UInt8(ascii: "+")
        }

        /// Consumes `\c` or `\XX` and returns the byte it stands for.
        mutating func escape() throws(Invalid) -> UInt8 {
            i += 1
            guard i < bytes.count else { throw Invalid(reason: "a trailing backslash") }
            if let high = Self.hex(bytes[i]) {
                guard i + 1 < bytes.count, let low = Self.hex(bytes[i + 1]) else { throw Invalid(reason: "a bad \\XX escape") }
                i += 2
                return high << 4 | low
            }
            let c = bytes[i]
            guard Array(#"",+;<>\ #="#.utf8).contains(c) else { throw Invalid(reason: "`\\\(Character(Unicode.Scalar(c)))` is not a valid escape") }
            i += 1
            return c
        }

        /// Lowercase; inner runs of spaces become one; escape specials so the result is unambiguous.
        static func canonicalValue(_ text: String) -> String {
            let scalars = Array(text.lowercased().unicodeScalars)
            let lead = scalars.prefix { $0 == " " }.count
            let trail = lead == scalars.count ? 0 : scalars.reversed().prefix { $0 == " " }.count
            var out = ""
            var previousSpace = false
            for (k, s) in scalars.enumerated() {
                let inner = k >= lead && k < scalars.count - trail
                if inner, s == " " { if previousSpace { continue }; previousSpace = true } else { previousSpace = false }
                if "\\,+\"<>;=#".unicodeScalars.contains(s) || s == "\0" { out.append("\\") }
                out.unicodeScalars.append(s)
            }
            return out
        }

        static func hex(_ c: UInt8) -> UInt8? { PercentEncoding.hexValue(c) }

        static func isDescriptor(_ s: String) -> Bool {
            guard let f = s.utf8.first, (f >= 0x61 && f <= 0x7A) else { return false }
            return s.utf8.allSatisfy { ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == UInt8(ascii: "-") }
        }

        static func isNumericOID(_ s: String) -> Bool {
            let parts = s.split(separator: ".", omittingEmptySubsequences: false)
            // RFC 4512 `number`: digits without a leading zero (except `0` itself).
            return parts.count >= 2 && parts.allSatisfy {
                !$0.isEmpty && $0.utf8.allSatisfy { $0 >= 0x30 && $0 <= 0x39 } && ($0.count == 1 || !$0.hasPrefix("0"))
            }
        }
    }
}
