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

extension OktaClient {
    /// Sends one call with retries and returns `decode` of the first 2xx response.
    ///
    /// - 429: waits `X-Rate-Limit-Reset − Date + 1` s (else `Retry-After`) plus up to 1 s of jitter (capped), and
    ///   retries for as long as the waits fit ``OktaClientConfiguration/rateLimitRetryBudgetSeconds`` (429s do
    ///   not count against ``OktaClientConfiguration/maxRetries``), or backs off
    ///   exponentially when those headers are unusable and ``OktaClientConfiguration/retryRateLimitWithoutResetHeaders``.
    /// - 5xx / transport errors ("ambiguous": the call may have taken effect): idempotent calls back off and
    ///   retry; others call `reconcile` to re-read the state, and retry only when it says `.retry`.
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
        let isIdempotent = idempotent ?? ["GET", "HEAD", "PUT", "DELETE"].contains(method)
        guard let url = URL(string: base + path) else {
            throw OktaError(kind: .transport, operation: operation, message: "cannot form a URL from the base URL and path")
        }
        let credentials = configuration.credentials ?? .token(configuration.token, configuration.scheme)
        var token = configuration.token
        var (renewed, nonced) = (false, false)
        var retries = 0
        var retryFor: String?
        var backoffStep = 0
        var previousWasAmbiguous = false
        /// 429s are retried within a time budget, not a count: a throttled run slows down instead of failing.
        var counted = 0
        var rateLimitedSeconds = 0.0

        while true {
            if Task.isCancelled { throw Self.cancelled(operation) }
            var headers: [(String, String)] = [
                ("Accept", "application/json"),
                ("User-Agent", configuration.userAgent),
            ]
            let authorization = try await credentials.authorize(method: method, url: url)
            token = authorization.secret
            headers += authorization.headers
            if body != nil { headers.append(("Content-Type", "application/json")) }
            if retries > 0 {
                if let retryFor { headers.append(("X-Okta-Retry-For", retryFor)) }
                headers.append(("X-Okta-Retry-Count", String(retries)))
            }
            let request = TransportRequest(method: method, url: url, headers: headers, body: body,
                                           timeoutSeconds: configuration.requestTimeoutSeconds)
            if let observer {
                await observer.waitForPermit()
                if Task.isCancelled { throw Self.cancelled(operation) }
            }

            var failure: OktaError
            var delay: Double
            var ambiguous = true
            let sent: Result<TransportResponse, any Error>
            do { sent = .success(try await transport.send(request)) } catch { sent = .failure(error) }
            if let onAttempt { if case .success(let r) = sent { onAttempt(r.status) } else { onAttempt(nil) } }
            switch sent {
            case .failure(let error):
                if Task.isCancelled || error is CancellationError { throw Self.cancelled(operation) }
                failure = OktaError(kind: .transport, operation: operation, message: Self.describe(error))
                    .scrubbed(of: token)
                backoffStep += 1
                delay = backoff(step: backoffStep)
                retryFor = nil
            case .success(let response):
                let snapshot = RateLimitSnapshot(status: response.status, headers: response.headers)
                observer?.observe(snapshot)
                if (200..<300).contains(response.status) { return try decode(response) }
                if await credentials.shouldRetry(response, sent: authorization, renewed: &renewed, nonced: &nonced) { continue }
                let requestId = response.header("X-Okta-Request-Id")
                failure = OktaError.api(status: response.status, body: response.body, requestId: requestId,
                                        operation: operation).scrubbed(of: token)
                retryFor = requestId
                if response.status == 429 {
                    ambiguous = false
                    if let wait = rateLimitWait(snapshot) ?? retryAfterWait(response) {
                        delay = wait
                    } else if configuration.retryRateLimitWithoutResetHeaders {
                        backoffStep += 1
                        delay = backoff(step: backoffStep)
                    } else {
                        failure.message = "429 without usable Date and X-Rate-Limit-Reset headers; not retried"
                        throw failure
                    }
                } else if response.status >= 500 {
                    backoffStep += 1
                    let retryAfter = response.header("Retry-After").flatMap { Double($0.trimmingWhitespace()) } ?? 0
                    delay = min(configuration.maxBackoffSeconds, max(backoff(step: backoffStep), retryAfter))
                } else {
                    if previousWasAmbiguous, let afterAmbiguous {
                        if case .done(let value)? = try? await afterAmbiguous() { return value }
                    }
                    throw failure
                }
            }

            if ambiguous && !isIdempotent {
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
                case .retry: break
                }
            }
            if !ambiguous && failure.httpStatus == 429 {
                if rateLimitedSeconds + delay > configuration.rateLimitRetryBudgetSeconds {
                    var final = failure
                    let note = "gave up after waiting \(Int(rateLimitedSeconds.rounded())) s over \(retries) "
                        + "\(retries == 1 ? "retry" : "retries") for the rate limit (budget \(Int(configuration.rateLimitRetryBudgetSeconds)) s)"
                    final.message = final.message.map { "\($0); \(note)" } ?? note
                    throw final
                }
                rateLimitedSeconds += delay
            } else if counted >= configuration.maxRetries {
                var final = failure
                let note = "gave up after \(counted) \(counted == 1 ? "retry" : "retries")"
                final.message = final.message.map { "\($0); \(note)" } ?? note
                throw final
            } else {
                counted += 1
            }
            await sleep(delay)
            if Task.isCancelled { throw Self.cancelled(operation) }
            retries += 1
            previousWasAmbiguous = ambiguous
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
