import Glibc
import PluginAPI
import XaasText

/// Copies a plugin's C page into a ``SourcePage``, checking every record against the ABI.
///
/// Records are found at `records + i * stride`: the page's `record_stride` (ABI 1.1), or the 1.0
/// record size for a plugin whose descriptor says `abi_minor` 0 (its pages have no stride) or that
/// left the stride 0. Each record is read up to its own `struct_size` (fields beyond it read as zero;
/// fields the host does not know are ignored), so plugins built against older and newer 1.x
/// headers both decode.
///
/// A malformed record (unknown kind or status, empty external id, invalid UTF-8, NULL pointers with a
/// non-zero length, a struct_size outside [1.0 size, stride]) is a `sourceData` error naming the
/// record index and field.
///
/// ## Threading
/// One decoder per ``PluginInstance``, used under its lock: it keeps the attribute names of the
/// previous record so that a name repeated in every record (the usual case) becomes a `String` once.
final class PageDecoder {
    /// The 1.0 `sizeof(xaas_record)`: the smallest record accepted and the stride of a 1.0 page.
    static let recordSize10 = MemoryLayout<xaas_record>.offset(of: \.attribute_count)! + MemoryLayout<Int>.size

    private let plugin: String
    /// Whether the plugin fills `record_stride` (its `abi_minor` ≥ 1).
    private let pluginHasStride: Bool
    private var names = NameCache()

    init(plugin: String, abiMinor: UInt32) {
        self.plugin = plugin
        self.pluginHasStride = abiMinor >= 1
    }

    private func bad(_ message: String) -> PluginError { PluginError(.sourceData, "\(plugin): \(message)") }

    /// The bytes from one record to the next in `page`.
    private func stride(of page: xaas_page) throws(PluginError) -> Int {
        guard pluginHasStride, page.record_stride != 0 else { return Self.recordSize10 }
        let stride = page.record_stride
        guard stride >= Self.recordSize10, stride % MemoryLayout<xaas_record>.alignment == 0 else {
            throw bad("page.record_stride \(stride) is not a record size (at least \(Self.recordSize10), "
                + "a multiple of \(MemoryLayout<xaas_record>.alignment))")
        }
        return stride
    }

