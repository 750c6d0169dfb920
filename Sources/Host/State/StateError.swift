/// A state database that cannot be used as it is (e.g. written by another xaas version), with what to
/// do about it. SQLite failures themselves are ``SQLiteError``s.
public struct StateError: Error, CustomStringConvertible, Sendable {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
