import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Glibc
import PluginKit

/// Sends a request with retries: throttling, 5xx, network errors and `x-amz-crc32` mismatches are retried with exponential
/// backoff (50 ms doubling, capped at 5 s; a `Retry-After` header, capped at 30 s, wins), up to
/// `maxAttempts` attempts; then `RATE_LIMITED` or `TRANSIENT` is reported to the host. Other failures are
/// reported at once with the status that fits (`AUTH`, `PERMISSION`, `NOT_FOUND`, `CONFIG`).
///
/// ## Threading
/// Used by one thread at a time (the instance's `[instance-serial]` calls); cancellation through the
/// client is thread-safe.
struct RetryingTransport {
    let client: BlockingHTTPClient
    let maxAttempts: Int
    let host: HostServices
    static let baseDelayMilliseconds = 50
    static let maxDelayMilliseconds = 5_000

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
            } catch let error as URLError {
                finalError = .transient("\(context): \(Self.describe(error))", retryAfterMilliseconds: UInt32(delay))
            }
            guard attempt < maxAttempts else { throw finalError }
            host.log(.warning, "\(finalError.message); retry \(attempt) of \(maxAttempts - 1) in \(delay) ms")
            try sleep(milliseconds: delay)
        }
    }

    /// The wait before retry number `attempt` (1-based): `Retry-After` when given, else 50 ms · 2^(attempt-1), capped.
    static func backoff(attempt: Int, retryAfterSeconds: Int?) -> Int {
        if let seconds = retryAfterSeconds, seconds >= 0 { return min(seconds, 30) * 1000 }
        let exponent = min(attempt - 1, 16)
        return min(maxDelayMilliseconds, baseDelayMilliseconds << exponent)
    }

    /// Sleeps in 50 ms steps, stopping early with `CANCELLED`.
    private func sleep(milliseconds: Int) throws {
        var left = milliseconds
        while left > 0 {
            if client.isCancelled || host.isCancelled { throw ConnectorError.cancelled() }
            let step = min(left, 50)
            usleep(UInt32(step) * 1000)
            left -= step
        }
    }

    static func describe(_ error: URLError) -> String {
        switch error.code {
        case .timedOut: return "the request timed out"
        case .cannotConnectToHost: return "cannot connect (connection refused?)"
        case .cannotFindHost, .dnsLookupFailed: return "cannot resolve the host name"
        case .networkConnectionLost: return "the connection was lost"
        case .secureConnectionFailed, .serverCertificateUntrusted, .serverCertificateHasBadDate:
            return "TLS failed (\(error.localizedDescription))"
        default: return "network error \(error.code.rawValue) (\(error.localizedDescription))"
        }
    }
}
