import Foundation

/// Why ``BlockingHTTPClient/send(_:isCancelled:)`` got no usable HTTP response. Descriptions never
/// contain request headers, bodies or URLs' paths and queries (where credentials may sit).
public enum HTTPClientError: Error, Sendable, Equatable, CustomStringConvertible {
    /// ``BlockingHTTPClient/cancel()`` or the host's cancellation stopped the request.
    case cancelled
    case timedOut
    /// No HTTP response (refused connection, DNS, TLS, lost connection), described for a user.
    case network(String)
    /// The server answered with a redirect the client did not follow (see ``RefusedRedirect``).
    case redirectRefused(RefusedRedirect)

    public var description: String {
        switch self {
        case .cancelled: return "cancelled"
        case .timedOut: return "the request timed out"
        case .network(let reason): return reason
        case .redirectRefused(let redirect): return redirect.description
        }
    }

    /// Whether retrying the same request may succeed (timeouts and network failures).
    public var isRetryable: Bool {
        switch self {
        case .timedOut, .network: return true
        case .cancelled, .redirectRefused: return false
        }
    }

    /// The error for a `URLSession` failure.
    static func from(_ error: any Error) -> HTTPClientError {
        let number = (error as NSError).code
        switch URLError.Code(rawValue: number) {
        case .cancelled: return .cancelled
        case .timedOut: return .timedOut
        case .cannotConnectToHost: return .network("cannot connect (connection refused?)")
        case .cannotFindHost, .dnsLookupFailed: return .network("cannot resolve the host name")
        case .networkConnectionLost: return .network("the connection was lost")
        case .secureConnectionFailed, .serverCertificateUntrusted, .serverCertificateHasBadDate:
            return .network("TLS failed (\((error as NSError).localizedDescription))")
        default:
            return .network("network error \(number) (\((error as NSError).localizedDescription))")
        }
    }
}

/// A redirect the client refused: the status and the origin of its `Location` (scheme, host and port
/// only: a Location's path or query may carry tokens).
public struct RefusedRedirect: Sendable, Equatable, CustomStringConvertible {
    public var status: Int
    /// `scheme://host:port` of the Location, or `nil` when the reply named none.
    public var locationOrigin: String?
    /// Whether the Location is on another origin than the request (never followed).
    public var crossOrigin: Bool

    public init(status: Int, locationOrigin: String?, crossOrigin: Bool) {
        self.status = status
        self.locationOrigin = locationOrigin
        self.crossOrigin = crossOrigin
    }

    public var description: String {
        let target = locationOrigin.map { "redirect to \($0)" } ?? "redirect without a Location"
        let reason = crossOrigin
            ? "a redirect to another origin is never followed"
            : "a request that carries credentials is never redirected"
        return "HTTP \(status) \(target) not followed (\(reason))"
    }
}