    /// Decodes `page` (which the host zero-filled before `read_page`, so fields a plugin did not
    /// know read as zero). `structSize` is the `struct_size` the host set (its own `sizeof` in xaas).
    /// The records' bytes are copied into one ``RecordStorage`` for the page.
    func decode(_ page: xaas_page, structSize: Int = MemoryLayout<xaas_page>.size) throws(PluginError) -> SourcePage {
        if let problem = PageLimits.problem(page, size: structSize) { throw bad(problem) }
        let count = page.record_count
        var records: [SourceRecord] = []
        if count > 0 {
            guard let base = page.records else { throw bad("page.records is NULL but record_count is \(count)") }
            let stride = try stride(of: page)
            // The cache is a local for the page: a class's stored `var` carries a runtime exclusivity
            // check on every access, one per attribute otherwise.
            var names = self.names
            self.names = NameCache()
            defer { self.names = names }
            names.newPage()
            var builder = RecordStorage.Builder(byteCapacity: lastPageBytes, slotCapacity: lastPageSlots)
            var shapes: [Shape] = []
            shapes.reserveCapacity(count)
            let raw = UnsafeRawPointer(base)
            for i in 0 ..< count {
                shapes.append(try decodeRecord(at: raw + i * stride, index: i, stride: stride, names: &names, into: &builder))
            }
            lastPageBytes = builder.count
            lastPageSlots = builder.slots.count
            let storage = builder.finish()
            records.reserveCapacity(count)
            for shape in shapes {
                records.append(SourceRecord(kind: shape.kind, status: shape.status, storage: storage,
                                            id: (shape.idStart, shape.idLength), slots: shape.slots))
            }
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

    /// The bytes and attributes of the previous page: the next page's storage starts that large.
    private var lastPageBytes = 64 << 10
    private var lastPageSlots = 1024

    /// What one decoded record is, before its page's storage is finished.
    private struct Shape {
        var kind: SourceRecord.Kind
        var status: SourceRecord.Status
        var idStart: UInt32
        var idLength: UInt32
        var slots: Range<Int>
    }

    /// Reads the prefix of the record at `pointer` that this host knows.
    private func load(_ pointer: UnsafeRawPointer, index i: Int, stride: Int) throws(PluginError) -> xaas_record {
        let size = pointer.load(as: Int.self)
        guard size >= Self.recordSize10, size <= stride else {
            throw bad("record \(i): struct_size \(size) is outside [\(Self.recordSize10), \(stride)] (the page's record stride)")
        }
        if size >= MemoryLayout<xaas_record>.size { return pointer.load(as: xaas_record.self) }
        var r = xaas_record()
        withUnsafeMutableBytes(of: &r) { $0.copyMemory(from: UnsafeRawBufferPointer(start: pointer, count: size)) }
        return r
    }

    private func decodeRecord(at pointer: UnsafeRawPointer, index i: Int, stride: Int, names: inout NameCache,
                              into builder: inout RecordStorage.Builder) throws(PluginError) -> Shape {
        let r = try load(pointer, index: i, stride: stride)
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
        guard r.external_id.len > 0, let id = Self.checked(r.external_id) else {
            throw bad("record \(i): external_id is empty or not valid UTF-8")
        }
        let idStart = try append(id, to: &builder)
        let first = builder.slots.count
        let attributeCount = r.attribute_count
        if attributeCount > 0 {
            guard let list = r.attributes else {
                throw bad("record \(i) (\(Self.text(id))): attributes is NULL but attribute_count is \(attributeCount)")
            }
            for j in 0 ..< attributeCount {
                let a = list[j]
                if let problem = PageLimits.problem(a) { throw bad("record \(i) (\(Self.text(id))): attribute \(j): \(problem)") }
                guard let name = names.number(a.name, position: j, in: &builder) else {
                    throw bad("record \(i) (\(Self.text(id))): attribute \(j): name is empty or not valid UTF-8")
                }
                guard let value = Self.checked(a.value) else {
                    throw bad("record \(i) (\(Self.text(id))): attribute \(names.string(name, in: builder)): value is not valid UTF-8")
                }
                builder.addSlot(name: name, start: try append(value, to: &builder), length: value.count)
            }
        }
        return Shape(kind: kind, status: status, idStart: idStart, idLength: UInt32(id.count),
                     slots: first ..< builder.slots.count)
    }

    /// Copies checked bytes into the page's storage.
    @inline(__always)
    private func append(_ bytes: UnsafeRawBufferPointer, to builder: inout RecordStorage.Builder) throws(PluginError) -> UInt32 {
        guard let start = builder.append(bytes) else {
            throw bad("the page holds more than \(RecordStorage.maxBytes) bytes of strings (return smaller pages)")
        }
        return start
    }

    /// The bytes of `s` when they are valid UTF-8 (empty for a zero length), or `nil`.
    @inline(__always)
    static func checked(_ s: xaas_str) -> UnsafeRawBufferPointer? {
        guard s.len > 0 else { return UnsafeRawBufferPointer(start: nil, count: 0) }
        guard let ptr = s.ptr else { return nil }
        let bytes = UnsafeRawBufferPointer(start: ptr, count: s.len)
        return UTF8Text.isValid(bytes) ? bytes : nil
    }

    /// Checked bytes as a `String` (for messages).
    private static func text(_ bytes: UnsafeRawBufferPointer) -> String { String(decoding: bytes, as: UTF8.self) }

}

/// The attribute names of the previous record by position, so a page of records with the same
/// columns validates each name once and finds its number in the page's storage without hashing.
struct NameCache {
    private struct Entry {
        var pointer: UnsafeRawPointer?
        var bytes: [UInt8]
        var string: String
        /// Its number in the current page's storage (`nil` until met in this page).
        var number: UInt32?
    }
    private var entries: [Entry] = []

    /// Forgets the pointers and numbers of the previous page (its memory is gone), keeping the names.
    mutating func newPage() {
        for k in entries.indices {
            entries[k].pointer = nil
            entries[k].number = nil
        }
    }

    /// The number in `builder` of the name `s` at attribute position `j`, or `nil` when it is empty or not
    /// valid UTF-8.
    @inline(__always)
    mutating func number(_ s: xaas_str, position j: Int, in builder: inout RecordStorage.Builder) -> UInt32? {
        guard s.len > 0, let ptr = s.ptr else { return nil }
        let raw = UnsafeRawPointer(ptr)
        if j < entries.count, let number = entries[j].number, entries[j].pointer == raw, entries[j].bytes.count == s.len {
            return number
        }
        return slowNumber(raw, length: s.len, position: j, in: &builder)
    }

    private mutating func slowNumber(_ raw: UnsafeRawPointer, length: Int, position j: Int,
                                     in builder: inout RecordStorage.Builder) -> UInt32? {
        if j < entries.count, entries[j].bytes.count == length,
           entries[j].bytes.withUnsafeBytes({ memcmp($0.baseAddress!, raw, length) == 0 }) {
            let number = entries[j].number ?? builder.number(of: entries[j].string)
            entries[j].pointer = raw
            entries[j].number = number
            return number
        }
        guard let string = UTF8Text.string(UnsafeRawBufferPointer(start: raw, count: length)) else { return nil }
        let number = builder.number(of: string)
        let entry = Entry(pointer: raw, bytes: Array(UnsafeRawBufferPointer(start: raw, count: length)), string: string,
                          number: number)
        if j < entries.count { entries[j] = entry } else if j == entries.count { entries.append(entry) }
        return number
    }

    /// The name numbered `number` in `builder` (for messages).
    func string(_ number: UInt32, in builder: borrowing RecordStorage.Builder) -> String { builder.name(number) }
}

/// UTF-8 checks of the host's record path (``UTF8Check``, strict, eight ASCII bytes at a time).
enum UTF8Text {
    /// `bytes` as a String when they are valid UTF-8, else `nil`.
    @inline(__always)
    static func string(_ bytes: UnsafeRawBufferPointer) -> String? {
        isValid(bytes) ? String(decoding: bytes.bindMemory(to: UInt8.self), as: UTF8.self) : nil
    }

    /// Whether `bytes` are valid UTF-8 (ASCII checked eight bytes at a time).
    @inline(__always)
    static func isValid(_ bytes: UnsafeRawBufferPointer) -> Bool {
        UTF8Check.isValid(bytes)
    }

    /// Whether every byte is below 0x80 (eight bytes at a time).
    @inline(__always)
    static func isASCII(_ bytes: UnsafeRawBufferPointer) -> Bool {
        let n = bytes.count
        guard let base = bytes.baseAddress else { return true }
        var i = 0
        var acc: UInt64 = 0
        while i + 8 <= n {
            acc |= base.loadUnaligned(fromByteOffset: i, as: UInt64.self)
            i += 8
        }
        while i < n {
            acc |= UInt64(base.load(fromByteOffset: i, as: UInt8.self))
            i += 1
        }
        return acc & 0x8080_8080_8080_8080 == 0
    }
}
