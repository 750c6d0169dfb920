import Testing
import XaasText

/// The percent-encoding variants: RFC 3986 (SigV4, path segments), form encoding, lenient and strict decoding.
@Suite struct PercentEncodingTests {
    @Test func encodeKeepsOnlyUnreservedCharacters() {
        #expect(PercentEncoding.encode("aZ09-._~") == "aZ09-._~")
        #expect(PercentEncoding.encode("a b/c+d*é😀") == "a%20b%2Fc%2Bd%2A%C3%A9%F0%9F%98%80")
        #expect(PercentEncoding.encode("%") == "%25")
        #expect(PercentEncoding.encode("") == "")
    }

    @Test func keepingAddsCharacters() {
        #expect(PercentEncoding.encode("/a b/c", keeping: "/") == "/a%20b/c")
        #expect(PercentEncoding.encode("$top,x y", keeping: ",$") == "$top,x%20y")
    }

    @Test func formEncodingUsesPlusAndEscapesTilde() {
        #expect(PercentEncoding.formEncode([("grant_type", "client_credentials"), ("scope", "a b+c~*")])
                == "grant_type=client_credentials&scope=a+b%2Bc%7E*")
        #expect(PercentEncoding.formEncode([("k", "é&=")]) == "k=%C3%A9%26%3D")
    }

    @Test func decodeIsTheInverseAndLenient() {
        let text = "a b/c+d*é😀%"
        #expect(PercentEncoding.decode(PercentEncoding.encode(text)) == text)
        #expect(PercentEncoding.decode("a+b%2Bc", plusAsSpace: true) == "a b+c")
        #expect(PercentEncoding.decode("a+b%2Bc") == "a+b+c")
        #expect(PercentEncoding.decode("%zz%4") == "%zz%4")
        #expect(PercentEncoding.decode("%e9%C3%A9") == "\u{FFFD}é")
        let form = PercentEncoding.formEncode([("q", "x y+z")])
        #expect(PercentEncoding.decode(String(form.dropFirst(2)), plusAsSpace: true) == "x y+z")
    }

    @Test func strictDecodingRefusesBadEscapesAndNonUTF8() {
        #expect(PercentEncoding.decodeStrictly("/tmp/a%20b+c") == "/tmp/a b+c")
        #expect(PercentEncoding.decodeStrictly("/a%2") == nil)
        #expect(PercentEncoding.decodeStrictly("/a%+f") == nil)
        #expect(PercentEncoding.decodeStrictly("/a%zz") == nil)
        #expect(PercentEncoding.decodeStrictly("/a%FF") == nil)
    }

    @Test func hexDigits() {
        #expect((0...255).compactMap { PercentEncoding.hexValue(UInt8($0)) }.count == 22)
        #expect(PercentEncoding.hexValue(UInt8(ascii: "f")) == 15 && PercentEncoding.hexValue(UInt8(ascii: "A")) == 10)
        #expect(PercentEncoding.hexValue(UInt8(ascii: "g")) == nil)
    }
}
