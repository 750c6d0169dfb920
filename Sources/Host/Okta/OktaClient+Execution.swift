import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// What a re-read of the server state decided after an ambiguous failure.
enum Reconciled<T> {
    /// The call did take effect: return this.
    case done(T)
    /// It did not: send it again (within the retry budget).
    case retry
    /// Give up with the original error.
    case fail
}

/// One call as ``OktaClient/execute(_:_:body:idempotent:reconcile:afterAmbiguous:onAttempt:decode:)`` sends it.
struct OktaCall {
    var method: String
    var url: URL
    /// `METHOD /path`, for errors.
    var operation: String
    var body: [UInt8]?
    /// May be repeated blindly after an ambiguous failure.
    var idempotent: Bool
}

/// A failed attempt: the error thrown if no retry follows, the wait before the retry, and whether the call
/// may have taken effect (5xx, transport error; not a 429).
struct FailedAttempt {
    var error: OktaError
    var delay: Double
    var ambiguous: Bool
}

/// What one attempt came to.
enum AttemptOutcome<T> {
    case success(T)
    /// An OAuth challenge was answered (a renewed token or a new DPoP nonce): send again at once.
    case resend
    case failed(FailedAttempt)
}

/// The retry bookkeeping of one call.
struct RetryState {
    /// Attempts sent after the first (`X-Okta-Retry-Count`).
    var retries = 0
    /// The last failed response's `X-Okta-Request-Id`.
    var retryFor: String?
    var backoffStep = 0
    var previousWasAmbiguous = false
    /// Retries counted against `maxRetries` (429s are not: they have a time budget).
    var counted = 0
    var rateLimitedSeconds = 0.0
    /// One renewal on 401 `invalid_token`, one DPoP nonce retry, per call.
    var renewed = false
    var nonced = false
}

extension OktaClient {
    /// Sends one call with retries and returns `decode` of the first 2xx response.
    ///
    /// - 429: waits `X-Rate-Limit-Reset − Date + 1` s (else `Retry-After`) plus up to 1 s of jitter (capped), and
    ///   retries for as long as the waits fit ``OktaClientConfiguration/rateLimitRetryBudgetSeconds`` (429s do
    ///   not count against ``OktaClientConfiguration/maxRetries``), or backs off
    ///   exponentially when those headers are unusable and ``OktaClientConfiguration/retryRateLimitWithoutResetHeaders``.
    /// - 5xx / transport errors ("ambiguous": the call may have taken effect): idempotent calls back off and
    ///   retry; others call `reconcile` to re-read the state, and retry only when it says `.retry`.
    /// - OAuth challenges (401 `invalid_token`, `use_dpop_nonce`): sent again at once, each at most once per call.
    /// - other statuses: thrown as `.api`, except that after an ambiguous failure `afterAmbiguous` may
    ///   decide the earlier attempt succeeded.
    /// Retries carry `X-Okta-Retry-For` (the failed response's `X-Okta-Request-Id`) and `X-Okta-Retry-Count`.
    func execute<T>(
        _ method: String, _ path: String, body: [UInt8]? = nil, idempotent: Bool? = nil,
        reconcile: (() async throws(OktaError) -> Reconciled<T>)? = nil,
        afterAmbiguous: (() async throws(OktaError) -> Reconciled<T>)? = nil,
        onAttempt: (@Sendable (Int?) -> Void)? = nil,
        decode: (TransportResponse) throws(OktaError) -> T
    ) async throws(OktaError) -> T {
        let operation = "\(method) \(path)"
        guard let url = URL(string: base + path) else {
            throw OktaError(kind: .transport, operation: operation, message: "cannot form a URL from the base URL and path")
        }
        let call = OktaCall(method: method, url: url, operation: operation, body: body,
                            idempotent: idempotent ?? ["GET", "HEAD", "PUT", "DELETE"].contains(method))
        var state = RetryState()
        while true {
            let failed: FailedAttempt
            switch try await attempt(call, state: &state, onAttempt: onAttempt, afterAmbiguous: afterAmbiguous, decode: decode) {
            case .success(let value): return value
            case .resend: continue
            case .failed(let failure): failed = failure
            }
            if failed.ambiguous && !call.idempotent, let value = try await reconciled(failed.error, reconcile) { return value }
            try chargeRetry(failed, state: &state)
            await sleep(failed.delay)
            if Task.isCancelled { throw Self.cancelled(operation) }
            state.retries += 1
            state.previousWasAmbiguous = failed.ambiguous
        }
    }

