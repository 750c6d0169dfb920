/// The filter stage of the record path: which records are in scope. Built from a source's `filter`
/// expression (``FilterExpression``, or the `groups.filter` one for groups), or from a predicate
/// (programmatic rules, tests); ``all`` admits every record. Out-of-scope records are not mapped; the
/// planners deactivate (users) or delete (groups) those that were applied before.
public struct RecordFilter {
    private let test: (SourceRecord) -> Bool

    /// The filter of a source's `filter` expression.
    public init(_ expression: FilterExpression) {
        test = { expression.matches($0) }
    }

    /// A filter given as a predicate.
    public init(_ predicate: @escaping (SourceRecord) -> Bool) {
        test = predicate
    }

    /// The filter that admits every record (no `filter` configured).
    public static var all: RecordFilter { RecordFilter { _ in true } }

    /// The filter of an optional expression: ``all`` when there is none.
    public init(_ expression: FilterExpression?) {
        if let expression { self.init(expression) } else { self = .all }
    }

    /// The stage's one entry point: whether `record` is in scope.
    public func admits(_ record: SourceRecord) -> Bool { test(record) }
}
