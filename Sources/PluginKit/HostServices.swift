public import PluginAPI

/// The host's services as a Swift connector sees them (`xaas_host_services`).
///
/// ## Threading
/// Every method is thread-safe. Valid from `init` until the instance is closed.
public struct HostServices: @unchecked Sendable {
    /// Log levels (`XAAS_LOG_*`).
    public enum LogLevel: Int32, Sendable {
        case debug = 0, info = 1, warning = 2, error = 3
    }

    private typealias LogFunction = @convention(c) (UnsafeMutableRawPointer?, Int32, UnsafePointer<CChar>?) -> Void
    private typealias CancelledFunction = @convention(c) (UnsafeMutableRawPointer?) -> Int32

    private let context: UnsafeMutableRawPointer?
    private let logFunction: LogFunction?
    private let cancelledFunction: CancelledFunction?

    /// Reads the services the host's table holds (by prefix: a shorter table lacks the later ones).
    public init(_ services: UnsafePointer<xaas_host_services>?) {
        context = services.flatMap { HostStruct.read($0, \.context) ?? nil }
        logFunction = services.flatMap { HostStruct.read($0, \.log) ?? nil }
        cancelledFunction = services.flatMap { HostStruct.read($0, \.is_cancelled) ?? nil }
    }

    /// A service table that logs nowhere and is never cancelled (for unit tests of connectors).
    public static let none = HostServices(nil)

    /// Logs one message through the host (when its services table has `log`). Never pass secrets.
    public func log(_ level: LogLevel, _ message: String) {
        guard let logFunction else { return }
        message.withCString { logFunction(context, level.rawValue, $0) }
    }

    /// Whether the host wants the current operation to stop.
    public var isCancelled: Bool {
        guard let cancelledFunction else { return false }
        return cancelledFunction(context) != 0
    }
}