    /// Sends the call once (with fresh credentials) and classifies what came back.
    private func attempt<T>(
        _ call: OktaCall, state: inout RetryState, onAttempt: (@Sendable (Int?) -> Void)?,
        afterAmbiguous: (() async throws(OktaError) -> Reconciled<T>)?, decode: (TransportResponse) throws(OktaError) -> T
    ) async throws(OktaError) -> AttemptOutcome<T> {
        if Task.isCancelled { throw Self.cancelled(call.operation) }
        let credentials = configuration.credentials ?? .token(configuration.token, configuration.scheme)
        let authorization = try await credentials.authorize(method: call.method, url: call.url)
        let request = makeRequest(call, authorization: authorization, state: state)
        if let observer {
            await observer.waitForPermit()
            if Task.isCancelled { throw Self.cancelled(call.operation) }
        }
        let response: TransportResponse
        do { response = try await transport.send(request) } catch {
            onAttempt?(nil)
            if Task.isCancelled || error is CancellationError { throw Self.cancelled(call.operation) }
            state.backoffStep += 1
            state.retryFor = nil
            let failure = OktaError(kind: .transport, operation: call.operation, message: Self.describe(error))
            return .failed(FailedAttempt(error: failure.scrubbed(of: authorization.secret),
                                         delay: backoff(step: state.backoffStep), ambiguous: true))
        }
        onAttempt?(response.status)
        let snapshot = RateLimitSnapshot(status: response.status, headers: response.headers)
        observer?.observe(snapshot)
        if (200..<300).contains(response.status) { return .success(try decode(response)) }
        if await credentials.shouldRetry(response, sent: authorization, renewed: &state.renewed, nonced: &state.nonced) {
            return .resend
        }
        return try await refused(response, call: call, snapshot: snapshot, secret: authorization.secret,
                                 state: &state, afterAmbiguous: afterAmbiguous)
    }

    /// The request for one attempt: the call plus credentials and, on retries, the retry headers.
    private func makeRequest(_ call: OktaCall, authorization: OrgCredentials.Authorization, state: RetryState) -> TransportRequest {
        var headers: [(String, String)] = [("Accept", "application/json"), ("User-Agent", configuration.userAgent)]
        headers += authorization.headers
        if call.body != nil { headers.append(("Content-Type", "application/json")) }
        if state.retries > 0 {
            if let retryFor = state.retryFor { headers.append(("X-Okta-Retry-For", retryFor)) }
            headers.append(("X-Okta-Retry-Count", String(state.retries)))
        }
        return TransportRequest(method: call.method, url: call.url, headers: headers, body: call.body,
                                timeoutSeconds: configuration.requestTimeoutSeconds)
    }

    /// A non-2xx answer: a 429 or 5xx to wait on, or (any other status) the error thrown at once, unless
    /// `afterAmbiguous` finds that an earlier ambiguous attempt took effect (`.success`).
    private func refused<T>(
        _ response: TransportResponse, call: OktaCall, snapshot: RateLimitSnapshot, secret: OktaSecret,
        state: inout RetryState, afterAmbiguous: (() async throws(OktaError) -> Reconciled<T>)?
    ) async throws(OktaError) -> AttemptOutcome<T> {
        let requestId = response.header("X-Okta-Request-Id")
        var failure = OktaError.api(status: response.status, body: response.body, requestId: requestId,
                                    operation: call.operation).scrubbed(of: secret)
        state.retryFor = requestId
        if response.status == 429 {
            if let wait = rateLimitWait(snapshot) ?? retryAfterWait(response) {
                return .failed(FailedAttempt(error: failure, delay: wait, ambiguous: false))
            }
            guard configuration.retryRateLimitWithoutResetHeaders else {
                failure.message = "429 without usable Date and X-Rate-Limit-Reset headers; not retried"
                throw failure
            }
            state.backoffStep += 1
            return .failed(FailedAttempt(error: failure, delay: backoff(step: state.backoffStep), ambiguous: false))
        }
        if response.status >= 500 {
            state.backoffStep += 1
            let retryAfter = response.header("Retry-After").flatMap { Double($0.trimmingWhitespace()) } ?? 0
            let delay = min(configuration.maxBackoffSeconds, max(backoff(step: state.backoffStep), retryAfter))
            return .failed(FailedAttempt(error: failure, delay: delay, ambiguous: true))
        }
        if state.previousWasAmbiguous, let afterAmbiguous, case .done(let value)? = try? await afterAmbiguous() {
            return .success(value)
        }
        throw failure
    }
    /// After an ambiguous failure of a non-idempotent call: the value when `reconcile` finds the call took
    /// effect, nil to retry, else the original error (with why the re-read failed, when it did).
    private func reconciled<T>(_ failure: OktaError,
                               _ reconcile: (() async throws(OktaError) -> Reconciled<T>)?) async throws(OktaError) -> T? {
        guard let reconcile else { throw failure }
        let decision: Reconciled<T>
        do { decision = try await reconcile() } catch {
            var original = failure
            original.message = (original.message.map { $0 + "; " } ?? "")
                + "could not re-read the state to decide on a retry: \(error.description)"
            throw original
        }
        switch decision {
        case .done(let value): return value
        case .fail: throw failure
        case .retry: return nil
        }
    }

