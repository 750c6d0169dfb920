import Foundation
import Synchronization
import Testing
import HTTPServer
@testable import Host

/// The client over a real socket: ``URLSessionTransport`` against an ``HTTPServer`` playing Okta.
@Suite("OktaClient over URLSessionTransport and a real HTTPServer")
struct URLSessionTransportTests {
    /// A scripted Okta stand-in that records every request it receives.
    final class MiniOkta: Sendable {
        let received = Mutex<[HTTPRequest]>([])
        let bulkCalls = Mutex(0)

        var handler: ClosureHandler {
            ClosureHandler { [self] request in
                received.withLock { $0.append(request) }
                var headers = HTTPHeaders([("X-Okta-Request-Id", "req-\(received.withLock { $0.count })"),
                                           ("X-Rate-Limit-Limit", "600"), ("X-Rate-Limit-Remaining", "598"),
                                           ("X-Rate-Limit-Reset", "2000000000")])
                let sessions = "/api/v1/identity-sources/\(Fake.source)/sessions"
                switch (request.method, request.path) {
                case ("GET", sessions):
                    return .json(200, "[]", headers: headers)
                case ("POST", sessions):
                    return .json(201, Fake.session("CREATED"), headers: headers)
                case ("POST", "\(sessions)/\(Fake.sessionId)/bulk-upsert"):
                    let n = bulkCalls.withLock { $0 += 1; return $0 }
                    if n == 1 {
                        headers.set("X-Rate-Limit-Remaining", "0")
                        return .json(429, Fake.error("E0000047", "API call exceeded rate limit due to too many requests."),
                                     headers: headers)
                    }
                    return HTTPResponse(status: 202, headers: headers)
                case ("POST", "\(sessions)/\(Fake.sessionId)/start-import"):
                    return .json(200, Fake.session("TRIGGERED"), headers: headers)
                case ("DELETE", "\(sessions)/\(Fake.sessionId)"):
                    return HTTPResponse(status: 204, headers: headers)
                case ("GET", "\(sessions)/redirect"):
                    headers.set("Location", "http://127.0.0.1:1/elsewhere")
                    return HTTPResponse(status: 302, headers: headers)
                default:
                    return .json(404, Fake.error("E0000007", "Not found: Resource not found: \(request.path)"), headers: headers)
                }
            }
        }
    }

    @Test("a whole import round trip: exact bytes, headers, 429 retry with Retry-For, rate-limit headers observed")
    func roundTrip() async throws {
        let okta = MiniOkta()
        let server = HTTPServer(handler: okta.handler)
        let port = try server.start()
        defer { server.stop() }
        let observer = RecordingObserver()
        let sleeper = SleepRecorder()
        let client = try OktaClient(configuration: Fake.configuration("http://127.0.0.1:\(port)"), observer: observer,
                                    transport: URLSessionTransport(timeoutSeconds: 20), sleep: sleeper.sleep, random: { 0 })

        let session = try await client.createSession(identitySourceId: Fake.source)
        #expect(session.status == .created && session.id == Fake.sessionId)
        var batcher = BulkBatcher(operation: .upsertUsers)
        let ok = batcher.append(.user(externalId: "emp-ü1", profile: Profile([("userName", "zoë@example.com"), ("title", "a \"b\"\n")])))
        #expect(ok)
        let body = try unwrap(batcher.finish())
        try await client.bulk(.upsertUsers, identitySourceId: Fake.source, sessionId: session.id, body: body)
        let triggered = try await client.startImport(identitySourceId: Fake.source, sessionId: session.id)
        #expect(triggered.status == .triggered)
        #expect(try await client.getUser(identitySourceId: Fake.source, externalId: "nobody") == nil)
        try await client.cancelSession(identitySourceId: Fake.source, sessionId: session.id)

        let requests = okta.received.withLock { $0 }
        #expect(requests.map(\.method) == ["GET", "POST", "POST", "POST", "POST", "GET", "DELETE"])
        for request in requests {
            #expect(request.headers["Authorization"] == "SSWS \(Fake.token)")
            #expect(request.headers["Accept"] == "application/json")
            #expect(request.headers["User-Agent"] == "xaas/\(XaasVersion.current)")
        }
        let create = requests[1]
        #expect(create.body.isEmpty && create.headers["Content-Type"] == nil)
        let upload = requests[3]
        #expect(upload.body == body.bytes)
        #expect(upload.headers["Content-Length"] == String(body.bytes.count))
        #expect(upload.headers["Content-Type"] == "application/json")
        #expect(upload.headers["X-Okta-Retry-For"] == "req-3" && upload.headers["X-Okta-Retry-Count"] == "1")
        #expect(requests[4].body.isEmpty)
        // The server's Date header was parsed, so the 429 wait came from Reset − Date + 1, capped at 60 s.
        #expect(sleeper.delays == [60])
        #expect(observer.permits == 7)
        let snapshots = observer.snapshots
        #expect(snapshots.map(\.status) == [200, 201, 429, 202, 200, 404, 204])
        #expect(snapshots.allSatisfy { $0.limit == 600 && $0.resetEpochSeconds == 2_000_000_000 && $0.dateEpochSeconds != nil })
        #expect(snapshots[2].remaining == 0)
        if let date = snapshots.first?.dateEpochSeconds {
            #expect(abs(Double(date) - Date().timeIntervalSince1970) < 300, "Date header parsed to a sane epoch")
        }
    }

    @Test("redirects are not followed (the token never goes elsewhere): a 302 is an .api error")
    func noRedirects() async throws {
        let okta = MiniOkta()
        let server = HTTPServer(handler: okta.handler)
        let port = try server.start()
        defer { server.stop() }
        let client = try OktaClient(configuration: Fake.configuration("http://127.0.0.1:\(port)"))
        let error = await #expect(throws: OktaError.self) {
            _ = try await client.getSession(identitySourceId: Fake.source, sessionId: "redirect")
        }
        #expect(error?.kind == .api && error?.httpStatus == 302)
        #expect(okta.received.withLock { $0.count } == 1)
    }

    @Test("connection refused → .transport after the retries, with a short message")
    func connectionRefused() async throws {
        let server = HTTPServer(handler: ClosureHandler { _ in .text(200, "") })
        let port = try server.start()
        server.stop()
        var configuration = Fake.configuration("http://127.0.0.1:\(port)")
        configuration.maxRetries = 1
        let sleeper = SleepRecorder()
        let client = try OktaClient(configuration: configuration, observer: nil, transport: URLSessionTransport(timeoutSeconds: 10),
                                    sleep: sleeper.sleep, random: { 0 })
        let error = await #expect(throws: OktaError.self) {
            _ = try await client.listSessions(identitySourceId: Fake.source)
        }
        #expect(error?.kind == .transport)
        #expect(error?.description.hasPrefix("Okta request failed: could not connect to the host") == true, "\(error?.description ?? "")")
        #expect(error?.description.contains(Fake.token) == false)
        #expect(sleeper.delays.count == 1)
    }
}
