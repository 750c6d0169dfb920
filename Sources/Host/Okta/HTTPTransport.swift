import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Sends one HTTP request and returns the response, whatever its status. Throws only when there is
/// no response (connection, TLS, timeout). Called concurrently; implementations must be thread-safe.
public protocol HTTPTransport: Sendable {
    func send(_ request: TransportRequest) async throws -> TransportResponse
}

/// One request as the ``OktaClient`` builds it. `body` bytes are final: their count is the `Content-Length`.
public struct TransportRequest: Sendable {
    public var method: String
    public var url: URL
    /// In order; the `Authorization` header holds the token, so never log these.
    public var headers: [(String, String)]
    public var body: [UInt8]?
    /// Per-request timeout; `nil` = the transport's default.
    public var timeoutSeconds: Double?

    public init(method: String, url: URL, headers: [(String, String)] = [], body: [UInt8]? = nil,
                timeoutSeconds: Double? = nil) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.timeoutSeconds = timeoutSeconds
    }

    /// The first value of header `name`, case-insensitively.
    public func header(_ name: String) -> String? { headers.first { $0.0.caseInsensitiveEquals(name) }?.1 }
}

/// One response: status, headers in order (duplicates kept), body.
public struct TransportResponse: Sendable {
    public var status: Int
    public var headers: [(String, String)]
    public var body: [UInt8]

    public init(status: Int, headers: [(String, String)] = [], body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// The first value of header `name`, case-insensitively.
    public func header(_ name: String) -> String? { headers.first { $0.0.caseInsensitiveEquals(name) }?.1 }
}

/// The production transport: `URLSession` (FoundationNetworking on Linux), ephemeral (no cookies, no
/// cache, no stored credentials), and it never follows redirects, so the `Authorization` header cannot
/// be replayed to another host. Thread-safe: `URLSession` is.
///
/// Every request asks for `Connection: close`, so no connection is ever reused. On a reused keep-alive
/// connection that the server closes without answering (a dropped connection), libcurl silently re-sends
/// the request on a fresh connection, and on Linux it cannot rewind an `httpBody`: the retry carried the
/// headers with `Content-Length` but no body, and client and server waited for each other until the
/// server's read timeout (10 s for the emulator). The silent re-send also hid from ``OktaClient`` that a
/// non-idempotent call may have been sent twice. A fresh connection per request costs a handshake, which
/// is small next to Okta's rate limits.
public struct URLSessionTransport: HTTPTransport {
    private let session: URLSession
    private let timeoutSeconds: Double

    /// The proxy is libcurl's, from the process environment (`https_proxy`, `http_proxy`, `no_proxy`): see
    /// ``OrgProxy`` for how an org's `"proxy"` gets there (FoundationNetworking ignores a session's proxy dictionary).
    public init(timeoutSeconds: Double = 60) {
        self.timeoutSeconds = timeoutSeconds
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = timeoutSeconds
        configuration.httpCookieStorage = nil
        configuration.urlCache = nil
        configuration.urlCredentialStorage = nil
        configuration.httpShouldSetCookies = false
        configuration.requestCachePolicy = .reloadIgnoringLocalCacheData
        session = URLSession(configuration: configuration, delegate: NoRedirectDelegate(), delegateQueue: nil)
    }

    public func send(_ request: TransportRequest) async throws -> TransportResponse {
        var urlRequest = URLRequest(url: request.url)
        urlRequest.httpMethod = request.method
        urlRequest.timeoutInterval = request.timeoutSeconds ?? timeoutSeconds
        for (name, value) in request.headers { urlRequest.addValue(value, forHTTPHeaderField: name) }
        urlRequest.setValue("close", forHTTPHeaderField: "Connection")
        if let body = request.body { urlRequest.httpBody = Data(body) }
        let (data, response) = try await session.data(for: urlRequest)
        guard let http = response as? HTTPURLResponse else { throw URLError(.badServerResponse) }
        var headers: [(String, String)] = []
        for (name, value) in http.allHeaderFields {
            headers.append((String(describing: name), String(describing: value)))
        }
        return TransportResponse(status: http.statusCode, headers: headers, body: [UInt8](data))
    }
}

/// Refuses every redirect (the 3xx response is returned as is). Stateless, hence Sendable.
private final class NoRedirectDelegate: NSObject, URLSessionTaskDelegate, Sendable {
    func urlSession(_ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse,
                    newRequest request: URLRequest, completionHandler: @escaping @Sendable (URLRequest?) -> Void) {
        completionHandler(nil)
    }
}
