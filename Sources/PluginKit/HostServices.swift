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

    private let services: UnsafePointer<xaas_host_services>?

    public init(_ services: UnsafePointer<xaas_host_services>?) {
        self.services = services
    }

    /// A service table that logs nowhere and is never cancelled (for unit tests of connectors).
    public static let none = HostServices(nil)

    /// Logs one message through the host. Never pass secrets.
    public func log(_ level: LogLevel, _ message: String) {
        guard let services, let log = services.pointee.log else { return }
        message.withCString { log(services.pointee.context, level.rawValue, $0) }
    }

    /// Whether the host wants the current operation to stop.
    public var isCancelled: Bool {
        guard let services, let fn = services.pointee.is_cancelled else { return false }
        return fn(services.pointee.context) != 0
    }
}
