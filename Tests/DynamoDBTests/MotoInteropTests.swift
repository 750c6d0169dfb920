import Foundation
import PluginAPI
import Testing
import TestSupport

/// The connector against a real DynamoDB API implementation (moto server on 127.0.0.1): records must equal
/// what boto3's TypeDeserializer reads from the same table. Skipped, visibly, without moto and boto3
/// (`pip install 'moto[server]' boto3`).
@Suite(.serialized, .enabled(if: MotoServer.available, "python modules moto.server and boto3 not installed"))
struct MotoInteropTests {
    static func settings(_ moto: MotoServer, _ extra: String, secret: String? = nil) throws -> String {
        "{\"mode\": \"dynamodb\", \"endpoint\": \"\(moto.endpoint)\", \"region\": \"us-east-1\", \"table\": \"Users\", "
            + "\"externalId\": \"id\", \"status\": {\"attribute\": \"active\", \"activeValues\": [\"true\"]}, "
            + "\(try moto.credentials(secret: secret))\(extra)}"
    }

    @Test func scansEqualBoto3WithSmallPagesAndFourSegments() throws {
        let moto = try MotoServer(items: 3000)
        defer { moto.stop() }
        #expect(moto.expected.count == 3000)

        let paged = try ConnectorHarness(settings: try Self.settings(moto, ", \"pageSize\": 100")).readAll()
        #expect(paged.records.count == 3000)
        #expect(paged.pages >= 30, "small pages: \(paged.pages)")
        let actual = MotoServer.actual(paged.records)
        #expect(actual.count == 3000)
        let differing = moto.expected.filter { actual[$0.key] != $0.value }.prefix(3)
        #expect(differing.isEmpty, "differs from boto3: \(differing.map { "\($0.key): boto3 \($0.value) vs connector \(actual[$0.key].map { "\($0)" } ?? "missing")" })")

        let parallel = try ConnectorHarness(settings: try Self.settings(moto, ", \"pageSize\": 97, \"segments\": 4")).readAll()
        #expect(parallel.records.count == 3000)
        #expect(MotoServer.actual(parallel.records) == moto.expected)

        // A filter evaluated after Limit: pages hold only active users, some pages may be empty.
        let filtered = try ConnectorHarness(settings: try Self.settings(moto, ##"""
            , "pageSize": 50, "filterExpression": "#a = :t", "expressionAttributeNames": {"#a": "active"},
            "expressionAttributeValues": {":t": {"BOOL": true}}, "projection": "id, active, address.city"
            """##)).readAll()
        let active = moto.expected.filter { $0.value.status == UInt32(XAAS_STATUS_ACTIVE) }
        #expect(Set(filtered.records.map(\.externalId)) == Set(active.keys))
        #expect(filtered.records.allSatisfy { Set($0.attributes.map { $0[0] }).isSubset(of: ["id", "active", "address.city"]) })

        // A filter matching nothing still walks every page (empty pages with a LastEvaluatedKey).
        let none = try ConnectorHarness(settings: try Self.settings(moto, ##"""
            , "pageSize": 500, "filterExpression": "id = :x", "expressionAttributeValues": {":x": {"S": "nobody"}}
            """##)).readAll()
        #expect(none.records.isEmpty && none.pages >= 6, "pages: \(none.pages)")
    }

    @Test func signatureIsVerifiedAndAWrongSecretIsRejected() throws {
        let moto = try MotoServer(items: 40, auth: true)
        defer { moto.stop() }
        let good = try ConnectorHarness(settings: try Self.settings(moto, ", \"pageSize\": 7, \"segments\": 2"))
        try good.check()
        let read = try good.readAll()
        #expect(MotoServer.actual(read.records) == moto.expected)

        let wrong = try ConnectorHarness(settings: try Self.settings(moto, "", secret: "wrong" + moto.secretAccessKey.dropFirst(5)))
        let error = try #require(throws: ConnectorHarness.CallError.self) { _ = try wrong.readAll() }
        #expect(error.status == XAAS_AUTH, "\(error)")
        #expect(!error.message.contains(moto.secretAccessKey))
    }
}
