/// One identity record read from a connector: its kind, status, externalId and attributes, whose bytes
/// live in a ``RecordStorage`` shared with the other records of its page (decoded once, checked UTF-8).
///
/// The stages of the record path read values as byte ranges (``withExternalId(_:)``,
/// ``AttributeTable``); the `String` properties (``externalId``, ``attributes``, ``values(_:)``) make
/// their strings when called — for messages, tests, and records built in Swift.
public struct SourceRecord: Sendable, Equatable {
    /// `XAAS_KIND_*`.
    public enum Kind: String, Sendable {
        case user, group, membership
    }

    /// `XAAS_STATUS_*`.
    public enum Status: String, Sendable {
        case active, inactive, deleted
    }

    public var kind: Kind
    public var status: Status
    private(set) var storage: RecordStorage
    private var idStart: UInt32
    private var idLength: UInt32
    private(set) var firstSlot: Int
    private(set) var slotCount: Int

    /// A record built in Swift (tests, in-process sources): its own one-record storage.
    public init(kind: Kind = .user, externalId: String, status: Status = .active, attributes: [SourceAttribute] = []) {
        self.kind = kind
        self.status = status
        var builder = RecordStorage.Builder(byteCapacity: externalId.utf8.count + attributes.reduce(0) { $0 + $1.value.utf8.count },
                                            slotCapacity: attributes.count)
        idStart = builder.append(externalId) ?? 0
        idLength = UInt32(externalId.utf8.count)
        for attribute in attributes {
            let name = builder.number(of: attribute.name)
            builder.addSlot(name: name, start: builder.append(attribute.value) ?? 0, length: attribute.value.utf8.count)
        }
        firstSlot = 0
        slotCount = attributes.count
        storage = builder.finish()
    }

    /// A record of a decoded page: its externalId at `id` and its attributes at `slots` in `storage`.
    init(kind: Kind, status: Status, storage: RecordStorage, id: (start: UInt32, length: UInt32), slots: Range<Int>) {
        self.kind = kind
        self.status = status
        self.storage = storage
        idStart = id.start
        idLength = id.length
        firstSlot = slots.lowerBound
        slotCount = slots.count
    }

    /// The externalId (made as a `String`; the record path uses ``withExternalId(_:)``).
    public var externalId: String {
        get { storage.string(idStart, idLength) }
        set { self = SourceRecord(kind: kind, externalId: newValue, status: status, attributes: attributes) }
    }

    /// Calls `body` with the externalId's UTF-8 bytes (valid only during the call).
    @inline(__always)
    public func withExternalId<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try withExtendedLifetime(storage) { try body(storage.buffer(idStart, idLength)) }
    }

    /// Attributes in the order the connector gave them; a repeated name is a multi-valued attribute.
    public var attributes: [SourceAttribute] {
        get {
            (firstSlot ..< firstSlot + slotCount).map { i in
                let slot = storage.slots[i]
                return SourceAttribute(storage.names[Int(slot.name)], storage.string(slot.start, slot.length))
            }
        }
        set { self = SourceRecord(kind: kind, externalId: externalId, status: status, attributes: newValue) }
    }

    /// The number of attributes (values) of the record.
    public var attributeCount: Int { slotCount }

    /// Calls `body` with each attribute's name and value bytes, in order, until it returns `false`.
    public func forEachAttribute(_ body: (_ name: String, _ value: UnsafeRawBufferPointer) throws -> Bool) rethrows {
        try withExtendedLifetime(storage) {
            for i in firstSlot ..< firstSlot + slotCount {
                let slot = storage.slots[i]
                if try !body(storage.names[Int(slot.name)], storage.buffer(slot.start, slot.length)) { return }
            }
        }
    }

    /// Calls `body` with the bytes of each value of the attribute `name` (exact, case-sensitive), in order,
    /// until it returns `false`.
    public func forEachValue(of name: String, _ body: (UnsafeRawBufferPointer) throws -> Bool) rethrows {
        guard let number = storage.number(of: name) else { return }
        try withExtendedLifetime(storage) {
            for i in firstSlot ..< firstSlot + slotCount where storage.slots[i].name == number {
                let slot = storage.slots[i]
                if try !body(storage.buffer(slot.start, slot.length)) { return }
            }
        }
    }

    /// Every value of the attribute `name` (exact, case-sensitive name), in order.
    public func values(_ name: String) -> [String] {
        var out: [String] = []
        forEachValue(of: name) { out.append(Self.string($0)); return true }
        return out
    }

    /// The first value of the attribute `name`, or `nil` when absent.
    public func firstValue(_ name: String) -> String? {
        var out: String?
        forEachValue(of: name) { out = Self.string($0); return false }
        return out
    }

    /// The first non-empty value of the attribute `name`, or `nil` (what `${name}` inserts).
    public func firstNonEmptyValue(_ name: String) -> String? {
        var out: String?
        forEachValue(of: name) { value in
            guard value.count > 0 else { return true }
            out = Self.string(value)
            return false
        }
        return out
    }

    public static func == (a: SourceRecord, b: SourceRecord) -> Bool {
        a.kind == b.kind && a.status == b.status && a.externalId == b.externalId && a.attributes == b.attributes
    }

    /// The `String` of checked UTF-8 bytes.
    @inline(__always)
    static func string(_ bytes: UnsafeRawBufferPointer) -> String {
        String(decoding: bytes.bindMemory(to: UInt8.self), as: UTF8.self)
    }
}

/// One attribute value of a ``SourceRecord``.
public struct SourceAttribute: Sendable, Equatable {
    public var name: String
    public var value: String

    public init(_ name: String, _ value: String) {
        self.name = name
        self.value = value
    }
}

/// One page of a read, as the host sees it.
public struct SourcePage: Sendable {
    public var records: [SourceRecord]
    /// The cursor for the next page, or `nil` at the end of the read.
    public var nextCursor: String?
    /// A resume point to persist once this page has been applied.
    public var checkpoint: String?
    /// This read yields changes only (absence means unchanged).
    public var incremental: Bool
    public var skippedCount: Int
    public var notes: [String]

    public init(records: [SourceRecord], nextCursor: String?, checkpoint: String? = nil, incremental: Bool = false,
                skippedCount: Int = 0, notes: [String] = []) {
        self.records = records
        self.nextCursor = nextCursor
        self.checkpoint = checkpoint
        self.incremental = incremental
        self.skippedCount = skippedCount
        self.notes = notes
    }
}
