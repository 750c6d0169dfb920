import Foundation
import PluginAPI
import Testing
import TestSupport

/// RFC 4180 parsing edge cases, each read through the real libCSVConnector.so.
@Suite struct CSVParsingTests {
    let fixture: CSVFixture
    init() throws { fixture = try CSVFixture() }

    @Test func quotedFieldsWithDelimitersAndDoubledQuotes() throws {
        let result = try fixture.read("id,name,note\n1,\"a \"\"quoted\"\" name\",\"x,y\"\n2,\"\",\"\"\"\"\n")
        #expect(result.records.map(\.values) == [["1", "a \"quoted\" name", "x,y"], ["2", "", "\""]])
        #expect(result.records.map(\.externalId) == ["1", "2"])
    }

    @Test func embeddedNewlinesAreKeptAndCountedAsLines() throws {
        let text = "id,note\n1,\"one\ntwo\"\n2,\"a\r\nb\"\n3,\"c\rd\"\n"
        let result = try fixture.read(text)
        #expect(result.records.map { $0.values[1] } == ["one\ntwo", "a\r\nb", "c\rd"])
        // Lines 1..7 are used; the ragged row after them is on line 8.
        let error = try #require(fixture.readError(text + "4\n"))
        #expect(error.status == XAAS_SOURCE_DATA)
        #expect(error.message.contains("line 8"), "\(error.message)")
    }

    @Test(arguments: ["\n", "\r\n", "\r"])
    func lineEndings(_ end: String) throws {
        let text = ["id,name", "1,a", "2,b", "3,c"].joined(separator: end) + end
        let result = try fixture.read(text)
        #expect(result.records.map(\.values) == [["1", "a"], ["2", "b"], ["3", "c"]])
    }

    @Test func mixedLineEndings() throws {
        let result = try fixture.read("id,name\r\n1,a\n2,b\r3,c\r\n")
        #expect(result.records.map(\.values) == [["1", "a"], ["2", "b"], ["3", "c"]])
    }

    @Test func utf8ByteOrderMarkIsStrippedFromTheFirstHeader() throws {
        let result = try fixture.read(bytes: [0xEF, 0xBB, 0xBF] + Array("id,name\n1,a\n".utf8))
        #expect(result.records.first?.attributes.first == ["id", "1"])
    }

    @Test func utf16ByteOrderMarkIsRefused() throws {
        let error = try #require(fixture.readError(bytes: [0xFF, 0xFE] + Array("i\0d\0".utf8)))
        #expect(error.status == XAAS_SOURCE_DATA)
        #expect(error.message.contains("UTF-16"), "\(error.message)")
    }

    @Test(arguments: [(",", ","), (";", ";"), ("\t", "\t"), ("|", "|"), ("tab", "\t")])
    func delimiters(_ setting: String, _ character: String) throws {
        let d = character
        let text = "id\(d)name\(d)note\n1\(d)\"a\(d)b\"\(d)x\n2\(d)c\(d)\n"
        let result = try fixture.read(text, ["delimiter": setting])
        #expect(result.records.map(\.values) == [["1", "a\(d)b", "x"], ["2", "c", ""]])
    }

    @Test func otherDelimitersAreData() throws {
        let result = try fixture.read("id;name,x\n1;a,b\n", ["delimiter": ";"])
        #expect(result.records.first?.attributes == [["id", "1"], ["name,x", "a,b"]])
    }

