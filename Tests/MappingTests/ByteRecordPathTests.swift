import Host
import TestSupport
import Testing
import XaasJSON

/// The record path reads values as bytes (``RecordStorage``, ``AttributeTable``, the mapper's byte writer):
/// these tests hold it to what the `String` APIs say, on records with the awkward cases (non-ASCII, escapes,
/// control characters, empty and repeated attributes, canonically equivalent text).
@Suite struct ByteRecordPathTests {
    /// Values that exercise every escape and every position relative to an 8-byte word.
    static let awkward = [
        "", "a", "plain ascii value", "quote\"inside", "back\\slash", "tab\there", "new\nline", "cr\rlf\n",
        "\u{01}\u{1F}\u{7F}", "Zoë Ñúñez", "東京都", "emoji 👩🏽‍💻 ok", "1234567\"", "12345678\\", "x\u{08}\u{0C}y",
        "e\u{301}", "\u{E9}", "  spaced  ", "a@b.c", "ann@", "@x", "two@@at", "first last@x.org",
    ]

    /// A deterministic record from `seed`: some attributes missing, empty, repeated or awkward.
    static func record(_ seed: Int) -> SourceRecord {
        var g = SeededGenerator(seed: UInt64(seed) &+ 0x9E37_79B9_7F4A_7C15)
        func pick() -> String { awkward[Int(g.next() % UInt64(awkward.count))] }
        var attributes: [SourceAttribute] = []
        for name in ["email", "first_name", "last_name", "title", "street_number", "street_name", "city", "dept"]
            where g.next() % 6 != 0 {
            attributes.append(SourceAttribute(name, g.next() % 5 == 0 ? "" : pick()))
            if g.next() % 7 == 0 { attributes.append(SourceAttribute(name, pick())) }
        }
        if g.next() % 3 == 0 { attributes.append(SourceAttribute("email", "user\(seed)@example.com")) }
        return SourceRecord(externalId: "id-\(seed)-\(pick())", attributes: attributes.shuffled(using: &g))
    }

    static let mapping = try! Mapping([
        ("userName", "${email}"), ("email", "${email}"), ("firstName", "${first_name}"), ("lastName", "${last_name}"),
        ("displayName", "${first_name} ${last_name}"), ("title", "${title}"),
        ("streetAddress", "${street_number} ${street_name}"), ("city", "Town of ${city}"), ("label", "fixed"),
        ("department", "${dept | trim | upper}"), ("nickName", "${first_name | first}"), ("mobilePhone", "${title}"),
    ])

    @Test("the mapper's byte path gives the profile, hash and verdict of the String path", arguments: 0 ..< 400)
    func mapperMatchesStringPath(seed: Int) {
        let record = Self.record(seed)
        let pairs = Self.mapping.profile(for: record)
        let expected = Mapping.validate(externalId: record.externalId, profile: pairs) == nil ? Profile(pairs) : nil
        let mapped = ProfileMapper(Self.mapping).profile(record)
        #expect(mapped == expected, "record \(record)")
        if let mapped { #expect(mapped.hash == Profile.hash(mapped.json)) }
    }

    @Test("one Buffers reused across records and mappers maps each record as a fresh one would")
    func buffersAreReusable() {
        var buffers = ProfileMapper.Buffers()
        let other = ProfileMapper(try! Mapping([("userName", "${dept}"), ("email", "${email}")]))
        for seed in 0 ..< 200 {
            let record = Self.record(seed)
            let mapper = seed % 3 == 0 ? other : ProfileMapper(Self.mapping)
            let fresh = mapper.profile(record)
            if case .mapped = mapper.map(record, using: &buffers) {
                #expect(buffers.profile == fresh)
            } else {
                #expect(fresh == nil)
            }
        }
    }

    @Test("JSON strings written from bytes equal the String writer's, for every awkward value")
    func jsonBytesMatchStringWriter() throws {
        for value in Self.awkward + Self.awkward.map({ $0 + String(repeating: "x", count: 13) + $0 }) {
            var bytes: [UInt8] = []
            var text = value
            text.withUTF8 { JSONValue.writeString(utf8: UnsafeRawBufferPointer($0), to: &bytes) }
            var string = ""
            JSONValue.writeString(value, to: &string)
            #expect(String(decoding: bytes, as: UTF8.self) == string)
            #expect(try JSONValue.parse(String(decoding: bytes, as: UTF8.self)).stringValue == value)
        }
    }

    @Test("a record's String views: values in order, first non-empty, replaced attributes and externalId")
    func recordViews() {
        var r = SourceRecord(externalId: "é-1", attributes: [
            SourceAttribute("m", ""), SourceAttribute("m", "Zoë"), SourceAttribute("n", "x"), SourceAttribute("m", "z"),
        ])
        #expect(r.values("m") == ["", "Zoë", "z"])
        #expect(r.firstValue("m") == "")
        #expect(r.firstNonEmptyValue("m") == "Zoë")
        #expect(r.firstValue("absent") == nil && r.values("absent").isEmpty)
        #expect(r.attributeCount == 4)
        r.attributes[2] = SourceAttribute("n", "changed")
        r.externalId = "new"
        #expect(r.externalId == "new" && r.firstValue("n") == "changed" && r.values("m") == ["", "Zoë", "z"])
        #expect(r == SourceRecord(externalId: "new", attributes: [
            SourceAttribute("m", ""), SourceAttribute("m", "Zoë"), SourceAttribute("n", "changed"), SourceAttribute("m", "z"),
        ]))
        var seen: [String] = []
        r.withExternalId { seen.append(String(decoding: $0, as: UTF8.self)) }
        #expect(seen == ["new"])
    }

    @Test("filters compare values as Strings do: canonically equivalent text matches, bytes alone do not decide")
    func filterKeepsCanonicalEquivalence() throws {
        let decomposed = SourceRecord(externalId: "1", attributes: [SourceAttribute("city", "Mont-Re\u{301}al")])
        #expect(try FilterExpression("city == \"Mont-R\u{E9}al\"").matches(decomposed))
        #expect(try FilterExpression("city in [\"x\", \"Mont-R\u{E9}al\"]").matches(decomposed))
        #expect(try !FilterExpression(#"city == "Montreal""#).matches(decomposed))
        #expect(try FilterExpression("exists(city)").matches(decomposed))
        #expect(try !FilterExpression("exists(nowhere)").matches(decomposed))
    }
}
