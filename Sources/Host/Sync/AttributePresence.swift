/// Which of the source attributes a mapping reads appear in at least one record of a read.
///
/// A mapped attribute that no record has is almost always a typo (`${titel}`) or a renamed column: every
/// user would lose that profile attribute (or fail validation). The planner and `config check --connect`
/// report such attributes. Stops looking once every attribute has been seen, so a healthy read costs a
/// few comparisons per record until then and nothing after.
public struct AttributePresence: Sendable {
    /// The source attribute names the mapping reads, in mapping order.
    public let watched: [String]
    private var unseen: Set<String>
    /// User records observed.
    public private(set) var records = 0

    public init(watching names: [String]) {
        watched = names
        unseen = Set(names)
    }

    /// Notes which watched attributes `record` has (a non-empty value).
    public mutating func observe(_ record: SourceRecord) {
        records += 1
        guard !unseen.isEmpty else { return }
        record.forEachAttribute { name, value in
            if !value.isEmpty { unseen.remove(name) }
            return !unseen.isEmpty
        }
    }

    /// The watched attributes no observed record had, in mapping order (empty when nothing was observed).
    public var missing: [String] { records == 0 ? [] : watched.filter(unseen.contains) }

    /// One warning per missing attribute.
    public var warnings: [String] {
        missing.map { "mapped attribute \"\($0)\" is in none of the \(records) records read (a typo in the mapping, or a renamed column?)" }
    }
}