    /// Counts one retry against its budget (the rate-limit wait budget for 429s, ``OktaClientConfiguration/maxRetries``
    /// otherwise), or throws the failure with a note when the budget is spent.
    private func chargeRetry(_ failed: FailedAttempt, state: inout RetryState) throws(OktaError) {
        if !failed.ambiguous && failed.error.httpStatus == 429 {
            guard state.rateLimitedSeconds + failed.delay <= configuration.rateLimitRetryBudgetSeconds else {
                let (retries, budget) = (state.retries, Int(configuration.rateLimitRetryBudgetSeconds))
                throw failed.error.noting("gave up after waiting \(Int(state.rateLimitedSeconds.rounded())) s over \(retries) "
                    + "\(retries == 1 ? "retry" : "retries") for the rate limit (budget \(budget) s)")
            }
            state.rateLimitedSeconds += failed.delay
        } else {
            guard state.counted < configuration.maxRetries else {
                throw failed.error.noting("gave up after \(state.counted) \(state.counted == 1 ? "retry" : "retries")")
            }
            state.counted += 1
        }
    }

    /// `X-Rate-Limit-Reset − Date + 1` seconds plus up to 1 s of jitter, capped; nil when either header is unusable.
    func rateLimitWait(_ snapshot: RateLimitSnapshot) -> Double? {
        guard let reset = snapshot.resetEpochSeconds, let date = snapshot.dateEpochSeconds else { return nil }
        let base = Double(max(0, reset - date) + 1)
        return min(configuration.maxBackoffSeconds, base + random())
    }

    /// A 429's `Retry-After` (seconds) plus up to 1 s of jitter, capped; nil when absent or unparseable.
    func retryAfterWait(_ response: TransportResponse) -> Double? {
        guard let text = response.header("Retry-After"), let seconds = Double(text.trimmingWhitespace()),
              seconds >= 0, seconds.isFinite else { return nil }
        return min(configuration.maxBackoffSeconds, seconds + random())
    }

    /// Capped exponential backoff with "equal jitter": half the step fixed, half random.
    func backoff(step: Int) -> Double {
        let raw = configuration.initialBackoffSeconds * pow(2, Double(max(0, step - 1)))
        let capped = min(configuration.maxBackoffSeconds, raw)
        return capped * (0.5 + 0.5 * random())
    }

    static func cancelled(_ operation: String) -> OktaError {
        OktaError(kind: .transport, operation: operation, message: "cancelled")
    }

    /// A short, URL-free, token-free description of a transport error.
    static func describe(_ error: any Error) -> String {
        if let urlError = error as? URLError {
            let text: String
            switch urlError.code {
            case .timedOut: text = "timed out"
            case .cannotConnectToHost: text = "could not connect to the host"
            case .cannotFindHost, .dnsLookupFailed: text = "could not resolve the host"
            case .networkConnectionLost: text = "the connection was lost"
            case .notConnectedToInternet: text = "no network"
            case .secureConnectionFailed, .serverCertificateUntrusted, .serverCertificateHasBadDate,
                 .serverCertificateNotYetValid, .serverCertificateHasUnknownRoot:
                text = "TLS failed (check the org URL and the system CA certificates)"
            case .badServerResponse: text = "bad server response"
            default: text = "network error"
            }
            return "\(text) (URLError \(urlError.code.rawValue))"
        }
        return String(describing: error).replacingNewlines()
    }
}

private extension OktaError {
    /// A copy whose message ends with `note`.
    func noting(_ note: String) -> OktaError {
        var copy = self
        copy.message = message.map { "\($0); \(note)" } ?? note
        return copy
    }
}