    @Test func unicodeNamesAndValues() throws {
        let text = "id,prénom,名前\n😀,Zoë,日本語\ne\u{301},\"line\u{2028}sep\",Ω\n"
        let result = try fixture.read(text)
        #expect(result.records.map(\.attributes) == [
            [["id", "😀"], ["prénom", "Zoë"], ["名前", "日本語"]],
            [["id", "e\u{301}"], ["prénom", "line\u{2028}sep"], ["名前", "Ω"]],
        ])
    }

    @Test func rowWithTooFewFieldsNamesLineAndMissingColumn() throws {
        let error = try #require(fixture.readError("id,name,email\n1,a,x\n2,b\n"))
        #expect(error.status == XAAS_SOURCE_DATA)
        #expect(error.message.contains("users.csv line 3"), "\(error.message)")
        #expect(error.message.contains("\"email\""), "\(error.message)")
    }

    @Test func rowWithTooManyFieldsNamesLine() throws {
        let error = try #require(fixture.readError("id,name\n1,a\n2,b,c\n"))
        #expect(error.status == XAAS_SOURCE_DATA)
        #expect(error.message.contains("line 3"), "\(error.message)")
        #expect(error.message.contains("3 fields"), "\(error.message)")
    }

    @Test func unterminatedQuoteAtEndOfFileIsFatalEvenWhenSkipping() throws {
        for policy in ["fail", "skip"] {
            let error = try #require(fixture.readError("id,name\n1,a\n2,\"b\n3,c\n", ["onBadRow": policy]))
            #expect(error.status == XAAS_SOURCE_DATA)
            #expect(error.message.contains("line 3"), "\(error.message)")
            #expect(error.message.contains("unterminated quote"), "\(error.message)")
        }
    }

    @Test func textAfterClosingQuoteAndBareQuotesAreErrors() throws {
        let after = try #require(fixture.readError("id,name\n1,\"a\"b\n"))
        #expect(after.message.contains("line 2") && after.message.contains("after its closing quote"), "\(after.message)")
        let bare = try #require(fixture.readError("id,name\n1,a\"b\n"))
        #expect(bare.message.contains("line 2") && bare.message.contains("quote inside an unquoted"), "\(bare.message)")
    }

    @Test func invalidUTF8NamesLineAndColumn() throws {
        let bytes = Array("id,name\n1,ok\n2,".utf8) + [0x61, 0xFF, 0x62] + Array("\n".utf8)
        let error = try #require(fixture.readError(bytes: bytes))
        #expect(error.status == XAAS_SOURCE_DATA)
        #expect(error.message.contains("line 3"), "\(error.message)")
        #expect(error.message.contains("\"name\"") && error.message.contains("UTF-8"), "\(error.message)")
    }

    /// The connector's byte-level UTF-8 check refuses exactly what is not UTF-8: truncated and stray
    /// continuation bytes, overlong forms, surrogates, code points above U+10FFFF (each in a non-ASCII row).
    @Test(arguments: [[0xC3], [0x80], [0xC0, 0xAF], [0xC1, 0xBF], [0xE0, 0x80, 0xAF], [0xE0, 0x9F, 0xBF],
                      [0xED, 0xA0, 0x80], [0xED, 0xBF, 0xBF], [0xF0, 0x8F, 0xBF, 0xBF], [0xF4, 0x90, 0x80, 0x80],
                      [0xF5, 0x80, 0x80, 0x80], [0xE2, 0x82], [0xF0, 0x9F, 0x98], [0xFE], [0xFF]] as [[UInt8]])
    func invalidUTF8SequencesAreRefused(_ sequence: [UInt8]) throws {
        let bytes = Array("id,name,note\n1,Zoë,x".utf8) + sequence + Array("y\n".utf8)
        let error = try #require(fixture.readError(bytes: bytes), "\(sequence) was accepted")
        #expect(error.message.contains("line 2") && error.message.contains("\"note\"")
                && error.message.contains("UTF-8"), "\(error.message)")
    }

    @Test(arguments: ["é", "ß€", "\u{10FFFF}", "\u{D7FF}\u{E000}", "😀 Ω", "\u{80}\u{7FF}\u{800}\u{FFFF}\u{10000}"])
    func validUTF8IsKeptIntact(_ text: String) throws {
        let result = try fixture.read("id,name\n1,\(text)x\(text)\n")
        #expect(result.records.first?.values == ["1", "\(text)x\(text)"])
    }

    @Test func nulByteIsAnError() throws {
        let error = try #require(fixture.readError(bytes: Array("id,name\n1,a".utf8) + [0] + Array("b\n".utf8)))
        #expect(error.message.contains("line 2") && error.message.contains("NUL"), "\(error.message)")
    }

    @Test func emptyFileIsRefused() throws {
        let error = try #require(fixture.readError(""))
        #expect(error.status == XAAS_SOURCE_DATA)
        #expect(error.message.contains("users.csv is empty"), "\(error.message)")
    }

    @Test(arguments: ["id,name", "id,name\n", "id,name\r\n", "\nid,name\n\n"])
    func headerOnlyIsAnEmptySource(_ text: String) throws {
        let result = try fixture.read(text)
        #expect(result.records.isEmpty)
        #expect(result.pages == 1)
    }

    @Test func trailingNewlineIsOptional() throws {
        let with = try fixture.read("id,name\n1,a\n2,\n")
        let without = try fixture.read("id,name\n1,a\n2,")
        #expect(with.records == without.records)
        #expect(without.records.map(\.values) == [["1", "a"], ["2", ""]])
    }

    @Test func blankLinesAreSkippedLikePythonDictReader() throws {
        let result = try fixture.read("id,name\n\n1,a\r\n\r\n\r2,b\n\n")
        #expect(result.records.map(\.values) == [["1", "a"], ["2", "b"]])
        #expect(result.skipped == 0)
    }

    @Test func emptyValuesAreKeptAsEmptyStrings() throws {
        let result = try fixture.read("id,name,email\n1,,\"\"\n")
        #expect(result.records.first?.attributes == [["id", "1"], ["name", ""], ["email", ""]])
    }

    @Test func lineEndSplitAcrossReadChunks() throws {
        // Put a CRLF exactly across the 64 KiB chunk boundary, and a quoted CRLF across the next one.
        var text = "id,name\r\n"
        var n = 0
        while text.utf8.count < 65_535 - 20 { n += 1; text += "\(n),v\r\n" }
        n += 1
        text += "\(n)," + String(repeating: "x", count: 65_535 - text.utf8.count - "\(n),".utf8.count) + "\r\n"
        #expect(Array(text.utf8)[65_535] == UInt8(ascii: "\r") && Array(text.utf8)[65_536] == UInt8(ascii: "\n"))
        var quoted = "\(n + 1),\""
        quoted += String(repeating: "q", count: 131_071 - text.utf8.count - quoted.utf8.count) + "\r\nz\"\r\n"
        text += quoted + "\(n + 2),end"
        #expect(Array(text.utf8)[131_071] == UInt8(ascii: "\r"))
        let result = try fixture.read(text)
        #expect(result.records.count == n + 2)
        #expect(result.records.allSatisfy { $0.values.count == 2 })
        #expect(result.records[n].values[1].hasSuffix("q\r\nz"))
        #expect(result.records.last?.values == ["\(n + 2)", "end"])
    }

    @Test func hugeUnterminatedQuoteFailsWithoutReadingTheWholeFile() throws {
        var text = "id,name\n1,\"open\n"
        let line = String(repeating: "y", count: 99) + "\n"
        for _ in 0..<50_000 { text += line }  // ~5 MB
        let error = try #require(fixture.readError(text))
        #expect(error.status == XAAS_SOURCE_DATA)
        #expect(error.message.contains("line 2") && error.message.contains("MiB"), "\(error.message)")
    }
}
