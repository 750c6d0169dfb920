import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import PluginKit
import Synchronization

/// One HTTP exchange's outcome as the connector needs it.
struct GraphResponse: Sendable {
    var status: Int
    /// Header names lowercased.
    var headers: [String: String]
    var body: Data

    func header(_ name: String) -> String? { headers[name.lowercased()] }
}

/// A blocking HTTP client over `URLSession` for one connector instance: each call waits on a semaphore
/// (read_page runs on a dedicated host thread), polls for cancellation, and never follows redirects (so
/// an `Authorization` header can never be forwarded to another host).
///
/// ## Threading
/// ``send(_:isCancelled:)`` is called by one thread at a time; ``cancel()`` may be called from any thread.
/// `inFlight` (guarded by its Mutex) holds the task being waited on, so that `cancel` can stop it.
final class GraphHTTP: Sendable {
    /// A failure before any HTTP status was received.
    enum Failure: Error, Sendable, Equatable, CustomStringConvertible {
        case cancelled
        case timedOut
        case network(String)

        var description: String {
            switch self {
            case .cancelled: return "cancelled"
            case .timedOut: return "timed out"
            case .network(let reason): return reason
            }
        }
    }

    private let session: URLSession
    private let inFlight = Mutex<URLSessionTask?>(nil)
    private let cancelRequested = Atomic<Bool>(false)

    init(timeoutSeconds: Double) {
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = timeoutSeconds
        configuration.timeoutIntervalForResource = timeoutSeconds * 4
        configuration.httpCookieStorage = nil
        configuration.urlCache = nil
        configuration.requestCachePolicy = .reloadIgnoringLocalCacheData
        session = URLSession(configuration: configuration, delegate: NoRedirects(), delegateQueue: nil)
    }

    deinit {
        session.invalidateAndCancel()
    }

    /// Clears a previous ``cancel()`` (at the start of a new read).
    func resetCancel() { cancelRequested.store(false, ordering: .relaxed) }

    var isCancelRequested: Bool { cancelRequested.load(ordering: .relaxed) }

    /// Stops the request in flight (if any) and every later one until ``resetCancel()``.
    func cancel() {
        cancelRequested.store(true, ordering: .relaxed)
        inFlight.withLock { $0?.cancel() }
    }

    /// Sends `request` and waits for the whole response.
    func send(_ request: URLRequest, isCancelled: () -> Bool) throws(Failure) -> GraphResponse {
        if isCancelled() || isCancelRequested { throw .cancelled }
        let box = ResponseBox()
        let done = DispatchSemaphore(value: 0)
        let task = session.dataTask(with: request) { data, response, error in
            box.store(data: data, response: response, error: error)
            done.signal()
        }
        inFlight.withLock { $0 = task }
        defer { inFlight.withLock { $0 = nil } }
        task.resume()
        while done.wait(timeout: .now() + .milliseconds(100)) == .timedOut {
            if isCancelled() || isCancelRequested { task.cancel() }
        }
        return try box.result(cancelled: isCancelled() || isCancelRequested)
    }

    /// Sleeps `seconds`, waking early (with `.cancelled`) when the read is cancelled.
    func sleep(_ seconds: Double, isCancelled: () -> Bool) throws(Failure) {
        let end = Date().addingTimeInterval(seconds)
        while Date() < end {
            if isCancelled() || isCancelRequested { throw .cancelled }
            Thread.sleep(forTimeInterval: min(0.05, max(0, end.timeIntervalSinceNow)))
        }
        if isCancelled() || isCancelRequested { throw .cancelled }
    }
}

/// The completion handler's result, handed from URLSession's queue to the waiting thread.
private final class ResponseBox: Sendable {
    private struct Value: Sendable {
        var response: GraphResponse?
        var failure: GraphHTTP.Failure?
    }

    private let value = Mutex(Value())

    func store(data: Data?, response: URLResponse?, error: (any Error)?) {
        var v = Value()
        if let error {
            let code = (error as NSError).code
            if code == NSURLErrorCancelled { v.failure = .cancelled }
            else if code == NSURLErrorTimedOut { v.failure = .timedOut }
            else { v.failure = .network((error as NSError).localizedDescription) }
        } else if let http = response as? HTTPURLResponse {
            var headers: [String: String] = [:]
            for (k, val) in http.allHeaderFields {
                if let name = k as? String, let text = val as? String { headers[name.lowercased()] = text }
            }
            v.response = GraphResponse(status: http.statusCode, headers: headers, body: data ?? Data())
        } else {
            v.failure = .network("no HTTP response")
        }
        value.withLock { $0 = v }
    }

    func result(cancelled: Bool) throws(GraphHTTP.Failure) -> GraphResponse {
        let v = value.withLock { $0 }
        if cancelled, v.response == nil { throw .cancelled }
        if let failure = v.failure { throw failure }
        guard let response = v.response else { throw .network("no HTTP response") }
        return response
    }
}

/// Refuses every redirect: the 3xx response is returned as is (the connector reports it).
private final class NoRedirects: NSObject, URLSessionTaskDelegate, Sendable {
    func urlSession(
        _ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse,
        newRequest request: URLRequest, completionHandler: @escaping @Sendable (URLRequest?) -> Void
    ) {
        completionHandler(nil)
    }
}
