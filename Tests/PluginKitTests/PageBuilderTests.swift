import PluginAPI
import Testing
@testable import PluginKit

@Suite("PageBuilder")
struct PageBuilderTests {
    static func text(_ s: xaas_str) -> String {
        guard let ptr = s.ptr else { return "" }
        return String(decoding: UnsafeRawBufferPointer(start: ptr, count: s.len), as: UTF8.self)
    }

    @Test("records keep their attributes across growth, discarded rows leave nothing, big strings get their own block")
    func layout() throws {
        let page = PageBuilder(expectedRecords: 1, attributesPerRecord: 1)
        let name = page.string("email")
        let big = String(repeating: "x", count: 300 << 10)
        for i in 0 ..< 50 {
            page.appendAttribute(name: name, value: page.string("u\(i)@example.com"))
            if i % 7 == 3 {
                page.discardRecord()  // a bad row: its attributes are dropped
                continue
            }
            let row = page.string("id-\(i),tail")
            page.appendAttribute(name: page.string("note"), value: i == 10 ? page.string(big) : row.slice("id-\(i),".utf8.count, 4))
            page.endRecord(kind: .user, externalId: row.slice(0, "id-\(i)".utf8.count), status: i % 2 == 0 ? .active : .inactive)
        }
        let records = try #require(page.finish())
        let kept = (0 ..< 50).filter { $0 % 7 != 3 }
        #expect(page.recordCount == kept.count)
        for (k, i) in kept.enumerated() {
            let r = records[k]
            #expect(r.struct_size == MemoryLayout<xaas_record>.size)
            #expect(Self.text(r.external_id) == "id-\(i)")
            #expect(r.status == (i % 2 == 0 ? 0 : 1))
            #expect(r.attribute_count == 2)
            #expect(Self.text(r.attributes[0].name) == "email" && Self.text(r.attributes[0].value) == "u\(i)@example.com")
            #expect(Self.text(r.attributes[1].value) == (i == 10 ? big : "tail"))
        }
    }

    @Test("an empty builder has no records")
    func empty() {
        let page = PageBuilder()
        #expect(page.finish() == nil && page.recordCount == 0)
    }
}
