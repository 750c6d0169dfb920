import Glibc
import PluginAPI

/// Copies a plugin's C page into a ``SourcePage``, checking every record against the ABI.
///
/// A malformed record (unknown kind or status, empty external id, invalid UTF-8, NULL pointers with a
/// non-zero length) is a `sourceData` error naming the record index and field.
enum PageDecoder {
    static func decode(_ page: xaas_page, plugin: String) throws(PluginError) -> SourcePage {
        func bad(_ message: String) -> PluginError { PluginError(.sourceData, "\(plugin): \(message)") }
        if let problem = PageLimits.problem(page) { throw bad(problem) }
        let count = page.record_count
        if count > 0, page.records == nil { throw bad("page.records is NULL but record_count is \(count)") }
        var records: [SourceRecord] = []
        records.reserveCapacity(count)
        for i in 0 ..< count {
            let r = page.records![i]
            guard r.struct_size >= MemoryLayout<xaas_record>.size else {
                throw bad("record \(i): struct_size \(r.struct_size) is smaller than \(MemoryLayout<xaas_record>.size)")
            }
            if let problem = PageLimits.problem(r) { throw bad("record \(i): \(problem)") }
            let kind: SourceRecord.Kind
            switch r.kind {
            case UInt32(XAAS_KIND_USER): kind = .user
            case UInt32(XAAS_KIND_GROUP): kind = .group
            case UInt32(XAAS_KIND_MEMBERSHIP): kind = .membership
            default: throw bad("record \(i): kind \(r.kind) is not an XAAS_KIND_* value")
            }
            let status: SourceRecord.Status
            switch r.status {
            case UInt32(XAAS_STATUS_ACTIVE): status = .active
            case UInt32(XAAS_STATUS_INACTIVE): status = .inactive
            case UInt32(XAAS_STATUS_DELETED): status = .deleted
            default: throw bad("record \(i): status \(r.status) is not an XAAS_STATUS_* value")
            }
            guard let externalId = string(r.external_id), !externalId.isEmpty else {
                throw bad("record \(i): external_id is empty or not valid UTF-8")
            }
            let attributeCount = r.attribute_count
            if attributeCount > 0, r.attributes == nil {
                throw bad("record \(i) (\(externalId)): attributes is NULL but attribute_count is \(attributeCount)")
            }
            var attributes: [SourceAttribute] = []
            attributes.reserveCapacity(attributeCount)
            for j in 0 ..< attributeCount {
                let a = r.attributes![j]
                if let problem = PageLimits.problem(a) { throw bad("record \(i) (\(externalId)): attribute \(j): \(problem)") }
                guard let name = string(a.name), !name.isEmpty else {
                    throw bad("record \(i) (\(externalId)): attribute \(j): name is empty or not valid UTF-8")
                }
                guard let value = string(a.value) else {
                    throw bad("record \(i) (\(externalId)): attribute \(name): value is not valid UTF-8")
                }
                attributes.append(SourceAttribute(name, value))
            }
            records.append(SourceRecord(kind: kind, externalId: externalId, status: status, attributes: attributes))
        }
        var notes: [String] = []
        if page.note_count > 0 {
            guard let pointers = page.notes else { throw bad("page.notes is NULL but note_count is \(page.note_count)") }
            for k in 0 ..< page.note_count { notes.append(pointers[k].map { String(cString: $0) } ?? "") }
        }
        return SourcePage(
            records: records, nextCursor: page.next_cursor.map { String(cString: $0) },
            checkpoint: page.checkpoint.map { String(cString: $0) },
            incremental: page.flags & UInt32(XAAS_PAGE_INCREMENTAL) != 0,
            skippedCount: Int(clamping: page.skipped_count), notes: notes)
    }

    /// A validated UTF-8 string, or `nil` when the bytes are not UTF-8 (or `ptr` is NULL with `len` > 0).
    ///
    /// Decodes with repair (the fast, non-generic path) and rejects the result when repair changed
    /// the bytes: valid UTF-8 decodes to exactly the same bytes.
    @inline(__always)
    static func string(_ s: xaas_str) -> String? {
        guard s.len > 0 else { return "" }
        guard let ptr = s.ptr else { return nil }
        let bytes = UnsafeRawBufferPointer(start: ptr, count: s.len)
        let decoded = String(decoding: bytes.bindMemory(to: UInt8.self), as: UTF8.self)
        guard decoded.utf8.count == s.len else { return nil }
        let same = decoded.utf8.withContiguousStorageIfAvailable { memcmp($0.baseAddress!, ptr, s.len) == 0 }
            ?? decoded.utf8.elementsEqual(bytes)
        return same ? decoded : nil
    }
}
