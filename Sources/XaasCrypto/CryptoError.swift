import COpenSSL

/// A key that cannot be parsed or used, or a failure inside libcrypto. The message names what is wrong
/// with the key (never its bytes) and, for libcrypto failures, OpenSSL's reason.
public struct CryptoError: Error, CustomStringConvertible, Sendable, Equatable {
    public let message: String

    public init(_ message: String) { self.message = message }

    public var description: String { message }

    /// `message` plus the first queued OpenSSL reason (the queue is then cleared, so it cannot leak into
    /// a later call on this thread).
    static func openSSL(_ message: String) -> CryptoError {
        let code = ERR_peek_last_error()
        var reason = ""
        if code != 0, let text = ERR_reason_error_string(code) { reason = String(cString: text) }
        ERR_clear_error()
        return CryptoError(reason.isEmpty ? message : "\(message) (\(reason))")
    }
}
