import PluginAPI

/// A failure to load, open or call a connector plugin.
///
/// Host-side failures (a file that is not a plugin, an ABI mismatch) use ``Code/load`` and
/// ``Code/abi``; every other code mirrors the `XAAS_*` status the plugin returned, which drives the
/// sync engine's retry policy. Messages never contain settings values (secrets stay out of errors).
public struct PluginError: Error, CustomStringConvertible, Sendable {
    /// What kind of failure this is.
    public enum Code: Sendable, Equatable {
        /// The file could not be loaded (missing, not a shared object, unsafe permissions, no entry symbol).
        case load
        /// The plugin does not speak this host's ABI (major version, struct sizes, operations, runtime).
        case abi
        case config, auth, permission, notFound, transient, rateLimited, sourceData, cancelled
        case internalError, unsupported, invalidArgument
    }

    public var code: Code
    public var message: String
    /// For `.transient` / `.rateLimited`: how long the plugin asked the host to wait (0 = host decides).
    public var retryAfterMilliseconds: UInt32

    public init(_ code: Code, _ message: String, retryAfterMilliseconds: UInt32 = 0) {
        self.code = code
        self.message = message
        self.retryAfterMilliseconds = retryAfterMilliseconds
    }

    /// `"<code> error: <message>"`, e.g. `config error: settings.path is required`.
    public var description: String { "\(code.label): \(message)" }

    /// Whether the sync engine may retry the same call (transient / rate-limited).
    public var isRetryable: Bool { code == .transient || code == .rateLimited }
}

extension PluginError.Code {
    /// A short human label used in messages.
    public var label: String {
        switch self {
        case .load: return "load error"
        case .abi: return "ABI mismatch"
        case .config: return "config error"
        case .auth: return "authentication error"
        case .permission: return "permission error"
        case .notFound: return "not found"
        case .transient: return "transient error"
        case .rateLimited: return "rate limited"
        case .sourceData: return "source data error"
        case .cancelled: return "cancelled"
        case .internalError: return "internal plugin error"
        case .unsupported: return "unsupported"
        case .invalidArgument: return "invalid argument"
        }
    }

    /// The code for an `XAAS_*` status other than `XAAS_OK` (unknown statuses are plugin bugs).
    init(status: xaas_status) {
        switch status {
        case XAAS_INVALID_ARGUMENT: self = .invalidArgument
        case XAAS_CONFIG: self = .config
        case XAAS_AUTH: self = .auth
        case XAAS_PERMISSION: self = .permission
        case XAAS_NOT_FOUND: self = .notFound
        case XAAS_TRANSIENT: self = .transient
        case XAAS_RATE_LIMITED: self = .rateLimited
        case XAAS_SOURCE_DATA: self = .sourceData
        case XAAS_CANCELLED: self = .cancelled
        case XAAS_UNSUPPORTED: self = .unsupported
        default: self = .internalError
        }
    }
}
