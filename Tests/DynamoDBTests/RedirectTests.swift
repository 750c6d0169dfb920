import Foundation
import HTTPServer
import PluginAPI
import Testing
import TestSupport
import XaasJSON

/// A source that answers with a redirect never gets the connector's credentials forwarded: the second
/// origin (a recorder on another port) receives nothing, and the read fails with the status and the
/// Location's origin, never the secret.
@Suite struct RedirectTests {
    /// A second origin that records every request it receives (the place a leaked secret would land).
    final class Recorder: Sendable {
        let server: HTTPServer
        let port: Int
        let seen = Locked<[HTTPRequest]>([])
        init() throws {
            let seen = self.seen
            server = HTTPServer(handler: ClosureHandler { request in
                seen.withLock { $0.append(request) }
                return .json(200, #"{"Items":[{"id":{"S":"stolen"}}]}"#)
            })
            port = try server.start()
        }
        deinit { server.stop() }
        var origin: String { "http://127.0.0.1:\(port)" }
        var requests: [HTTPRequest] { seen.withLock { $0 } }
    }

    static func redirect(_ status: Int, to location: String) -> HTTPResponse {
        var response = HTTPResponse(status: status)
        response.headers.set("Location", location)
        return response
    }

    @Test(arguments: [301, 302, 307, 308])
    func anItemsEndpointRedirectDoesNotForwardTheAPIKey(status: Int) throws {
        let recorder = try Recorder()
        let dir = try TestSupport.makeTemporaryDirectory("ddb-redirect")
        let keyFile = dir.appendingPathComponent("key")
        try "k-redirect-secret-42".write(to: keyFile, atomically: true, encoding: .utf8)
        chmod(keyFile.path, 0o600)
        let first = try ItemsEndpointTests.Fake { _ in Self.redirect(status, to: recorder.origin + "/prod/items?x=1") }
        let settings = #"{"mode": "http", "endpoint": "\#(first.url)", "externalId": "id", "maxAttempts": 1, "authHeader": {"name": "x-api-key", "value": {"file": "\#(keyFile.path)"}}}"#
        let error = try #require(throws: ConnectorHarness.CallError.self) { _ = try ConnectorHarness(settings: settings).readAll() }
        #expect(recorder.requests.isEmpty, "the second origin received \(recorder.requests.count) request(s)")
        #expect(first.log.withLock { $0.count } == 1)
        #expect(error.status == XAAS_CONFIG, "\(error)")
        #expect(error.message.contains("HTTP \(status)") && error.message.contains(recorder.origin), "\(error.message)")
        #expect(!error.message.contains("k-redirect-secret-42") && !error.message.contains("x=1"), "\(error.message)")
    }

    @Test func aSameOriginRedirectWithTheKeyIsNotFollowedEither() throws {
        let dir = try TestSupport.makeTemporaryDirectory("ddb-redirect")
        let keyFile = dir.appendingPathComponent("key")
        try "k-same-origin-7".write(to: keyFile, atomically: true, encoding: .utf8)
        chmod(keyFile.path, 0o600)
        let fake = try ItemsEndpointTests.Fake { request in
            request.path == "/prod/items" ? Self.redirect(302, to: "/moved/items") : .json(200, #"[{"id":"x"}]"#)
        }
        let settings = #"{"mode": "http", "endpoint": "\#(fake.url)", "externalId": "id", "authHeader": {"name": "x-api-key", "value": {"file": "\#(keyFile.path)"}}}"#
        let error = try #require(throws: ConnectorHarness.CallError.self) { _ = try ConnectorHarness(settings: settings).readAll() }
        #expect(fake.log.withLock { $0.map(\.target) } == ["/prod/items"])
        #expect(error.status == XAAS_CONFIG && error.message.contains("HTTP 302"), "\(error)")
    }

    @Test func aSignedScanRedirectDoesNotForwardTheSignature() throws {
        let recorder = try Recorder()
        let stub = try StubDynamoDB(items: [ScanStubTests.user(1)])
        stub.fail(with: [Self.redirect(307, to: recorder.origin + "/")])
        let error = try #require(throws: ConnectorHarness.CallError.self) {
            _ = try ConnectorHarness(settings: try ScanStubTests.settings(stub)).readAll()
        }
        #expect(recorder.requests.isEmpty, "the second origin received \(recorder.requests.count) request(s)")
        #expect(stub.requests.count == 1)
        #expect(error.status == XAAS_CONFIG && error.message.contains("HTTP 307") && error.message.contains(recorder.origin),
                "\(error)")
        #expect(!error.message.contains("AKIDTEST") && !error.message.contains("test-secret-value"), "\(error.message)")
    }
}
