import Foundation
import HTTPServer
import PluginAPI
import Synchronization
import Testing
import TestSupport
import XaasJSON

/// `mode: http` against API-Gateway-style fakes: a plain array (the workshop's `GET /items`), paged
/// `{"Items", "LastEvaluatedKey"}` replies, typed items, header auth.
@Suite struct ItemsEndpointTests {
    /// A server answering with `respond(request)`; records request targets and API keys.
    final class Fake: Sendable {
        let server: HTTPServer
        let port: Int
        let log = Locked<[ (target: String, apiKey: String?)]>([])
        init(_ respond: @escaping @Sendable (HTTPRequest) -> HTTPResponse) throws {
            let log = self.log
            server = HTTPServer(handler: ClosureHandler { request in
                log.withLock { $0.append((request.target, request.headers["x-api-key"])) }
                return respond(request)
            })
            port = try server.start()
        }
        deinit { server.stop() }
        var url: String { "http://127.0.0.1:\(port)/prod/items" }
    }

    @Test func plainArrayWithNestedMapsListsAndBooleans() throws {
        let fake = try Fake { _ in
            .json(200, #"""
            [{"id":"albert.gambaro@example.com","active":true,"first_name":"Albert","n":12345678901234567890.10,
              "address":{"city":"A Coruña","geo":{"lat":43.37}},"roles":["admin","dev"],"manager":null},
             {"id":"b@example.com","active":false,"first_name":"Bö"}]
            """#)
        }
        let read = try ConnectorHarness(settings: #"{"mode": "http", "endpoint": "\#(fake.url)", "externalId": "id", "status": {"attribute": "active", "activeValues": ["true"]}}"#).readAll()
        #expect(read.records.count == 2 && read.pages == 1)
        #expect(read.records[0].attributes == [
            ["id", "albert.gambaro@example.com"], ["active", "true"], ["first_name", "Albert"], ["n", "12345678901234567890.10"],
            ["address.city", "A Coruña"], ["address.geo.lat", "43.37"], ["roles", "admin"], ["roles", "dev"],
        ])
        #expect(read.records.map(\.status) == [UInt32(XAAS_STATUS_ACTIVE), UInt32(XAAS_STATUS_INACTIVE)])
    }

    @Test func pagesWithLastEvaluatedKeyAndSendsTheAuthHeader() throws {
        let dir = try TestSupport.makeTemporaryDirectory("ddb-http")
        let keyFile = dir.appendingPathComponent("key")
        try "k-123-secret".write(to: keyFile, atomically: true, encoding: .utf8)
        chmod(keyFile.path, 0o600)
        let fake = try Fake { request in
            guard request.headers["x-api-key"] == "k-123-secret" else { return .json(403, #"{"message":"Forbidden"}"#) }
            let start = request.queryItems.first { $0.name == "startKey" }?.value
            switch start {
            case nil: return .json(200, #"{"Items":[{"id":{"S":"a"}},{"id":{"S":"b"}}],"LastEvaluatedKey":{"id":{"S":"b"}}}"#)
            case #"{"id":{"S":"b"}}"#: return .json(200, #"{"Items":[],"LastEvaluatedKey":"opaque+token/2"}"#)
            case "opaque+token/2": return .json(200, #"{"Items":[{"id":{"S":"c"},"n":{"N":"1.50"}}]}"#)
            default: return .json(400, #"{"message":"bad start"}"#)
            }
        }
        let settings = #"{"mode": "http", "endpoint": "\#(fake.url)", "externalId": "id", "pagingParameter": "startKey", "authHeader": {"name": "x-api-key", "value": {"file": "\#(keyFile.path)"}}}"#
        let read = try ConnectorHarness(settings: settings).readAll()
        #expect(read.records.map(\.externalId) == ["a", "b", "c"])
        #expect(read.records[2].attributes == [["id", "c"], ["n", "1.50"]])
        #expect(read.pages == 3)
        #expect(fake.log.withLock { $0.allSatisfy { $0.apiKey == "k-123-secret" } })

        let wrongKey = settings.replacingOccurrences(of: keyFile.path, with: keyFile.path + "2")
        try "wrong".write(toFile: keyFile.path + "2", atomically: true, encoding: .utf8)
        chmod(keyFile.path + "2", 0o600)
        let error = try #require(throws: ConnectorHarness.CallError.self) { _ = try ConnectorHarness(settings: wrongKey).readAll() }
        #expect(error.status == XAAS_PERMISSION && !error.message.contains("wrong"), "\(error)")
    }

    @Test func aKeyWithoutPagingParameterIsAnErrorNotATruncatedRead() throws {
        let fake = try Fake { _ in .json(200, #"{"Items":[{"id":"a"}],"LastEvaluatedKey":{"id":"a"}}"#) }
        let harness = try ConnectorHarness(settings: #"{"mode": "http", "endpoint": "\#(fake.url)", "externalId": "id"}"#)
        let error = try #require(throws: ConnectorHarness.CallError.self) { _ = try harness.readAll() }
        #expect(error.status == XAAS_CONFIG && error.message.contains("pagingParameter"))
    }

    @Test func gatewayThrottlingIsRetriedAndGarbageIsSourceData() throws {
        let calls = Locked(0)
        let fake = try Fake { _ in
            let n = calls.withLock { $0 += 1; return $0 }
            return n == 1 ? .json(429, #"{"message":"Too Many Requests"}"#) : .json(200, #"[{"id":"x"}]"#)
        }
        #expect(try ConnectorHarness(settings: #"{"mode": "http", "endpoint": "\#(fake.url)", "externalId": "id"}"#).readAll().records.count == 1)
        #expect(calls.withLock { $0 } == 2)

        let garbage = try Fake { _ in .text(200, "<html>oops</html>") }
        let error = try #require(throws: ConnectorHarness.CallError.self) {
            _ = try ConnectorHarness(settings: #"{"mode": "http", "endpoint": "\#(garbage.url)", "externalId": "id"}"#).readAll()
        }
        #expect(error.status == XAAS_SOURCE_DATA && error.message.contains("not valid JSON"))
    }

    @Test func cancelStopsARequestInFlight() throws {
        let release = DispatchSemaphore(value: 0)
        let arrived = Locked(false)
        let fake = try Fake { _ in
            arrived.withLock { $0 = true }
            _ = release.wait(timeout: .now() + 30)
            return .json(200, #"[{"id":"late"}]"#)
        }
        defer { release.signal() }
        let harness = try ConnectorHarness(settings: #"{"mode": "http", "endpoint": "\#(fake.url)", "externalId": "id"}"#)
        DispatchQueue.global().async {
            // Cancel once the request is being served (bounded wait; not a timing assertion).
            for _ in 0..<3000 where !arrived.withLock({ $0 }) { usleep(10_000) }
            harness.cancel()
        }
        let error = try #require(throws: ConnectorHarness.CallError.self) { _ = try harness.readAll() }
        #expect(error.status == XAAS_CANCELLED, "\(error)")
    }
}
