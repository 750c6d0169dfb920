import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import PluginKit
import XaasJSON

/// One page of raw items and where the source said to continue.
struct RawPage {
    var items: [JSONValue]
    /// Whether the items carry DynamoDB type descriptors.
    var typed: Bool
    /// `LastEvaluatedKey` (or the endpoint's paging token); `nil` = this chain has ended.
    var lastEvaluatedKey: JSONValue?
}

/// `mode: dynamodb`: signed `DynamoDB_20120810.Scan` calls (JSON 1.0 protocol) against the endpoint.
///
/// ## Threading
/// `[instance-serial]`: used by one thread at a time. Credentials are resolved on first use and kept
/// for the instance's life (never logged).
final class TableScanner {
    private let scan: DynamoDBOptions.Scan
    private let endpoint: URL
    private let transport: RetryingTransport
    private let signer: SigV4Signer
    private var credentials: AWSCredentials?

    init(options: DynamoDBOptions, scan: DynamoDBOptions.Scan, transport: RetryingTransport) {
        self.scan = scan
        endpoint = options.endpoint
        self.transport = transport
        signer = SigV4Signer(region: scan.region, service: "dynamodb")
    }

    /// Identifies the scan a cursor belongs to.
    var fingerprint: String { "\(scan.table)|\(scan.indexName ?? "")|\(scan.segments)" }
    var segmentCount: Int { scan.segments }

    /// Names the table (and index) in messages.
    var sourceName: String { "table \(scan.table)" + (scan.indexName.map { " index \($0)" } ?? "") }

    /// One Scan call for `segment` continuing after `startKey`.
    func scanPage(segment: Int, startKey: JSONValue?, limit: Int?) throws -> RawPage {
        var body: [(key: String, value: JSONValue)] = [("TableName", .string(scan.table))]
        if let index = scan.indexName { body.append(("IndexName", .string(index))) }
        if let limit, limit > 0 { body.append(("Limit", .number(String(limit)))) }
        if let startKey { body.append(("ExclusiveStartKey", startKey)) }
        if scan.segments > 1 {
            body.append(("Segment", .number(String(segment))))
            body.append(("TotalSegments", .number(String(scan.segments))))
        }
        if let projection = scan.projection { body.append(("ProjectionExpression", .string(projection))) }
        if let filter = scan.filterExpression { body.append(("FilterExpression", .string(filter))) }
        if let names = scan.attributeNames { body.append(("ExpressionAttributeNames", names)) }
        if let values = scan.attributeValues { body.append(("ExpressionAttributeValues", values)) }
        if scan.consistentRead { body.append(("ConsistentRead", .bool(true))) }
        let bytes = Array(JSONValue.object(body).serialized.utf8)
        let where_ = scan.segments > 1 ? "Scan of \(sourceName) segment \(segment)/\(scan.segments)" : "Scan of \(sourceName)"
        let credentials = try resolvedCredentials()
        let reply = try transport.send(context: where_) { try signedRequest(body: bytes, credentials: credentials) }
        let json: JSONValue
        do { json = try JSONValue.parse(bytes: reply.body) } catch {
            throw ConnectorError.sourceData("\(where_): the response is not valid JSON (\(error))")
        }
        guard let items = json["Items"]?.arrayValue else {
            throw ConnectorError.sourceData("\(where_): the response has no Items array (is the endpoint a DynamoDB API?)")
        }
        var lek = json["LastEvaluatedKey"]
        if case .null? = lek { lek = nil }
        return RawPage(items: items, typed: true, lastEvaluatedKey: lek)
    }

    private func signedRequest(body: [UInt8], credentials: AWSCredentials) throws -> URLRequest {
        var request = URLRequest(url: endpoint)
        request.httpMethod = "POST"
        request.httpBody = Data(body)
        let headers: [(name: String, value: String)] = [
            ("Content-Type", "application/x-amz-json-1.0"),
            ("Host", Self.hostHeader(endpoint)),
            ("X-Amz-Target", "DynamoDB_20120810.Scan"),
        ]
        let signature = signer.sign(method: "POST", path: "/", query: "", headers: headers, body: body,
                                    credentials: credentials, date: Int(Date().timeIntervalSince1970))
        for (name, value) in headers where name != "Host" { request.setValue(value, forHTTPHeaderField: name) }
        for (name, value) in signature.headers { request.setValue(value, forHTTPHeaderField: name) }
        return request
    }

    /// `host` or `host:port` as the HTTP client sends it (default ports omitted).
    static func hostHeader(_ url: URL) -> String {
        let host = url.host ?? ""
        let bracketed = host.contains(":") && !host.hasPrefix("[") ? "[\(host)]" : host
        guard let port = url.port else { return bracketed }
        let scheme = url.scheme?.lowercased()
        if (scheme == "https" && port == 443) || (scheme == "http" && port == 80) { return bracketed }
        return "\(bracketed):\(port)"
    }

    private func resolvedCredentials() throws -> AWSCredentials {
        if let credentials { return credentials }
        let made = AWSCredentials(
            accessKeyId: try scan.accessKeyId.resolve(),
            secretAccessKey: try scan.secretAccessKey.resolve(),
            sessionToken: try scan.sessionToken?.resolve())
        credentials = made
        return made
    }
}
