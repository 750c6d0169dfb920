/// A rate-limit budget file or its directory that cannot be used, naming the path and the reason.
public struct RateLimitError: Error, CustomStringConvertible, Sendable {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
