/// A `xaas bench` failure: its configuration, data file or a sync run it drives.
public struct BenchError: Error, CustomStringConvertible, Sendable {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
