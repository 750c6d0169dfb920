import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import PluginKit

/// Sends a request with retries: throttling, 5xx, network errors and `x-amz-crc32` mismatches are retried with exponential
/// backoff (50 ms doubling, capped at 5 s; a `Retry-After` header, either form, capped at 30 s, wins), up to
/// `maxAttempts` attempts; then `RATE_LIMITED` or `TRANSIENT` is reported to the host. Other failures are
/// reported at once with the status that fits (`AUTH`, `PERMISSION`, `NOT_FOUND`, `CONFIG`); a refused
/// redirect (PluginKit's client never forwards the credentials) is `CONFIG`.
///
/// ## Threading
/// Used by one thread at a time (the instance's `[instance-serial]` calls); cancellation through the
/// client is thread-safe.
struct RetryingTransport {
    let client: BlockingHTTPClient
    let maxAttempts: Int
    let host: HostServices
    /// The backoff steps (the number of attempts is `maxAttempts`, so `maxRetries` is not used here).
    static let policy = RetryPolicy(maxRetries: 0, maxDelaySeconds: 5, baseDelaySeconds: 0.05, jitter: false)
    static let maxRetryAfterSeconds = 30

    /// Sends the request `build()` returns (rebuilt per attempt, so a signature gets a fresh date) and
    /// returns the first 2xx reply. `context` names the operation in messages (never secrets).
    func send(context: String, _ build: () throws -> URLRequest) throws -> HTTPReply {
        var attempt = 0
        while true {
            attempt += 1
            let request = try build()
            var delay = Self.backoff(attempt: attempt, retryAfterSeconds: nil)
            var finalError: ConnectorError
            do {
                let reply = try client.send(request) { host.isCancelled }
                if (200..<300).contains(reply.status) {
                    // A body that does not match its x-amz-crc32 was damaged in transit: retry (as botocore does).
                    guard let crc = reply.headers["x-amz-crc32"], UInt32(crc.trimmingWhitespace) != CRC32.checksum(reply.body)
                    else { return reply }
                    finalError = .transient("\(context): the response does not match its x-amz-crc32 checksum",
                                            retryAfterMilliseconds: UInt32(delay))
                } else {
                    let failure = ServiceFailure(reply)
                    delay = Self.backoff(attempt: attempt, retryAfterSeconds: failure.retryAfterSeconds)
                    finalError = failure.connectorError(context: context, retryAfterMilliseconds: UInt32(delay))
                    guard failure.isRetryable else { throw finalError }
                }
            } catch let error as HTTPClientError {
                switch error {
                case .cancelled: throw ConnectorError.cancelled()
                case .redirectRefused(let redirect): throw ConnectorError.config("\(context): \(redirect); point settings.endpoint at the final address")
                case .timedOut, .network:
                    finalError = .transient("\(context): \(error)", retryAfterMilliseconds: UInt32(delay))
                }
            }
            guard attempt < maxAttempts else { throw finalError }
            host.log(.warning, "\(finalError.message); retry \(attempt) of \(maxAttempts - 1) in \(delay) ms")
            do { try client.sleep(Double(delay) / 1000) { host.isCancelled } } catch { throw ConnectorError.cancelled() }
        }
    }

    /// The wait in milliseconds before retry number `attempt` (1-based): `Retry-After` (capped) when
    /// given, else 50 ms · 2^(attempt-1), capped at 5 s.
    static func backoff(attempt: Int, retryAfterSeconds: Double?) -> Int {
        if let seconds = retryAfterSeconds, seconds >= 0 { return Int(min(seconds, Double(maxRetryAfterSeconds)) * 1000) }
        return Int((policy.backoff(attempt: attempt - 1) * 1000).rounded())
    }
}
