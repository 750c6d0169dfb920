import PluginAPI
import Glibc

/// Lays a page's records out in C memory as a connector produces them, with no Swift `Record` or
/// `String` in between: attribute bytes are copied once, straight into the page.
///
/// ```swift
/// let page = PageBuilder()
/// let email = page.string("email")                        // a name, copied once per page
/// page.appendAttribute(name: email, value: bytes)          // bytes: UnsafeRawBufferPointer
/// page.endRecord(kind: .user, externalId: id, status: .active)
/// return Page(builder: page, nextCursor: cursor)
/// ```
///
/// Strings live in fixed blocks that never move, so a ``PageString`` stays valid until the page is
/// released. Records and attributes grow in arrays; a record's attribute pointer is set when the
/// page is handed to the host.
///
/// ## Ownership and threading
/// Used by one thread; after it is passed in a ``Page`` it belongs to that page and is freed by
/// `release_page`.
public final class PageBuilder: @unchecked Sendable {
    private static let blockSize = 256 << 10

    /// The record and attribute arrays and their counts. They live behind a pointer rather than in
    /// stored `var`s so that the per-attribute and per-record updates carry no dynamic exclusivity check
    /// (a class's stored `var`s get one at runtime, which cost more than the update itself).
    private struct Arrays {
        var records: UnsafeMutablePointer<xaas_record>
        var recordCapacity: Int
        /// Index into `attributes` of each record's first attribute (pointers are fixed up in ``finish()``).
        var firstAttribute: UnsafeMutablePointer<Int>
        var recordCount = 0
        var attributes: UnsafeMutablePointer<xaas_attribute>
        var attributeCapacity: Int
        var attributeCount = 0
        /// Index of the first attribute of the record being built.
        var recordStart = 0
    }
    private let a: UnsafeMutablePointer<Arrays>
    public var recordCount: Int { a.pointee.recordCount }
    private var blocks: [UnsafeMutableRawPointer] = []
    private var block: UnsafeMutableRawPointer?
    private var blockUsed = 0
    private var blockCapacity = 0
    private var finished = false

    /// A builder sized for about `expectedRecords` records of `attributesPerRecord` attributes.
    public init(expectedRecords: Int = 64, attributesPerRecord: Int = 8) {
        let recordCapacity = max(1, expectedRecords)
        let attributeCapacity = max(1, expectedRecords * attributesPerRecord)
        a = .allocate(capacity: 1)
        a.initialize(to: Arrays(records: .allocate(capacity: recordCapacity), recordCapacity: recordCapacity,
                                firstAttribute: .allocate(capacity: recordCapacity),
                                attributes: .allocate(capacity: attributeCapacity), attributeCapacity: attributeCapacity))
    }

    deinit {
        a.pointee.records.deallocate()
        a.pointee.firstAttribute.deallocate()
        a.pointee.attributes.deallocate()
        a.deallocate()
        for b in blocks { b.deallocate() }
    }

    /// Copies `bytes` into the page.
    public func string(_ bytes: UnsafeRawBufferPointer) -> PageString {
        let n = bytes.count
        guard n > 0, let source = bytes.baseAddress else { return PageString(xaas_str(ptr: nil, len: 0)) }
        let target = reserve(n)
        target.copyMemory(from: source, byteCount: n)
        return PageString(xaas_str(ptr: target.assumingMemoryBound(to: CChar.self), len: n))
    }

    /// Copies the UTF-8 of `text` into the page.
    public func string(_ text: String) -> PageString {
        var text = text
        return text.withUTF8 { string(UnsafeRawBufferPointer($0)) }
    }

    /// `count` bytes of page memory that stay put until the page is released.
    private func reserve(_ count: Int) -> UnsafeMutableRawPointer {
        if let block, blockCapacity - blockUsed >= count {
            defer { blockUsed += count }
            return block + blockUsed
        }
        let size = max(Self.blockSize, count)
        let fresh = UnsafeMutableRawPointer.allocate(byteCount: size, alignment: 8)
        blocks.append(fresh)
        block = fresh
        blockCapacity = size
        blockUsed = count
        return fresh
    }

