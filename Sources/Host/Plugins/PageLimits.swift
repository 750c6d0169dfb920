import PluginAPI

/// Bounds the host puts on what one page from a plugin may claim, checked before anything is copied, so
/// that a plugin bug (a garbage length or count) is a clear `sourceData` error instead of an allocation
/// failure that aborts the host.
enum PageLimits {
    /// Records in one page.
    static let maxRecords = 1 << 20
    /// Attributes of one record.
    static let maxAttributes = 1 << 16
    /// Bytes of one string (external id, attribute name or value, cursor).
    static let maxStringBytes = 16 << 20

    /// Why `page`'s header is unusable, or nil. `size` is the `struct_size` the host set before `read_page`.
    static func problem(_ page: xaas_page, size: Int = MemoryLayout<xaas_page>.size) -> String? {
        if page.struct_size != size {
            return "page.struct_size is \(page.struct_size), not the \(size) the host set (a plugin must not change it)"
        }
        if page.record_count > maxRecords {
            return "record_count \(page.record_count) is more than \(maxRecords) records in one page"
        }
        if page.note_count > maxRecords {
            return "note_count \(page.note_count) is more than \(maxRecords)"
        }
        return nil
    }

    /// Why `record`'s counts and lengths are unusable, or nil.
    static func problem(_ record: xaas_record) -> String? {
        if record.attribute_count > maxAttributes {
            return "attribute_count \(record.attribute_count) is more than \(maxAttributes)"
        }
        if record.external_id.len > maxStringBytes {
            return "external_id length \(record.external_id.len) is more than \(maxStringBytes) bytes"
        }
        return nil
    }

    /// Why `attribute`'s lengths are unusable, or nil.
    static func problem(_ attribute: xaas_attribute) -> String? {
        // Checked for every attribute of every record: the usual answer costs two comparisons.
        guard attribute.name.len > maxStringBytes || attribute.value.len > maxStringBytes else { return nil }
        for (field, s) in [("name", attribute.name), ("value", attribute.value)] where s.len > maxStringBytes {
            return "\(field) length \(s.len) is more than \(maxStringBytes) bytes"
        }
        return nil
    }
}
