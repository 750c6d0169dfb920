import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import HTTPServer
import PluginKit
import Synchronization
import Testing

/// PluginKit's connector HTTP client against loopback servers: replies, the redirect rule (credentials are
/// never redirected, another origin is never followed), cancellation, and the retry waits.
@Suite struct BlockingHTTPClientTests {
    /// The requests a server received (appended from its connection threads).
    final class RequestLog: Sendable {
        private let list = Mutex<[HTTPRequest]>([])
        func append(_ request: HTTPRequest) { list.withLock { $0.append(request) } }
        var all: [HTTPRequest] { list.withLock { $0 } }
    }

    /// A server that records what it receives and answers with `respond`.
    final class Server: Sendable {
        let server: HTTPServer
        let port: Int
        let log = RequestLog()
        init(_ respond: @escaping @Sendable (HTTPRequest) -> HTTPResponse) throws {
            let log = self.log
            server = HTTPServer(handler: ClosureHandler { request in
                log.append(request)
                return respond(request)
            })
            port = try server.start()
        }
        deinit { server.stop() }
        var origin: String { "http://127.0.0.1:\(port)" }
        var requests: [HTTPRequest] { log.all }
    }

    static func redirect(_ status: Int, to location: String) -> HTTPResponse {
        var response = HTTPResponse(status: status)
        response.headers.set("Location", location)
        return response
    }

    static func get(_ url: String, headers: [String: String] = [:]) -> URLRequest {
        var request = URLRequest(url: URL(string: url)!)
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        return request
    }

    let client = BlockingHTTPClient(timeoutSeconds: 10, secretHeaders: ["X-Tenant-Key"])

