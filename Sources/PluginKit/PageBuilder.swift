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

    private var records: UnsafeMutablePointer<xaas_record>
    private var recordCapacity: Int
    /// Index into `attributes` of each record's first attribute (pointers are fixed up in ``finish()``).
    private var firstAttribute: UnsafeMutablePointer<Int>
    public private(set) var recordCount = 0
    private var attributes: UnsafeMutablePointer<xaas_attribute>
    private var attributeCapacity: Int
    private var attributeCount = 0
    /// Index of the first attribute of the record being built.
    private var recordStart = 0
    private var blocks: [UnsafeMutableRawPointer] = []
    private var block: UnsafeMutableRawPointer?
    private var blockUsed = 0
    private var blockCapacity = 0
    private var finished = false

    /// A builder sized for about `expectedRecords` records of `attributesPerRecord` attributes.
    public init(expectedRecords: Int = 64, attributesPerRecord: Int = 8) {
        recordCapacity = max(1, expectedRecords)
        attributeCapacity = max(1, expectedRecords * attributesPerRecord)
        records = .allocate(capacity: recordCapacity)
        firstAttribute = .allocate(capacity: recordCapacity)
        attributes = .allocate(capacity: attributeCapacity)
    }

    deinit {
        records.deallocate()
        firstAttribute.deallocate()
        attributes.deallocate()
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
        if attributeCount == attributeCapacity { growAttributes() }
        (attributes + attributeCount).initialize(to: xaas_attribute(name: name.value, value: value.value))
        attributeCount += 1
    }

    /// Adds an attribute whose value is copied from `value`.
    public func appendAttribute(name: PageString, value: UnsafeRawBufferPointer) {
        appendAttribute(name: name, value: string(value))
    }

    /// Drops the attributes added since the last ``endRecord(kind:externalId:status:)`` (a bad row).
    public func discardRecord() {
        attributeCount = recordStart
    }

    /// Closes the record being built: its attributes are those added since the previous record.
    public func endRecord(kind: Record.Kind, externalId: PageString, status: Record.Status) {
        if recordCount == recordCapacity { growRecords() }
        (records + recordCount).initialize(to: xaas_record(
            struct_size: MemoryLayout<xaas_record>.size, kind: kind.rawValue, status: status.rawValue,
            external_id: externalId.value, attributes: nil, attribute_count: attributeCount - recordStart))
        firstAttribute[recordCount] = recordStart
        recordCount += 1
        recordStart = attributeCount
    }

    /// Appends a Swift ``Record`` (copying its strings).
    public func append(_ record: Record) {
        for a in record.attributes { appendAttribute(name: string(a.name), value: string(a.value)) }
        endRecord(kind: record.kind, externalId: string(record.externalId), status: record.status)
    }

    /// Points every record at its attributes; returns the records (valid while the builder lives).
    func finish() -> UnsafePointer<xaas_record>? {
        if !finished {
            finished = true
            for i in 0 ..< recordCount where records[i].attribute_count > 0 {
                records[i].attributes = UnsafePointer(attributes + firstAttribute[i])
            }
        }
        return recordCount == 0 ? nil : UnsafePointer(records)
    }

    private func growRecords() {
        records = Self.moved(records, count: recordCount, to: recordCapacity * 2)
        firstAttribute = Self.moved(firstAttribute, count: recordCount, to: recordCapacity * 2)
        recordCapacity *= 2
    }

    private func growAttributes() {
        attributes = Self.moved(attributes, count: attributeCount, to: attributeCapacity * 2)
        attributeCapacity *= 2
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
