import Foundation
import PluginKit
import XaasJSON

/// The validated settings of a `dynamodb` connector instance.
///
/// ```json
/// {"mode": "dynamodb", "region": "eu-west-1", "table": "Users", "externalId": "id",
///  "status": {"attribute": "active", "activeValues": ["true"]}, "pageSize": 500, "segments": 4,
///  "accessKeyId": {"env": "AWS_ACCESS_KEY_ID"}, "secretAccessKey": {"file": "/etc/xaas/aws-secret"}}
/// {"mode": "http", "endpoint": "https://abc.execute-api.eu-west-1.amazonaws.com/items", "externalId": "id",
///  "pagingParameter": "startKey", "authHeader": {"name": "x-api-key", "value": {"env": "ITEMS_API_KEY"}}}
/// ```
struct DynamoDBOptions: Sendable {
    enum Mode: String, Sendable { case dynamodb, http }
    /// How `http` mode reads item values.
    enum ValueStyle: String, Sendable { case auto, typed, plain }

    /// Settings of `mode: dynamodb`.
    struct Scan: Sendable {
        var region: String
        var table: String
        var indexName: String?
        var projection: String?
        var filterExpression: String?
        var attributeNames: JSONValue?
        var attributeValues: JSONValue?
        var consistentRead: Bool
        /// `Limit`; nil = the host's page size hint.
        var pageSize: Int?
        var segments: Int
        var accessKeyId: SecretSetting
        var secretAccessKey: SecretSetting
        var sessionToken: SecretSetting?
    }

    /// Settings of `mode: http`.
    struct Items: Sendable {
        var pagingParameter: String?
        var authHeaderName: String?
        var authHeaderValue: SecretSetting?
        var values: ValueStyle
    }

    var mode: Mode
    var endpoint: URL
    var externalId: String
    var status: StatusRule?
    /// Attempts per request for throttling, 5xx and network errors (1 = no retry).
    var maxAttempts: Int
    var timeoutSeconds: Int
    var scan: Scan?
    var items: Items?

    static let scanKeys = ["region", "table", "indexName", "projection", "filterExpression", "expressionAttributeNames",
                           "expressionAttributeValues", "consistentRead", "pageSize", "segments", "accessKeyId",
                           "secretAccessKey", "sessionToken"]
    static let itemsKeys = ["pagingParameter", "authHeader", "values"]

