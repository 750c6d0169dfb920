/// One identity record read from a connector, copied out of the plugin's page into Swift memory.
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
    public var externalId: String
    public var status: Status
    /// Attributes in the order the connector gave them; a repeated name is a multi-valued attribute.
    public var attributes: [SourceAttribute]

    public init(kind: Kind = .user, externalId: String, status: Status = .active, attributes: [SourceAttribute] = []) {
        self.kind = kind
        self.externalId = externalId
        self.status = status
        self.attributes = attributes
    }

    /// Every value of the attribute `name` (exact, case-sensitive name), in order.
    public func values(_ name: String) -> [String] {
        attributes.compactMap { $0.name == name ? $0.value : nil }
    }

    /// The first value of the attribute `name`, or `nil` when absent.
    public func firstValue(_ name: String) -> String? {
        attributes.first { $0.name == name }?.value
    }

    /// The first non-empty value of the attribute `name`, or `nil` (what `${name}` inserts).
    @inline(__always)
    public func firstNonEmptyValue(_ name: String) -> String? {
        for attribute in attributes where attribute.name == name && !attribute.value.isEmpty { return attribute.value }
        return nil
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
