public import PluginAPI

/// An error a connector reports to the host, with the status that drives the host's retry policy.
///
/// Messages must name what a user can fix (file, line, record, field) and must never contain secrets.
public struct ConnectorError: Error, CustomStringConvertible, Sendable {
    /// The `XAAS_*` status code.
    public var status: xaas_status
    public var message: String
    /// For `.transient` / `.rateLimited`: milliseconds to wait before retrying (0 = host decides).
    public var retryAfterMilliseconds: UInt32

    public init(status: xaas_status, _ message: String, retryAfterMilliseconds: UInt32 = 0) {
        self.status = status
        self.message = message
        self.retryAfterMilliseconds = retryAfterMilliseconds
    }

    public var description: String { message }

    public static func config(_ message: String) -> ConnectorError { .init(status: XAAS_CONFIG, message) }
    public static func auth(_ message: String) -> ConnectorError { .init(status: XAAS_AUTH, message) }
    public static func permission(_ message: String) -> ConnectorError { .init(status: XAAS_PERMISSION, message) }
    public static func notFound(_ message: String) -> ConnectorError { .init(status: XAAS_NOT_FOUND, message) }
    public static func sourceData(_ message: String) -> ConnectorError { .init(status: XAAS_SOURCE_DATA, message) }
    public static func cancelled(_ message: String = "cancelled") -> ConnectorError {
        .init(status: XAAS_CANCELLED, message)
    }
    public static func internalError(_ message: String) -> ConnectorError { .init(status: XAAS_INTERNAL, message) }
    public static func transient(_ message: String, retryAfterMilliseconds: UInt32 = 0) -> ConnectorError {
        .init(status: XAAS_TRANSIENT, message, retryAfterMilliseconds: retryAfterMilliseconds)
    }
    public static func rateLimited(_ message: String, retryAfterMilliseconds: UInt32 = 0) -> ConnectorError {
        .init(status: XAAS_RATE_LIMITED, message, retryAfterMilliseconds: retryAfterMilliseconds)
    }
}