    @Test func returnsStatusLowerCasedHeadersAndBody() throws {
        let server = try Server { _ in .json(404, #"{"e":1}"#, headers: HTTPHeaders([("X-Request-Id", "r-1")])) }
        let reply = try client.send(Self.get(server.origin + "/x")) { false }
        #expect(reply.status == 404 && reply.body == Array(#"{"e":1}"#.utf8))
        #expect(reply.headers["x-request-id"] == "r-1" && reply.header("X-Request-ID") == "r-1")
    }

    @Test(arguments: [
        ["Authorization": "Bearer tok-secret"], ["x-api-key": "tok-secret"], ["X-Tenant-Key": "tok-secret"],
        ["X-Amz-Security-Token": "tok-secret"],
    ])
    func aCredentialedRequestIsNeverRedirectedEvenToItsOwnOrigin(headers: [String: String]) throws {
        let server = try Server { request in
            request.path == "/start" ? Self.redirect(302, to: "/next?code=abc") : .text(200, "followed")
        }
        let error = #expect(throws: HTTPClientError.self) { try client.send(Self.get(server.origin + "/start", headers: headers)) { false } }
        #expect(error == .redirectRefused(RefusedRedirect(status: 302, locationOrigin: server.origin, crossOrigin: false)))
        #expect(server.requests.map(\.target) == ["/start"])
        #expect(error.map { "\($0)" }?.contains("tok-secret") == false && error.map { "\($0)" }?.contains("code=abc") == false)
    }

    @Test func aFormBodyWithAClientSecretIsNeverRedirected() throws {
        let other = try Server { _ in .text(200, "stolen") }
        let server = try Server { _ in Self.redirect(307, to: other.origin + "/token") }
        var request = Self.get(server.origin + "/token")
        request.httpMethod = "POST"
        request.setValue("application/x-www-form-urlencoded", forHTTPHeaderField: "Content-Type")
        request.httpBody = Data("grant_type=client_credentials&client_secret=form-secret".utf8)
        let error = #expect(throws: HTTPClientError.self) { try client.send(request) { false } }
        #expect(error == .redirectRefused(RefusedRedirect(status: 307, locationOrigin: other.origin, crossOrigin: true)))
        #expect(other.requests.isEmpty)
        #expect(error.map { "\($0)" }?.contains("HTTP 307 redirect to \(other.origin)") == true)
    }

    @Test func anotherOriginIsNeverFollowedEvenWithoutCredentials() throws {
        let other = try Server { _ in .text(200, "elsewhere") }
        let server = try Server { _ in Self.redirect(301, to: other.origin + "/x") }
        let error = #expect(throws: HTTPClientError.self) { try client.send(Self.get(server.origin + "/x")) { false } }
        #expect(error == .redirectRefused(RefusedRedirect(status: 301, locationOrigin: other.origin, crossOrigin: true)))
        #expect(other.requests.isEmpty)
    }

    @Test func aSameOriginRedirectWithoutCredentialsIsFollowed() throws {
        let server = try Server { request in
            request.path == "/old" ? Self.redirect(301, to: "/new") : .text(200, "moved here")
        }
        let reply = try client.send(Self.get(server.origin + "/old", headers: ["Accept": "text/plain"])) { false }
        #expect(reply.status == 200 && String(decoding: reply.body, as: UTF8.self) == "moved here")
        #expect(server.requests.map(\.path) == ["/old", "/new"])
    }

    @Test func cancelStopsARequestInFlightAndLaterOnesUntilReset() throws {
        let release = DispatchSemaphore(value: 0)
        let server = try Server { _ in
            _ = release.wait(timeout: .now() + 30)
            return .text(200, "late")
        }
        defer { release.signal() }
        let client = self.client
        DispatchQueue.global().async {
            // Cancel once the request is being served (bounded wait; not a timing assertion).
            for _ in 0..<3000 where server.requests.isEmpty { usleep(10_000) }
            client.cancel()
        }
        #expect(throws: HTTPClientError.cancelled) { try client.send(Self.get(server.origin + "/slow")) { false } }
        #expect(throws: HTTPClientError.cancelled) { try client.sleep(5) { false } }
        release.signal()
        client.resetCancel()
        #expect(throws: HTTPClientError.cancelled) { try client.send(Self.get(server.origin + "/x")) { true } }
    }

    @Test func aRefusedConnectionIsARetryableNetworkError() throws {
        let port = try Server { _ in .text(200, "") }.port  // stopped when released
        let error = #expect(throws: HTTPClientError.self) { try client.send(Self.get("http://127.0.0.1:\(port)/")) { false } }
        #expect(error?.isRetryable == true && error != .cancelled, "\(String(describing: error))")
    }
}

/// `Retry-After` in both forms and the backoff steps.
@Suite struct RetryPolicyTests {
    @Test func retryAfterSecondsAndHTTPDates() throws {
        let now = try #require(RetryPolicy.httpDate("Sun, 06 Nov 1994 08:49:37 GMT"))
        #expect(RetryPolicy.retryAfterSeconds("120", now: now) == 120)
        #expect(RetryPolicy.retryAfterSeconds(" 3 ", now: now) == 3)
        #expect(RetryPolicy.retryAfterSeconds("Sun, 06 Nov 1994 08:49:47 GMT", now: now) == 10)
        #expect(RetryPolicy.retryAfterSeconds("Sunday, 06-Nov-94 08:49:57 GMT", now: now) == 20)
        #expect(RetryPolicy.retryAfterSeconds("Sun Nov  6 08:50:37 1994", now: now) == 60)
        #expect(RetryPolicy.retryAfterSeconds("Sun, 06 Nov 1994 08:00:00 GMT", now: now) == 0)
        #expect(RetryPolicy.retryAfterSeconds("99999999999", now: now) == RetryPolicy.maxRetryAfterSeconds)
        #expect(RetryPolicy.retryAfterSeconds("-1", now: now) == nil && RetryPolicy.retryAfterSeconds("soon", now: now) == nil)
        #expect(RetryPolicy.retryAfterSeconds(nil, now: now) == nil && RetryPolicy.retryAfterSeconds("", now: now) == nil)
    }

    @Test func backoffDoublesUpToTheCapWithOptionalJitter() {
        let exact = RetryPolicy(maxRetries: 5, maxDelaySeconds: 5, baseDelaySeconds: 0.05, jitter: false)
        #expect((0..<9).map { exact.backoff(attempt: $0) } == [0.05, 0.1, 0.2, 0.4, 0.8, 1.6, 3.2, 5, 5])
        let jittered = RetryPolicy(maxRetries: 3, maxDelaySeconds: 30)
        for attempt in 0..<8 {
            let raw = min(30, pow(2, Double(attempt)))
            let wait = jittered.backoff(attempt: attempt)
            #expect(wait >= raw * 0.5 && wait <= raw)
        }
    }
}
