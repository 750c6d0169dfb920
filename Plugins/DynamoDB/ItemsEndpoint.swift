import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import PluginKit
import XaasJSON
import XaasText

/// `mode: http`: `GET` on an API-Gateway-style route (like the workshop's `GET /items`).
///
/// The reply is a JSON array of items, or an object with `Items` (or `items`) and an optional
/// `LastEvaluatedKey`. Items are plain JSON or DynamoDB-typed (`values`: `auto` decides per reply). A
/// `LastEvaluatedKey` is sent back as the `pagingParameter` query parameter (a string as is, anything
/// else as compact JSON); a reply with one while no `pagingParameter` is set is an error, because
/// stopping there would silently drop users.
///
/// ## Threading
/// `[instance-serial]`: used by one thread at a time. The auth header value is resolved on first use.
final class ItemsEndpoint {
    private let items: DynamoDBOptions.Items
    private let endpoint: URL
    private let transport: RetryingTransport
    private var authValue: String?

    init(options: DynamoDBOptions, items: DynamoDBOptions.Items, transport: RetryingTransport) {
        self.items = items
        endpoint = options.endpoint
        self.transport = transport
    }

    var fingerprint: String { DynamoDBOptions.display(endpoint) }
    var sourceName: String { "endpoint \(DynamoDBOptions.display(endpoint))" }

    /// One `GET`, continuing after `token` (the previous reply's `LastEvaluatedKey`).
    func fetchPage(token: JSONValue?) throws -> RawPage {
        var url = endpoint
        if let token {
            guard let parameter = items.pagingParameter else {
                throw ConnectorError.config("\(sourceName): settings.pagingParameter is required to continue after a LastEvaluatedKey")
            }
            let text = token.stringValue ?? token.serialized
            var components = URLComponents(url: endpoint, resolvingAgainstBaseURL: false)!
            let encoded = PercentEncoding.encode(parameter) + "=" + PercentEncoding.encode(text)
            components.percentEncodedQuery = [components.percentEncodedQuery, encoded].compactMap { $0 }.joined(separator: "&")
            url = components.url!
        }
        if authValue == nil {
            authValue = try items.authHeaderValue?.resolve()  // its setting names the header
        }
        let reply = try transport.send(context: "GET \(sourceName)") {
            var request = URLRequest(url: url)
            request.httpMethod = "GET"
            request.setValue("application/json", forHTTPHeaderField: "Accept")
            if let name = items.authHeaderName, let authValue { request.setValue(authValue, forHTTPHeaderField: name) }
            return request
        }
        return try parse(reply.body)
    }

    private func parse(_ body: [UInt8]) throws -> RawPage {
        let json: JSONValue
        do { json = try JSONValue.parse(bytes: body) } catch {
            throw ConnectorError.sourceData("\(sourceName): the response is not valid JSON (\(error))")
        }
        var list: [JSONValue]
        var lek: JSONValue?
        switch json {
        case .array(let a):
            list = a
        case .object:
            guard let a = (json["Items"] ?? json["items"])?.arrayValue else {
                throw ConnectorError.sourceData("\(sourceName): expected a JSON array of items or an object with an \"Items\" array")
            }
            list = a
            lek = json["LastEvaluatedKey"]
            if case .null? = lek { lek = nil }
            if lek == .string("") { lek = nil }
        default:
            throw ConnectorError.sourceData("\(sourceName): expected a JSON array of items, got a JSON \(json.typeName)")
        }
        let typed: Bool
        switch items.values {
        case .typed: typed = true
        case .plain: typed = false
        case .auto: typed = list.first.map(ItemFlattener.looksTyped) ?? false
        }
        return RawPage(items: list, typed: typed, lastEvaluatedKey: lek)
    }
}
