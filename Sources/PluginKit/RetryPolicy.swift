public import Foundation

/// How long a connector waits before retrying a throttled or failed request: `Retry-After` when the
/// server sent one (delta-seconds or an HTTP-date, RFC 9110 §10.2.3), else exponential backoff
/// (base·2^attempt, capped, optionally scaled by a random factor in 0.5…1).
///
/// Which statuses are retried is the connector's decision (each service signals throttling its own
/// way); this type only says how long to wait. Pure value type; thread-safe.
public struct RetryPolicy: Sendable {
    /// Retries inside one call before the status is surfaced to the host.
    public var maxRetries: Int
    /// The longest backoff step (and, for connectors that surface longer waits, the longest wait done
    /// inside one call).
    public var maxDelaySeconds: Double
    /// The first backoff step without `Retry-After`.
    public var baseDelaySeconds: Double
    /// Scale each step by a random factor in 0.5…1, so clients that failed together do not retry together.
    public var jitter: Bool

    public init(maxRetries: Int, maxDelaySeconds: Double, baseDelaySeconds: Double = 1, jitter: Bool = true) {
        self.maxRetries = maxRetries
        self.maxDelaySeconds = maxDelaySeconds
        self.baseDelaySeconds = baseDelaySeconds
        self.jitter = jitter
    }

    /// The wait before retry number `attempt` (0-based) without a server hint: base·2^attempt, capped,
    /// then jittered when ``jitter`` is on.
    public func backoff(attempt: Int) -> Double {
        let raw = min(maxDelaySeconds, baseDelaySeconds * pow(2, Double(min(max(attempt, 0), 16))))
        return jitter ? raw * Double.random(in: 0.5...1) : raw
    }

    /// The longest wait a `Retry-After` may ask for (a day); longer values are capped.
    public static let maxRetryAfterSeconds: Double = 86_400

    /// Seconds from now given by a `Retry-After` value, or `nil` when absent or unparsable.
    /// A date in the past is 0; anything beyond ``maxRetryAfterSeconds`` is capped.
    public static func retryAfterSeconds(_ value: String?, now: Date = Date()) -> Double? {
        guard let text = value?.trimmingCharacters(in: .whitespaces), !text.isEmpty else { return nil }
        if text.allSatisfy({ $0.isASCII && $0.isNumber }), let seconds = Double(text) {
            return min(seconds, maxRetryAfterSeconds)
        }
        guard let date = httpDate(text) else { return nil }
        return min(max(0, date.timeIntervalSince(now)), maxRetryAfterSeconds)
    }

    /// Parses the three HTTP-date forms: IMF-fixdate, RFC 850 and asctime.
    public static func httpDate(_ text: String) -> Date? {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        for format in ["EEE, dd MMM yyyy HH:mm:ss zzz", "EEEE, dd-MMM-yy HH:mm:ss zzz", "EEE MMM d HH:mm:ss yyyy"] {
            formatter.dateFormat = format
            if let date = formatter.date(from: text) { return date }
        }
        return nil
    }
}
