/// A failure of the sync engine itself (import sessions, the source lock, request limits), with a
/// message a user can act on. Other areas have their own: ``StateError`` (state database),
/// ``RateLimitError`` (rate-limit budget files), ``BenchError`` (`xaas bench`), ``PluginError``,
/// ``OktaError``, ``ConfigProblem``.
public struct SyncError: Error, CustomStringConvertible, Sendable {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
