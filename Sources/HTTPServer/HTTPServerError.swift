#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Why an ``HTTPServer`` could not start.
public enum HTTPServerError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The configured host is not an IP literal the server can bind.
    case invalidHost(String)
    /// The configured port is outside 0...65535.
    case invalidPort(Int)
    /// A system call failed; `address` is what the server was binding, `code` the errno.
    case system(operation: String, address: String, code: Int32)
    /// ``HTTPServer/start()`` was called on a server that was already started (a server starts once).
    case alreadyStarted

    public var description: String {
        switch self {
        case .invalidHost(let host):
            return "HTTP server: host '\(host)' is not an IPv4 or IPv6 literal (e.g. 127.0.0.1, ::1, 0.0.0.0, ::)"
        case .invalidPort(let port):
            return "HTTP server: port \(port) is outside 0...65535 (0 picks a free port)"
        case .system(let operation, let address, let code):
            return "HTTP server: \(operation) \(address) failed: \(String(cString: strerror(code))) (errno \(code))"
        case .alreadyStarted:
            return "HTTP server: start() called twice; create a new HTTPServer to serve again"
        }
    }
}