    /// The JSON Schema of the settings object.
    static let schema = #"""
    {"type":"object","properties":{"mode":{"enum":["dynamodb","http"]},"endpoint":{"type":"string"},"externalId":{"type":"string"},"status":\#(StatusRule.schemaFragment.trimmingWhitespace),"maxAttempts":{"type":"integer","minimum":1,"maximum":20},"timeoutSeconds":{"type":"integer","minimum":1,"maximum":600},"region":{"type":"string"},"table":{"type":"string"},"indexName":{"type":"string"},"projection":{"type":"string"},"filterExpression":{"type":"string"},"expressionAttributeNames":{"type":"object"},"expressionAttributeValues":{"type":"object"},"consistentRead":{"type":"boolean"},"pageSize":{"type":"integer","minimum":1,"maximum":100000},"segments":{"type":"integer","minimum":1,"maximum":1000},"accessKeyId":\#(secretSchema),"secretAccessKey":\#(secretSchema),"sessionToken":\#(secretSchema),"pagingParameter":{"type":"string"},"authHeader":{"type":"object","properties":{"name":{"type":"string"},"value":\#(secretSchema)},"required":["name","value"],"additionalProperties":false},"values":{"enum":["auto","typed","plain"]}},"required":["externalId"],"additionalProperties":false}
    """#
    static let secretSchema = #"{"type":"object","properties":{"env":{"type":"string"},"file":{"type":"string"}},"additionalProperties":false}"#

    /// Reads and validates `settings`; every problem is a `CONFIG` error naming the setting.
    init(_ settings: Settings, environment: [String: String] = ProcessInfo.processInfo.environment) throws {
        let modeText = try settings.string("mode") ?? "dynamodb"
        guard let mode = Mode(rawValue: modeText) else {
            throw ConnectorError.config("settings.mode: expected \"dynamodb\" or \"http\", got \"\(modeText.prefix(40))\"")
        }
        self.mode = mode
        externalId = try settings.requiredString("externalId")
        status = try StatusRule.parse(settings)
        maxAttempts = try settings.int("maxAttempts", range: 1...20) ?? 8
        timeoutSeconds = try settings.int("timeoutSeconds", range: 1...600) ?? 60
        let foreign = mode == .dynamodb ? Self.itemsKeys : Self.scanKeys
        if let key = foreign.first(where: { settings.value[$0] != nil }) {
            throw ConnectorError.config("settings.\(key) applies only to mode \"\(mode == .dynamodb ? "http" : "dynamodb")\"")
        }
        switch mode {
        case .dynamodb:
            let scan = try Self.parseScan(settings, environment: environment)
            self.scan = scan
            let text = try settings.string("endpoint") ?? "https://dynamodb.\(scan.region).amazonaws.com"
            endpoint = try Self.parseEndpoint(text)
            guard endpoint.path.isEmpty || endpoint.path == "/", endpoint.query == nil else {
                throw ConnectorError.config("settings.endpoint: a DynamoDB endpoint has no path or query (got \(Self.display(endpoint)))")
            }
        case .http:
            endpoint = try Self.parseEndpoint(try settings.requiredString("endpoint"))
            items = try Self.parseItems(settings)
        }
        try settings.rejectUnknownKeys()
    }

    private static func parseScan(_ settings: Settings, environment: [String: String]) throws -> Scan {
        guard let region = try settings.string("region") ?? environment["AWS_REGION"] ?? environment["AWS_DEFAULT_REGION"],
              !region.isEmpty else {
            throw ConnectorError.config("settings.region is required (or set AWS_REGION) in mode \"dynamodb\"")
        }
        guard region.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }) else {
            throw ConnectorError.config("settings.region: \"\(region.prefix(40))\" is not a region name like eu-west-1")
        }
        var names: JSONValue?
        if let raw = settings.raw("expressionAttributeNames") {
            guard case .object(let members) = raw, members.allSatisfy({ $0.value.stringValue != nil && $0.key.hasPrefix("#") })
            else { throw ConnectorError.config("settings.expressionAttributeNames: expected {\"#name\": \"attribute\", …}") }
            names = raw
        }
        var values: JSONValue?
        if let raw = settings.raw("expressionAttributeValues") {
            guard case .object(let members) = raw, members.allSatisfy({ $0.key.hasPrefix(":") }) else {
                throw ConnectorError.config("settings.expressionAttributeValues: expected {\":value\": {\"S\": \"…\"}, …}")
            }
            for member in members {
                do { _ = try ItemFlattener.typedAttributes(of: .object([(member.key, member.value)])) } catch {
                    throw ConnectorError.config("settings.expressionAttributeValues.\(member.key): \(error.message)")
                }
            }
            values = raw
        }
        // The environment's session token belongs to the environment's keys: use it only when both keys
        // come from their default variables too.
        let accessKeyId = try SecretSetting.parse(settings, "accessKeyId")
        let secretAccessKey = try SecretSetting.parse(settings, "secretAccessKey")
        var sessionToken = try SecretSetting.parse(settings, "sessionToken")
        if sessionToken == nil, accessKeyId == nil, secretAccessKey == nil, environment["AWS_SESSION_TOKEN"]?.isEmpty == false {
            sessionToken = SecretSetting(.env("AWS_SESSION_TOKEN"), setting: "settings.sessionToken")
        }
        return Scan(
            region: region, table: try settings.requiredString("table"), indexName: try settings.string("indexName"),
            projection: try settings.string("projection"), filterExpression: try settings.string("filterExpression"),
            attributeNames: names, attributeValues: values, consistentRead: try settings.bool("consistentRead") ?? false,
            pageSize: try settings.int("pageSize", range: 1...100_000), segments: try settings.int("segments", range: 1...1000) ?? 1,
            accessKeyId: accessKeyId ?? SecretSetting(.env("AWS_ACCESS_KEY_ID"), setting: "settings.accessKeyId"),
            secretAccessKey: secretAccessKey ?? SecretSetting(.env("AWS_SECRET_ACCESS_KEY"), setting: "settings.secretAccessKey"),
            sessionToken: sessionToken)
    }

    private static func parseItems(_ settings: Settings) throws -> Items {
        var items = Items(pagingParameter: try settings.string("pagingParameter"), values: .auto)
        if let p = items.pagingParameter, p.isEmpty || p.contains(where: { "&=?# ".contains($0) }) {
            throw ConnectorError.config("settings.pagingParameter: \"\(p.prefix(40))\" is not a query parameter name")
        }
        if let auth = try settings.object("authHeader") {
            let name = try auth.requiredString("name")
            guard name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }) else {
                throw ConnectorError.config("settings.authHeader.name: \"\(name.prefix(40))\" is not a header name")
            }
            var value = try SecretSetting.required(auth, "value")
            value.setting = "settings.authHeader.value (\(name))"
            try auth.rejectUnknownKeys()
            items.authHeaderName = name
            items.authHeaderValue = value
        }
        let style = try settings.string("values") ?? "auto"
        guard let values = ValueStyle(rawValue: style) else {
            throw ConnectorError.config("settings.values: expected \"auto\", \"typed\" or \"plain\", got \"\(style.prefix(40))\"")
        }
        items.values = values
        return items
    }

    /// An `https://` URL, or `http://` to a loopback host; no user info (``ServiceURL``).
    static func parseEndpoint(_ text: String) throws -> URL {
        try ServiceURL.parse(text, setting: "settings.endpoint", credentialsHint: "authHeader or credentials settings")
    }

    /// The URL without query (for messages).
    static func display(_ url: URL) -> String {
        var c = URLComponents(url: url, resolvingAgainstBaseURL: false)
        c?.query = nil
        return c?.string ?? "endpoint"
    }
}

extension String {
    /// The string without leading and trailing whitespace and newlines.
    var trimmingWhitespace: String { trimmingCharacters(in: .whitespacesAndNewlines) }
}
