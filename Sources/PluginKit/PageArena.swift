import PluginAPI
import Glibc

/// The C memory of one page: a finished ``PageBuilder`` (records, attributes, string blocks), the
/// notes, the cursor and the checkpoint.
///
/// ## Ownership
/// Created by `read_page`, retained through `xaas_page.plugin_data`, freed by `release_page`.
final class PageArena {
    private let builder: PageBuilder
    private let notes: UnsafeMutablePointer<UnsafePointer<CChar>?>
    private let noteCount: Int
    private let cursor: UnsafeMutablePointer<CChar>?
    private let checkpoint: UnsafeMutablePointer<CChar>?

    private init(page: Page) {
        if let built = page.builder {
            builder = built
        } else {
            builder = PageBuilder(expectedRecords: page.records.count, attributesPerRecord: page.records.first?.attributes.count ?? 1)
        }
        for record in page.records { builder.append(record) }
        noteCount = page.notes.count
        notes = .allocate(capacity: max(1, noteCount))
        for (i, note) in page.notes.enumerated() { (notes + i).initialize(to: UnsafePointer(strdup(note)!)) }
        cursor = page.nextCursor.flatMap { strdup($0) }
        checkpoint = page.checkpoint.flatMap { strdup($0) }
    }

    deinit {
        for i in 0 ..< noteCount { free(UnsafeMutablePointer(mutating: notes[i])) }
        notes.deallocate()
        if let cursor { free(cursor) }
        if let checkpoint { free(checkpoint) }
    }

    /// Lays `page` out in C memory and fills the fields of `out` that lie inside its `struct_size`
    /// (the host set it and zero-filled the rest; a host older than this header has a shorter page).
    static func fill(_ out: UnsafeMutablePointer<xaas_page>, with page: Page) {
        let arena = PageArena(page: page)
        let records = arena.builder.finish()
        var filled = xaas_page()
        filled.struct_size = out.pointee.struct_size
        filled.records = records
        filled.record_count = arena.builder.recordCount
        filled.next_cursor = arena.cursor.map { UnsafePointer($0) }
        filled.checkpoint = arena.checkpoint.map { UnsafePointer($0) }
        filled.flags = page.incremental ? UInt32(XAAS_PAGE_INCREMENTAL) : 0
        filled.skipped_count = UInt64(page.skippedCount)
        filled.notes = arena.noteCount == 0 ? nil : UnsafePointer(arena.notes)
        filled.note_count = arena.noteCount
        filled.plugin_data = Unmanaged.passRetained(arena).toOpaque()
        filled.record_stride = MemoryLayout<xaas_record>.stride
        HostStruct.writePrefix(of: filled, to: out)
    }
}
