/// The one home of percent-encoding (RFC 3986 §2.1) for the host, the HTTP server and the connectors.
///
/// Variants, each one function:
/// - ``encode(_:keeping:)``: every byte but the RFC 3986 unreserved characters (`A-Z a-z 0-9 - . _ ~`)
///   and the ASCII characters in `keeping` becomes `%XX` (upper-case hex). With `keeping: ""` this is
///   SigV4's `UriEncode` and a single path segment (an ID can never add a `/`); `keeping: "/"` is
///   SigV4's canonical path.
/// - ``formEncode(_:)``: `application/x-www-form-urlencoded` (WHATWG URL §5.2): space as `+`, `*` kept.
/// - ``decode(_:plusAsSpace:)``: lenient decoding, an invalid escape kept as is; `plusAsSpace` for
///   query strings and form bodies.
/// - ``decodeStrictly(_:)``: `nil` for an invalid escape or bytes that are not UTF-8 (file URLs).
///
/// Not here, because they are other rules: LDAP DN escaping (`\,` `\2C`, RFC 4514) and JSON string
/// escaping. Pure functions; thread-safe.
public enum PercentEncoding {
    private static let hexDigits = Array("0123456789ABCDEF".utf8)

    /// Whether `byte` is an RFC 3986 unreserved character.
    public static func isUnreserved(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
             UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
             UInt8(ascii: "~"):
            return true
        default:
            return false
        }
    }

    /// `text`'s UTF-8 with every byte but unreserved characters and those in `keeping` as `%XX`.
    public static func encode(_ text: String, keeping: String = "") -> String {
        let kept = Array(keeping.utf8)
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count)
        for byte in text.utf8 {
            if isUnreserved(byte) || kept.contains(byte) { out.append(byte) } else { appendEscape(byte, to: &out) }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// `name=value` pairs joined with `&`, each side form-encoded (space as `+`; `A-Z a-z 0-9 * - . _` kept).
    public static func formEncode(_ pairs: [(String, String)]) -> String {
        func field(_ text: String) -> String {
            var out: [UInt8] = []
            for byte in text.utf8 {
                switch byte {
                case UInt8(ascii: " "): out.append(UInt8(ascii: "+"))
                case UInt8(ascii: "*"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"): out.append(byte)
                case _ where isUnreserved(byte) && byte != UInt8(ascii: "~"): out.append(byte)
                default: appendEscape(byte, to: &out)
                }
            }
            return String(decoding: out, as: UTF8.self)
        }
        return pairs.map { field($0.0) + "=" + field($0.1) }.joined(separator: "&")
    }

    /// Decodes `%XX` escapes (and `+` as a space when `plusAsSpace`); an invalid escape is kept
    /// literally and bytes that are not UTF-8 become U+FFFD.
    public static func decode(_ text: String, plusAsSpace: Bool = false) -> String {
        let bytes = Array(text.utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var i = 0
        while i < bytes.count {
            if bytes[i] == UInt8(ascii: "%"), i + 2 < bytes.count, let high = hexValue(bytes[i + 1]),
               let low = hexValue(bytes[i + 2]) {
                out.append(high << 4 | low)
                i += 3
            } else {
                out.append(plusAsSpace && bytes[i] == UInt8(ascii: "+") ? UInt8(ascii: " ") : bytes[i])
                i += 1
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Decodes `%XX` escapes; `nil` when an escape is malformed or the result is not UTF-8. `+` stays `+`.
    public static func decodeStrictly(_ text: String) -> String? {
        let bytes = Array(text.utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var i = 0
        while i < bytes.count {
            if bytes[i] == UInt8(ascii: "%") {
                guard i + 2 < bytes.count, let high = hexValue(bytes[i + 1]), let low = hexValue(bytes[i + 2]) else { return nil }
                out.append(high << 4 | low)
                i += 3
            } else {
                out.append(bytes[i])
                i += 1
            }
        }
        return String(validating: out, as: UTF8.self)
    }

    /// The value of one hexadecimal digit (`0-9 A-F a-f`), or `nil`.
    public static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case 0x30...0x39: return byte - 0x30
        case 0x41...0x46: return byte - 0x41 + 10
        case 0x61...0x66: return byte - 0x61 + 10
        default: return nil
        }
    }

    private static func appendEscape(_ byte: UInt8, to out: inout [UInt8]) {
        out += [UInt8(ascii: "%"), hexDigits[Int(byte >> 4)], hexDigits[Int(byte & 0xF)]]
    }
}
