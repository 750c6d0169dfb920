import Foundation
#if canImport(FoundationNetworking)
public import FoundationNetworking
#endif
import Synchronization

/// One HTTP response as a connector sees it.
public struct HTTPReply: Sendable {
    public var status: Int
    /// Header names lower-cased.
    public var headers: [String: String]
    public var body: [UInt8]

    public init(status: Int, headers: [String: String], body: [UInt8]) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// The value of header `name` (any case).
    public func header(_ name: String) -> String? { headers[name.lowercased()] }
}

/// The blocking HTTP client for connectors, over `URLSession`: `read_page` runs on a dedicated host
/// thread, so ``send(_:isCancelled:)`` waits for the whole response, polling for cancellation every 100 ms.
///
/// - Timeouts: `timeoutSeconds` between bytes, four times that for the whole exchange.
/// - No cookies, no cache.
/// - Redirects (``RedirectGuard``): a request that carries credentials (`Authorization`, `x-api-key`,
///   SigV4 headers, a configured secret header, a form body with `client_secret`…) is never redirected,
///   and a redirect to another origin is never followed; either is reported as
///   ``HTTPClientError/redirectRefused(_:)`` naming the status and the Location's origin only.
/// - Retries are the caller's loop, with ``RetryPolicy`` for the waits and ``sleep(_:isCancelled:)``.
///
/// ## Threading
/// ``send(_:isCancelled:)`` and ``sleep(_:isCancelled:)`` are called by one thread at a time (the
/// instance's `[instance-serial]` calls); ``cancel()`` and ``resetCancel()`` from any thread. The Mutex
/// guards the task in flight; the atomic holds the cancel request.
public final class BlockingHTTPClient: Sendable {
    private let session: URLSession
    private let redirects = RedirectGuard()
    private let secretHeaders: Set<String>
    private let inFlight = Mutex<URLSessionTask?>(nil)
    private let cancelRequested = Atomic<Bool>(false)

    /// - Parameter secretHeaders: header names (any case) the connector fills with credentials beyond
    ///   the well-known ones, e.g. a configured API-key header.
    public init(timeoutSeconds: Double, secretHeaders: [String] = []) {
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = timeoutSeconds
        configuration.timeoutIntervalForResource = timeoutSeconds * 4
        configuration.httpCookieAcceptPolicy = .never
        configuration.httpShouldSetCookies = false
        configuration.httpCookieStorage = nil
        configuration.urlCache = nil
        configuration.requestCachePolicy = .reloadIgnoringLocalCacheData
        self.secretHeaders = Set(secretHeaders.map { $0.lowercased() })
        session = URLSession(configuration: configuration, delegate: redirects, delegateQueue: nil)
    }

    deinit { session.invalidateAndCancel() }

    /// Clears a previous ``cancel()`` (at the start of a new read).
    public func resetCancel() { cancelRequested.store(false, ordering: .relaxed) }

    public var isCancelRequested: Bool { cancelRequested.load(ordering: .relaxed) }

    /// Stops the request in flight (if any) and every later one until ``resetCancel()``.
    public func cancel() {
        cancelRequested.store(true, ordering: .relaxed)
        inFlight.withLock { $0?.cancel() }
    }

    /// Sends `request` and waits for the whole response (any status, including 3xx without Location).
    /// `isCancelled` is the host's flag, polled while waiting.
    public func send(_ request: URLRequest, isCancelled: () -> Bool) throws(HTTPClientError) -> HTTPReply {
        if isCancelled() || isCancelRequested { throw .cancelled }
        let done = DispatchSemaphore(value: 0)
        let outcome = Mutex<Result<HTTPReply, HTTPClientError>?>(nil)
        let task = session.dataTask(with: request) { data, response, error in
            outcome.withLock { $0 = Self.result(data: data, response: response, error: error) }
            done.signal()
        }
        redirects.register(task, request: request,
                           credentialed: RedirectGuard.carriesCredentials(request, extraHeaders: secretHeaders))
        inFlight.withLock { $0 = task }
        defer { inFlight.withLock { $0 = nil } }
        if isCancelRequested { task.cancel() }
        task.resume()
        while done.wait(timeout: .now() + .milliseconds(100)) == .timedOut {
            if isCancelled() || isCancelRequested { task.cancel() }
        }
        let refused = redirects.finish(task)
        if isCancelled() || isCancelRequested { throw .cancelled }
        if let refused { throw .redirectRefused(refused) }
        let reply = try outcome.withLock { $0 ?? .failure(.network("no HTTP response")) }.get()
        if (300..<400).contains(reply.status), let location = reply.header("location") {
            // A redirect URLSession handed back without asking the delegate: not followed either.
            let target = RedirectGuard.origin(of: URL(string: location, relativeTo: request.url)?.absoluteURL)
            throw .redirectRefused(RefusedRedirect(status: reply.status, locationOrigin: target,
                                                   crossOrigin: target != RedirectGuard.origin(of: request.url)))
        }
        return reply
    }

    /// Sleeps `seconds`, waking early with `.cancelled` when the read is cancelled.
    public func sleep(_ seconds: Double, isCancelled: () -> Bool) throws(HTTPClientError) {
        let end = Date().addingTimeInterval(seconds)
        while Date() < end {
            if isCancelled() || isCancelRequested { throw .cancelled }
            Thread.sleep(forTimeInterval: min(0.05, max(0, end.timeIntervalSinceNow)))
        }
        if isCancelled() || isCancelRequested { throw .cancelled }
    }

    private static func result(data: Data?, response: URLResponse?, error: (any Error)?) -> Result<HTTPReply, HTTPClientError> {
        if let error { return .failure(.from(error)) }
        guard let http = response as? HTTPURLResponse else { return .failure(.network("no HTTP response")) }
        var headers: [String: String] = [:]
        for (key, value) in http.allHeaderFields {
            if let name = key as? String, let text = value as? String { headers[name.lowercased()] = text }
        }
        return .success(HTTPReply(status: http.statusCode, headers: headers, body: data.map { [UInt8]($0) } ?? []))
    }
}
