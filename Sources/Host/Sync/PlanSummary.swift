/// What planning one source found: counts per action, problems, and how the read ended.
public struct PlanSummary: Sendable {
    public var recordsRead = 0
    public var creates = 0
    public var updates = 0
    public var unchanged = 0
    public var deactivations = 0
    /// Deactivations by reason ("inactive in source", "absent from a complete read", "filtered out", …).
    public var deactivationsByReason: [String: Int] = [:]
    /// Users held by their start date (not sent, not absent): the lifecycle's `pending`.
    public var pending = 0
    /// Records the filter rejected that were never applied (nothing to do).
    public var outOfScope = 0
    /// Inactive or deleted records that were never applied (nothing to deactivate).
    public var inactiveNotApplied = 0
    /// Earlier occurrences in an incremental read that a later one replaced.
    public var superseded = 0
    /// Records refused by validation (missing externalId, userName or email; duplicates; too long).
    public var invalid = 0
    /// The first few validation problems, each naming the record.
    public var invalidSamples: [String] = []
    /// Rows the connector skipped as bad (onBadRow: skip).
    public var skippedByConnector = 0
    /// Group and membership records passed over because group sync is turned off for the source.
    public var ignoredNonUsers = 0
    /// The first few notes connectors attached to pages.
    public var notes: [String] = []
    /// The read reached its end without an error.
    public var complete = false
    /// The read was incremental (changes only): absence meant nothing.
    public var incremental = false
    /// Why the read stopped early, if it did.
    public var readError: String?
    /// The newest checkpoint the connector gave (persisted only after the run applied everything).
    public var checkpoint: String?
    /// Groups and memberships (when group sync is on).
    public var groups = GroupPlanSummary()
    /// The highest plan sequence number used.
    public var lastSeq: Int64 = 0
    /// Planned updates that remove at least one attribute set in the applied profile.
    public var clearingUpdates = 0
    /// How many planned updates clear each profile attribute.
    public var clearedAttributes: [String: Int] = [:]
    /// Which mapped source attributes the records of this read had.
    public var presence = AttributePresence(watching: [])

    public init() {}

    static let sampleLimit = 20

    mutating func addInvalid(_ message: String) {
        invalid += 1
        if invalidSamples.count < Self.sampleLimit { invalidSamples.append(message) }
    }

    mutating func addNotes(_ more: [String]) {
        for note in more where notes.count < Self.sampleLimit { notes.append(note) }
    }

    mutating func addDeactivation(_ reason: String) {
        deactivations += 1
        deactivationsByReason[reason, default: 0] += 1
    }
}