    /// Adds an attribute to the record being built.
    @inline(__always)
    public func appendAttribute(name: PageString, value: PageString) {
        if a.pointee.attributeCount == a.pointee.attributeCapacity { growAttributes() }
        (a.pointee.attributes + a.pointee.attributeCount).initialize(to: xaas_attribute(name: name.value, value: value.value))
        a.pointee.attributeCount += 1
    }

    /// Adds an attribute whose value is copied from `value`.
    public func appendAttribute(name: PageString, value: UnsafeRawBufferPointer) {
        appendAttribute(name: name, value: string(value))
    }

    /// Drops the attributes added since the last ``endRecord(kind:externalId:status:)`` (a bad row).
    public func discardRecord() {
        a.pointee.attributeCount = a.pointee.recordStart
    }

    /// Closes the record being built: its attributes are those added since the previous record.
    public func endRecord(kind: Record.Kind, externalId: PageString, status: Record.Status) {
        if a.pointee.recordCount == a.pointee.recordCapacity { growRecords() }
        let n = a.pointee.recordCount, start = a.pointee.recordStart, end = a.pointee.attributeCount
        (a.pointee.records + n).initialize(to: xaas_record(
            struct_size: MemoryLayout<xaas_record>.size, kind: kind.rawValue, status: status.rawValue,
            external_id: externalId.value, attributes: nil, attribute_count: end - start))
        a.pointee.firstAttribute[n] = start
        a.pointee.recordCount = n + 1
        a.pointee.recordStart = end
    }

    /// Appends a Swift ``Record`` (copying its strings).
    public func append(_ record: Record) {
        for a in record.attributes { appendAttribute(name: string(a.name), value: string(a.value)) }
        endRecord(kind: record.kind, externalId: string(record.externalId), status: record.status)
    }

    /// Points every record at its attributes; returns the records (valid while the builder lives).
    func finish() -> UnsafePointer<xaas_record>? {
        let arrays = a.pointee
        if !finished {
            finished = true
            for i in 0 ..< arrays.recordCount where arrays.records[i].attribute_count > 0 {
                arrays.records[i].attributes = UnsafePointer(arrays.attributes + arrays.firstAttribute[i])
            }
        }
        return arrays.recordCount == 0 ? nil : UnsafePointer(arrays.records)
    }

    private func growRecords() {
        let n = a.pointee.recordCount, capacity = a.pointee.recordCapacity * 2
        a.pointee.records = Self.moved(a.pointee.records, count: n, to: capacity)
        a.pointee.firstAttribute = Self.moved(a.pointee.firstAttribute, count: n, to: capacity)
        a.pointee.recordCapacity = capacity
    }

    private func growAttributes() {
        let capacity = a.pointee.attributeCapacity * 2
        a.pointee.attributes = Self.moved(a.pointee.attributes, count: a.pointee.attributeCount, to: capacity)
        a.pointee.attributeCapacity = capacity
    }

    /// `count` elements moved from `old` (freed) into new memory for `capacity`.
    private static func moved<T>(_ old: UnsafeMutablePointer<T>, count: Int, to capacity: Int) -> UnsafeMutablePointer<T> {
        let fresh = UnsafeMutablePointer<T>.allocate(capacity: capacity)
        fresh.moveInitialize(from: old, count: count)
        old.deallocate()
        return fresh
    }
}

/// A string in a page's memory (see ``PageBuilder``); valid until the page is released.
public struct PageString: @unchecked Sendable {
    let value: xaas_str
    init(_ value: xaas_str) { self.value = value }

    /// The empty string.
    public static let empty = PageString(xaas_str(ptr: nil, len: 0))

    /// Its byte count.
    public var count: Int { value.len }

    /// The `count` bytes starting `offset` bytes in (both within this string).
    @inline(__always)
    public func slice(_ offset: Int, _ count: Int) -> PageString {
        precondition(offset >= 0 && count >= 0 && offset + count <= value.len, "PageString.slice out of range")
        guard count > 0, let ptr = value.ptr else { return .empty }
        return PageString(xaas_str(ptr: ptr + offset, len: count))
    }
}
