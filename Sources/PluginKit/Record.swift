/// One identity record as a Swift connector builds it; PluginKit lays it out as `xaas_record`.
public struct Record: Sendable, Equatable {
    /// `XAAS_KIND_*`.
    public enum Kind: UInt32, Sendable {
        case user = 0
        case group = 1
        /// `externalId` is the group's; each `member` attribute is one member's externalId.
        case membership = 2
    }

    /// `XAAS_STATUS_*`.
    public enum Status: UInt32, Sendable {
        case active = 0
        case inactive = 1
        case deleted = 2
    }

    /// One name/value pair; repeat the name for a multi-valued attribute.
    public struct Attribute: Sendable, Equatable {
        public var name: String
        public var value: String
        public init(_ name: String, _ value: String) {
            self.name = name
            self.value = value
        }
    }

    public var kind: Kind
    public var externalId: String
    public var status: Status
    public var attributes: [Attribute]

    public init(kind: Kind = .user, externalId: String, status: Status = .active, attributes: [Attribute] = []) {
        self.kind = kind
        self.externalId = externalId
        self.status = status
        self.attributes = attributes
    }
}

/// One page of records; see `xaas_page`. Either Swift ``records`` or, faster, records laid out
/// directly in C memory by a ``PageBuilder`` (then the builder's records come first, then `records`).
public struct Page: Sendable {
    public var records: [Record]
    /// Records already laid out in C memory.
    public var builder: PageBuilder?
    /// Cursor for the next call, or `nil` when this is the last page.
    public var nextCursor: String?
    /// An opaque resume point the host persists after applying this page.
    public var checkpoint: String?
    /// Set on every page of an incremental (changes-only) read.
    public var incremental: Bool
    /// Rows skipped as bad in this page.
    public var skippedCount: Int
    /// Human-readable notes (one per skipped row, unresolved reference, …).
    public var notes: [String]

    public init(
        records: [Record], nextCursor: String?, checkpoint: String? = nil, incremental: Bool = false,
        skippedCount: Int = 0, notes: [String] = []
    ) {
        self.records = records
        self.nextCursor = nextCursor
        self.checkpoint = checkpoint
        self.incremental = incremental
        self.skippedCount = skippedCount
        self.notes = notes
    }

    /// A page of the records laid out in `builder`.
    public init(
        builder: PageBuilder, nextCursor: String?, checkpoint: String? = nil, incremental: Bool = false,
        skippedCount: Int = 0, notes: [String] = []
    ) {
        self.init(records: [], nextCursor: nextCursor, checkpoint: checkpoint, incremental: incremental,
                  skippedCount: skippedCount, notes: notes)
        self.builder = builder
    }
}
