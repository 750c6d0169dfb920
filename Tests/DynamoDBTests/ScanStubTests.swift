import Foundation
import HTTPServer
import PluginAPI
import Testing
import TestSupport
import XaasJSON

/// `mode: dynamodb` against a scripted Scan endpoint: the wire protocol, typed values, paging, parallel
/// segments, retries and error mapping.
@Suite struct ScanStubTests {
    static func user(_ i: Int, extra: String = "") -> String {
        "{\"id\":{\"S\":\"u\(i)\"},\"active\":{\"BOOL\":\(i % 7 != 0)},\"n\":{\"N\":\"\(i)\"}\(extra)}"
    }

    static func settings(_ stub: StubDynamoDB, _ extra: String = "") throws -> String {
        "{\"mode\": \"dynamodb\", \"endpoint\": \"\(stub.endpoint)\", \"region\": \"eu-west-1\", \"table\": \"Users\", "
            + "\"externalId\": \"id\", \"maxAttempts\": 4, \(try TestSecrets.credentials())\(extra)}"
    }

    @Test func decodesEveryAttributeValueTypeExactly() throws {
        let item = #"""
        {"id":{"S":"ünïcødé-😀"},"big":{"N":"123456789012345678901234567890.123456789"},"tiny":{"N":"1E-130"},"price":{"N":"-10.500"},
         "ok":{"BOOL":false},"gone":{"NULL":true},"tags":{"SS":["a","b"]},"nums":{"NS":["1","2.50"]},
         "blob":{"B":"AAEC/w=="},"blobs":{"BS":["AA==","AQ=="]},"list":{"L":[{"S":"x"},{"N":"7"},{"BOOL":true}]},
         "address":{"M":{"city":{"S":"Zürich"},"geo":{"M":{"lat":{"N":"47.37"}}}}},"empty":{"S":""},
         "esc":{"S":"\u00fc\ud83d\ude00\n"}}
        """#
        let stub = try StubDynamoDB(items: [item])
        let read = try ConnectorHarness(settings: try Self.settings(stub)).readAll()
        #expect(read.records.count == 1)
        let r = try #require(read.records.first)
        #expect(r.externalId == "ünïcødé-😀")
        #expect(r.attributes == [
            ["id", "ünïcødé-😀"], ["big", "123456789012345678901234567890.123456789"], ["tiny", "1E-130"],
            ["price", "-10.500"], ["ok", "false"], ["tags", "a"], ["tags", "b"], ["nums", "1"], ["nums", "2.50"], ["blob", "AAEC/w=="],
            ["blobs", "AA=="], ["blobs", "AQ=="], ["list", "x"], ["list", "7"], ["list", "true"],
            ["address.city", "Zürich"], ["address.geo.lat", "47.37"], ["empty", ""], ["esc", "ü😀\n"],
        ])
    }

    @Test func sendsTheJSON10ProtocolWithASignature() throws {
        let stub = try StubDynamoDB(items: [Self.user(1)])
        _ = try ConnectorHarness(settings: try Self.settings(stub, ", \"pageSize\": 25, \"projection\": \"id, active\"")).readAll()
        let request = try #require(stub.requests.first)
        #expect(request.headers["X-Amz-Target"] == "DynamoDB_20120810.Scan")
        #expect(request.headers["Content-Type"] == "application/x-amz-json-1.0")
        let auth = request.headers["Authorization"] ?? ""
        #expect(auth.hasPrefix("AWS4-HMAC-SHA256 Credential=AKIDTEST/"))
        #expect(auth.contains("/eu-west-1/dynamodb/aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature="))
        #expect(!auth.contains("test-secret-value"))
        #expect(request.body["TableName"] == .string("Users"))
        #expect(request.body["Limit"] == .number("25"))
        #expect(request.body["ProjectionExpression"] == .string("id, active"))
        #expect(request.body["Segment"] == nil && request.body["TotalSegments"] == nil)
    }

    @Test func sessionTokenIsSentAndSigned() throws {
        let stub = try StubDynamoDB(items: [Self.user(1)])
        let dir = try TestSupport.makeTemporaryDirectory("ddb-token")
        let token = dir.appendingPathComponent("token")
        try "FQoGZXIvYXdzE-session".write(to: token, atomically: true, encoding: .utf8)
        chmod(token.path, 0o600)
        _ = try ConnectorHarness(settings: try Self.settings(stub, ", \"sessionToken\": {\"file\": \"\(token.path)\"}")).readAll()
        let request = try #require(stub.requests.first)
        #expect(request.headers["X-Amz-Security-Token"] == "FQoGZXIvYXdzE-session")
        #expect(request.headers["Authorization"]?.contains("SignedHeaders=content-type;host;x-amz-date;x-amz-security-token;x-amz-target,") == true)
    }

    @Test func followsLastEvaluatedKeyThroughEmptyPagesAndStopsOnlyWithoutIt() throws {
        let stub = try StubDynamoDB(items: (1...10).map { Self.user($0) }, emptyTail: true)
        let harness = try ConnectorHarness(settings: try Self.settings(stub, ", \"pageSize\": 4"))
        let read = try harness.readAll()
        #expect(read.records.map(\.externalId) == (1...10).map { "u\($0)" })
        #expect(read.pages == 4, "4 + 4 + 2 + an empty last page")
        #expect(stub.requests.count == 4)
        #expect(stub.requests[1].body["ExclusiveStartKey"] == (try JSONValue.parse(#"{"pos":{"N":"3"}}"#)))
    }

    @Test func statusRuleReadsBooleans() throws {
        let stub = try StubDynamoDB(items: (1...14).map { Self.user($0) })
        let read = try ConnectorHarness(settings: try Self.settings(
            stub, ", \"status\": {\"attribute\": \"active\", \"activeValues\": [\"true\"]}")).readAll()
        #expect(read.records.filter { $0.status == UInt32(XAAS_STATUS_INACTIVE) }.map(\.externalId) == ["u7", "u14"])
    }

    @Test func parallelScanInterleavesSegmentsEachFollowingItsOwnKey() throws {
        let stub = try StubDynamoDB(items: (0..<40).map { Self.user($0) })
        let read = try ConnectorHarness(settings: try Self.settings(stub, ", \"segments\": 4, \"pageSize\": 3")).readAll()
        #expect(Set(read.records.map(\.externalId)) == Set((0..<40).map { "u\($0)" }))
        #expect(read.records.count == 40)
        let segments = stub.requests.map { $0.body["Segment"]?.intValue ?? -1 }
        #expect(Array(segments.prefix(4)) == [0, 1, 2, 3], "pages interleave: \(segments)")
        #expect(stub.requests.allSatisfy { $0.body["TotalSegments"] == .number("4") })
        for s in 0..<4 {
            let keys = stub.requests.filter { $0.body["Segment"]?.intValue == s }.map { $0.body["ExclusiveStartKey"]?["pos"]?["N"]?.stringValue }
            #expect(keys.first == .some(nil), "segment \(s) starts without a key")
            let positions = keys.dropFirst().compactMap { $0.flatMap { Int($0) } }
            #expect(positions.count == keys.count - 1 && positions == positions.sorted() && Set(positions).count == positions.count,
                    "segment \(s) follows its own chain: \(keys)")
        }
    }

    @Test func resumesFromACursorOnAFreshInstance() throws {
        let stub = try StubDynamoDB(items: (0..<12).map { Self.user($0) })
        let settings = try Self.settings(stub, ", \"segments\": 2, \"pageSize\": 2")
        let first = try ConnectorHarness(settings: settings)
        var (page, cursor) = try first.readPage(cursor: nil, pageSize: 100)
        var seen = page.records.map(\.externalId)
        let second = try ConnectorHarness(settings: settings)
        while let c = cursor {
            (page, cursor) = try second.readPage(cursor: c, pageSize: 100)
            seen += page.records.map(\.externalId)
        }
        #expect(seen.sorted() == (0..<12).map { "u\($0)" }.sorted())
        let other = try ConnectorHarness(settings: try Self.settings(stub, ", \"segments\": 3"))
        let (_, c2) = try first.readPage(cursor: nil, pageSize: 100)
        #expect(throws: ConnectorHarness.CallError.self) { _ = try other.readPage(cursor: c2, pageSize: 100) }
    }

    @Test func throttlingAndServerErrorsAreRetried() throws {
        let stub = try StubDynamoDB(items: [Self.user(1)])
        stub.fail(with: [StubDynamoDB.error(400, "ProvisionedThroughputExceededException"),
                         StubDynamoDB.error(400, "ThrottlingException"), HTTPResponse(status: 503)])
        let read = try ConnectorHarness(settings: try Self.settings(stub)).readAll()
        #expect(read.records.map(\.externalId) == ["u1"])
        #expect(stub.requests.count == 4)
    }

    @Test func aBodyNotMatchingItsCRC32IsRetried() throws {
        let stub = try StubDynamoDB(items: [Self.user(1)])
        let body = #"{"Items":[{"id":{"S":"corrupted"}}],"Count":1}"#
        stub.fail(with: [HTTPResponse(status: 200, headers: HTTPHeaders([("x-amz-crc32", "12345")]), body: Array(body.utf8))])
        let read = try ConnectorHarness(settings: try Self.settings(stub)).readAll()
        #expect(read.records.map(\.externalId) == ["u1"])
        #expect(stub.requests.count == 2)
        // The stub's own replies carry no checksum; a correct one is accepted (CRC-32 of "123456789" is 0xCBF43926).
        let good = try StubDynamoDB(items: [])
        let text = #"{"Items":[{"id":{"S":"ok"}}]}"#
        let crc = Self.crc32(Array(text.utf8))
        good.fail(with: [HTTPResponse(status: 200, headers: HTTPHeaders([("x-amz-crc32", String(crc))]), body: Array(text.utf8))])
        #expect(try ConnectorHarness(settings: try Self.settings(good)).readAll().records.map(\.externalId) == ["ok"])
        #expect(good.requests.count == 1)
        #expect(Self.crc32(Array("123456789".utf8)) == 0xCBF4_3926)
    }

    /// An independent bitwise CRC-32 (IEEE) for the test.
    static func crc32(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for b in bytes {
            crc ^= UInt32(b)
            for _ in 0..<8 { crc = (crc >> 1) ^ (crc & 1 == 1 ? 0xEDB8_8320 : 0) }
        }
        return ~crc
    }

    @Test func persistentThrottlingIsRateLimitedAfterMaxAttempts() throws {
        let stub = try StubDynamoDB(items: [Self.user(1)])
        stub.fail(with: Array(repeating: StubDynamoDB.error(400, "ProvisionedThroughputExceededException", "slow down"), count: 4))
        let harness = try ConnectorHarness(settings: try Self.settings(stub))
        let error = try #require(throws: ConnectorHarness.CallError.self) { _ = try harness.readAll() }
        #expect(error.status == XAAS_RATE_LIMITED)
        #expect(error.message.contains("ProvisionedThroughputExceededException"))
        #expect(stub.requests.count == 4)
    }

    @Test(arguments: [
        ("ResourceNotFoundException", XAAS_NOT_FOUND), ("ValidationException", XAAS_CONFIG),
        ("AccessDeniedException", XAAS_PERMISSION), ("UnrecognizedClientException", XAAS_AUTH),
    ])
    func errorsAreReportedByTheirTypeAtOnce(_ type: String, _ status: Int32) throws {
        let stub = try StubDynamoDB(items: [Self.user(1)])
        stub.fail(with: [StubDynamoDB.error(400, type, "explained")])
        let harness = try ConnectorHarness(settings: try Self.settings(stub))
        let error = try #require(throws: ConnectorHarness.CallError.self) { _ = try harness.readAll() }
        #expect(error.status == status)
        #expect(error.message.contains(type) && error.message.contains("explained") && error.message.contains("table Users"))
        #expect(!error.message.contains("test-secret-value"))
        #expect(stub.requests.count == 1)
    }

    @Test func badItemsNameTheRecordAndAttribute() throws {
        let stub = try StubDynamoDB(items: [Self.user(1), #"{"id":{"S":"u2"},"x":{"M":{"y":{"Q":"1"}}}}"#])
        let error = try #require(throws: ConnectorHarness.CallError.self) {
            _ = try ConnectorHarness(settings: try Self.settings(stub)).readAll()
        }
        #expect(error.status == XAAS_SOURCE_DATA)
        #expect(error.message.contains("item 2") && error.message.contains("u2") && error.message.contains("x.y")
            && error.message.contains("\"Q\""), "\(error.message)")

        for bad in [#"{"id":{"S":"u3"},"x":{}}"#, #"{"id":{"S":"u3"},"x":{"N":"12abc"}}"#, #"{"id":{"N":"1"},"x":{"S":"a","N":"1"}}"#,
                    #"{"name":{"S":"no id"}}"#] {
            let s = try StubDynamoDB(items: [bad])
            let e = try #require(throws: ConnectorHarness.CallError.self) { _ = try ConnectorHarness(settings: try Self.settings(s)).readAll() }
            #expect(e.status == XAAS_SOURCE_DATA, "\(bad): \(e)")
        }
    }

    @Test func missingTableIsNotFoundAndCheckProbesOneItem() throws {
        let stub = try StubDynamoDB(items: [Self.user(1)])
        try ConnectorHarness(settings: try Self.settings(stub)).check()
        #expect(stub.requests.last?.body["Limit"] == .number("1"))
        let wrong = try ConnectorHarness(settings: try Self.settings(stub).replacingOccurrences(of: "\"Users\"", with: "\"Nope\""))
        #expect(throws: ConnectorHarness.CallError.self) { try wrong.check() }
    }
}
