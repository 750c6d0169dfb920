import Foundation

/// How the token is presented: `Authorization: SSWS <api token>` or `Authorization: Bearer <access token>`.
public enum OktaAuthScheme: String, Sendable {
    case ssws = "SSWS"
    case bearer = "Bearer"
}

/// Everything an ``OktaClient`` needs to talk to one Okta org.
public struct OktaClientConfiguration: Sendable {
    /// The org, e.g. `https://example.okta.com` (a path prefix is kept). `http://` only to loopback.
    public var baseURL: URL
    /// The API token or access token.
    public var token: OktaSecret
    public var scheme: OktaAuthScheme = .ssws
    /// When set (OAuth service apps), used instead of ``token`` and ``scheme``.
    public var credentials: OrgCredentials?
    /// Retries per call after the first attempt (5xx, transport errors), then the error is thrown.
    public var maxRetries: Int = 4
    /// 429s are retried (after the wait Okta's headers ask for) until the waits of one call would exceed
    /// this many seconds: a throttled run slows down instead of failing.
    public var rateLimitRetryBudgetSeconds: Double = 900
    /// No single wait before a retry is longer than this.
    public var maxBackoffSeconds: Double = 60
    /// Per-request timeout handed to the transport.
    public var requestTimeoutSeconds: Double = 60
    public var userAgent: String = "xaas/\(XaasVersion.current)"
    /// First step of the capped exponential backoff used for 5xx, transport errors and header-less 429s:
    /// retry n waits about `initialBackoffSeconds · 2^(n-1)` (with jitter), capped by ``maxBackoffSeconds``.
    public var initialBackoffSeconds: Double = 1
    /// What to do with a 429 whose `Date` or `X-Rate-Limit-Reset` is missing or unparseable. `true` (default):
    /// retry with capped exponential backoff. `false`: give up at once with `.rateLimited`, as the Okta SDKs do.
    public var retryRateLimitWithoutResetHeaders: Bool = true

    public init(baseURL: URL, token: OktaSecret, scheme: OktaAuthScheme = .ssws) {
        self.baseURL = baseURL
        self.token = token
        self.scheme = scheme
    }
}

/// The `X-Rate-Limit-*` headers (and `Date`) of one response.
public struct RateLimitSnapshot: Sendable, Equatable {
    /// The response's HTTP status.
    public var status: Int
    /// `X-Rate-Limit-Limit`: the bucket ceiling.
    public var limit: Int?
    /// `X-Rate-Limit-Remaining`: requests left in the current window.
    public var remaining: Int?
    /// `X-Rate-Limit-Reset`: UTC epoch seconds when the window resets (the smallest when several are sent).
    public var resetEpochSeconds: Int?
    /// The response `Date` header as UTC epoch seconds.
    public var dateEpochSeconds: Int?

    public init(status: Int, limit: Int? = nil, remaining: Int? = nil, resetEpochSeconds: Int? = nil,
                dateEpochSeconds: Int? = nil) {
        self.status = status
        self.limit = limit
        self.remaining = remaining
        self.resetEpochSeconds = resetEpochSeconds
        self.dateEpochSeconds = dateEpochSeconds
    }

    /// Reads the snapshot from a response's headers.
    init(status: Int, headers: [(String, String)]) {
        func ints(_ name: String) -> [Int] {
            headers.filter { $0.0.caseInsensitiveEquals(name) }
                .flatMap { $0.1.split(separator: ",") }
                .compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        }
        self.status = status
        limit = ints("X-Rate-Limit-Limit").min()
        remaining = ints("X-Rate-Limit-Remaining").min()
        resetEpochSeconds = ints("X-Rate-Limit-Reset").min()
        dateEpochSeconds = headers.first { $0.0.caseInsensitiveEquals("Date") }.flatMap { HTTPDate.epochSeconds($0.1) }
    }
}

/// Paces requests to one org. The client calls ``waitForPermit()`` before every request it sends
/// (retries and state re-reads included) and ``observe(_:)`` with every response it receives.
/// Both are called from arbitrary tasks, concurrently.
public protocol RateLimitObserver: Sendable {
    /// Called before every request; a per-org scheduler may delay here.
    func waitForPermit() async
    /// Called with every response's `X-Rate-Limit-*` headers (fields are nil when absent).
    func observe(_ snapshot: RateLimitSnapshot)
}

extension String {
    func caseInsensitiveEquals(_ other: String) -> Bool {
        utf8.count == other.utf8.count && lowercased() == other.lowercased()
    }
}
