import PluginAPI
import Glibc

/// The C memory of one page: records, attributes, and one byte block for all their strings.
///
/// ## Ownership
/// Created by `read_page`, retained through `xaas_page.plugin_data`, freed by `release_page`.
final class PageArena {
    private let records: UnsafeMutablePointer<xaas_record>
    private let attributes: UnsafeMutablePointer<xaas_attribute>
    private let bytes: UnsafeMutablePointer<UInt8>
    private let cStrings: [UnsafeMutablePointer<CChar>]
    private let notes: UnsafeMutablePointer<UnsafePointer<CChar>?>

    private init(page: Page) {
        var byteCount = 0
        var attributeCount = 0
        for record in page.records {
            byteCount += record.externalId.utf8.count
            attributeCount += record.attributes.count
            for a in record.attributes { byteCount += a.name.utf8.count + a.value.utf8.count }
        }
        records = .allocate(capacity: max(1, page.records.count))
        attributes = .allocate(capacity: max(1, attributeCount))
        bytes = .allocate(capacity: max(1, byteCount))
        var offset = 0
        var attributeIndex = 0
        let base = bytes
        func copy(_ s: String) -> xaas_str {
            var s = s
            let start = base + offset
            let n = s.withUTF8 { src -> Int in
                if let address = src.baseAddress { start.update(from: address, count: src.count) }
                return src.count
            }
            offset += n
            return xaas_str(ptr: UnsafeRawPointer(start).assumingMemoryBound(to: CChar.self), len: n)
        }
        for (i, record) in page.records.enumerated() {
            let firstAttribute = attributes + attributeIndex
            for a in record.attributes {
                (attributes + attributeIndex).initialize(to: xaas_attribute(name: copy(a.name), value: copy(a.value)))
                attributeIndex += 1
            }
            (records + i).initialize(to: xaas_record(
                struct_size: MemoryLayout<xaas_record>.size,
                kind: record.kind.rawValue,
                status: record.status.rawValue,
                external_id: copy(record.externalId),
                attributes: record.attributes.isEmpty ? nil : UnsafePointer(firstAttribute),
                attribute_count: record.attributes.count))
        }
        var strings: [UnsafeMutablePointer<CChar>] = []
        notes = .allocate(capacity: max(1, page.notes.count))
        for (i, note) in page.notes.enumerated() {
            let c = strdup(note)!
            strings.append(c)
            (notes + i).initialize(to: UnsafePointer(c))
        }
        cStrings = strings
    }

    deinit {
        records.deallocate()
        attributes.deallocate()
        bytes.deallocate()
        notes.deallocate()
        for c in cStrings { free(c) }
        if let cursor { free(cursor) }
        if let checkpoint { free(checkpoint) }
    }

    private var cursor: UnsafeMutablePointer<CChar>?
    private var checkpoint: UnsafeMutablePointer<CChar>?

    /// Lays `page` out in C memory and fills `out` (whose `struct_size` the host set).
    static func fill(_ out: UnsafeMutablePointer<xaas_page>, with page: Page) {
        let arena = PageArena(page: page)
        arena.cursor = page.nextCursor.flatMap { strdup($0) }
        arena.checkpoint = page.checkpoint.flatMap { strdup($0) }
        out.pointee.records = page.records.isEmpty ? nil : UnsafePointer(arena.records)
        out.pointee.record_count = page.records.count
        out.pointee.next_cursor = arena.cursor.map { UnsafePointer($0) }
        out.pointee.checkpoint = arena.checkpoint.map { UnsafePointer($0) }
        out.pointee.flags = page.incremental ? UInt32(XAAS_PAGE_INCREMENTAL) : 0
        out.pointee.skipped_count = UInt64(page.skippedCount)
        out.pointee.notes = page.notes.isEmpty ? nil : UnsafePointer(arena.notes)
        out.pointee.note_count = page.notes.count
        out.pointee.plugin_data = Unmanaged.passRetained(arena).toOpaque()
    }
}
