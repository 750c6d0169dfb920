import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import PluginKit
import Synchronization

/// One HTTP response as the connector sees it.
struct HTTPReply: Sendable {
    var status: Int
    /// Header names lower-cased.
    var headers: [String: String]
    var body: [UInt8]
}

/// A blocking HTTP client over `URLSession`, for use from the host's plugin threads.
///
/// `send` waits on a semaphore for the data task, polling `isCancelled` every 100 ms; ``cancel()``
/// (thread-safe) cancels the task in flight.
///
/// ## Threading
/// `send` is called by one thread at a time (the instance is `[instance-serial]`); `cancel` from any
/// thread. The mutex guards the task in flight and the cancelled flag.
final class BlockingHTTPClient: Sendable {
    private let session: URLSession
    private let state = Mutex<(task: URLSessionDataTask?, cancelled: Bool)>((nil, false))

    init(timeoutSeconds: Int) {
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = TimeInterval(timeoutSeconds)
        configuration.timeoutIntervalForResource = TimeInterval(timeoutSeconds * 2)
        configuration.httpCookieAcceptPolicy = .never
        configuration.httpShouldSetCookies = false
        configuration.urlCache = nil
        configuration.requestCachePolicy = .reloadIgnoringLocalCacheData
        session = URLSession(configuration: configuration)
    }

    deinit { session.invalidateAndCancel() }

    /// Clears a previous cancellation (at the start of a new read).
    func reset() { state.withLock { $0.cancelled = false } }

    /// Cancels the request in flight, and every later one until ``reset()``.
    func cancel() {
        let task = state.withLock { s -> URLSessionDataTask? in
            s.cancelled = true
            return s.task
        }
        task?.cancel()
    }

    var isCancelled: Bool { state.withLock { $0.cancelled } }

    /// Sends `request` and waits for the reply. Network failures throw `URLError`; a cancelled request
    /// throws `ConnectorError.cancelled`.
    func send(_ request: URLRequest, isCancelled hostCancelled: () -> Bool) throws -> HTTPReply {
        let done = DispatchSemaphore(value: 0)
        let outcome = Mutex<Result<HTTPReply, URLError>?>(nil)
        let task = session.dataTask(with: request) { data, response, error in
            let result: Result<HTTPReply, URLError>
            if let http = response as? HTTPURLResponse, error == nil {
                var headers: [String: String] = [:]
                for (key, value) in http.allHeaderFields {
                    if let k = key as? String, let v = value as? String { headers[k.lowercased()] = v }
                }
                result = .success(HTTPReply(status: http.statusCode, headers: headers, body: data.map { [UInt8]($0) } ?? []))
            } else {
                result = .failure((error as? URLError) ?? URLError(.badServerResponse))
            }
            outcome.withLock { $0 = result }
            done.signal()
        }
        let alreadyCancelled = state.withLock { s -> Bool in
            if !s.cancelled { s.task = task }
            return s.cancelled
        }
        if alreadyCancelled { throw ConnectorError.cancelled() }
        defer { state.withLock { $0.task = nil } }
        task.resume()
        while done.wait(timeout: .now() + .milliseconds(100)) == .timedOut {
            if hostCancelled() { task.cancel() }
        }
        if isCancelled || hostCancelled() { throw ConnectorError.cancelled() }
        switch outcome.withLock({ $0 })! {
        case .success(let reply): return reply
        case .failure(let error):
            if error.code == .cancelled { throw ConnectorError.cancelled() }
            throw error
        }
    }
}
