import Foundation
import PluginKit
import XaasJSON
import XaasText

/// The validated settings of a Graph connector instance (see docs/connectors.md, "Graph connector").
///
/// ```json
/// {"baseUrl": "https://graph.microsoft.com/v1.0",
///  "auth": {"type": "clientCredentials", "tokenUrl": "https://login.microsoftonline.com/TENANT/oauth2/v2.0/token",
///           "clientId": "…", "clientSecret": {"env": "GRAPH_SECRET"}, "scope": "https://graph.microsoft.com/.default"},
///  "usersPath": "/users", "select": ["id", "userPrincipalName", "department"], "pageSize": 999,
///  "externalId": "id", "status": "accountEnabled", "delta": true, "groups": false, "transitiveMembers": false}
/// ```
struct GraphSettings: Sendable {
    /// How requests are authorised.
    enum Auth: Sendable {
        /// A static bearer token.
        case bearer(token: SecretSetting)
        /// OAuth 2.0 client credentials against `tokenURL`.
        case clientCredentials(tokenURL: URL, clientId: String, secret: SecretSetting, scope: String)
    }

    /// `scheme://host[:port]/path` without a trailing slash.
    var baseURL: URL
    var auth: Auth
    /// Starts with `/`; relative to ``baseURL``.
    var usersPath: String
    /// Top-level properties requested with `$select` (always includes `id`, the externalId's and the status's).
    var select: [String]
    var filter: String?
    /// `$top` (or `Prefer: odata.maxpagesize` for delta), 1–999.
    var pageSize: Int
    /// The (possibly dotted) attribute holding each user's externalId.
    var externalId: String
    /// `nil`: every user is active.
    var status: StatusRule?
    var delta: Bool
    var groups: Bool
    /// Read each group's `/transitiveMembers` (members of nested groups included) instead of `/members`.
    var transitiveMembers: Bool
    /// Send `ConsistencyLevel: eventual` and `$count=true` (advanced queries).
    var advancedQuery: Bool
    /// Retries inside one `read_page` on 429/5xx/network errors before the status is surfaced to the host.
    var maxRetries: Int
    /// The longest wait done inside `read_page`; a longer `Retry-After` is surfaced to the host at once.
    var maxRetryDelaySeconds: Double
    var timeoutSeconds: Double

    /// Graph's default `/users` properties, plus `accountEnabled` (needed for the default status).
    static let defaultSelect = [
        "id", "userPrincipalName", "displayName", "givenName", "surname", "mail", "jobTitle", "mobilePhone",
        "businessPhones", "officeLocation", "preferredLanguage", "accountEnabled",
    ]

    /// The JSON Schema of the settings object.
    static let schema = """
    {"type":"object","properties":{\
    "baseUrl":{"type":"string"},\
    "auth":{"type":"object"},\
    "usersPath":{"type":"string"},\
    "select":{"type":["string","array"],"items":{"type":"string"}},\
    "filter":{"type":"string"},\
    "pageSize":{"type":"integer","minimum":1,"maximum":999},\
    "externalId":{"type":"string"},\
    "status":{"type":["string","object","boolean"]},\
    "delta":{"type":"boolean"},\
    "groups":{"type":"boolean"},\
    "transitiveMembers":{"type":"boolean"},\
    "advancedQuery":{"type":"boolean"},\
    "maxRetries":{"type":"integer","minimum":0,"maximum":10},\
    "maxRetryDelaySeconds":{"type":"number","minimum":0,"maximum":600},\
    "timeoutSeconds":{"type":"number","minimum":1,"maximum":600}},\
    "required":["baseUrl","auth"],"additionalProperties":false}
    """

    /// Reads and validates `s`; every problem is a `CONFIG` error naming the setting.
    init(_ s: Settings) throws {
        baseURL = try Self.parseURL(try s.requiredString("baseUrl"), setting: "settings.baseUrl")
        guard baseURL.query == nil else {
            throw ConnectorError.config("settings.baseUrl must not contain a query (put filters in settings.filter)")
        }
        guard let authSettings = try s.object("auth") else { throw ConnectorError.config("settings.auth is required") }
        auth = try Self.parseAuth(authSettings, baseURL: baseURL)
        usersPath = try s.string("usersPath") ?? "/users"
        guard usersPath.hasPrefix("/"), !usersPath.contains("?"), !usersPath.contains("#") else {
            throw ConnectorError.config("settings.usersPath must start with / and hold no query, e.g. \"/users\"")
        }
        if usersPath.count > 1, usersPath.hasSuffix("/") { usersPath.removeLast() }
        filter = try s.string("filter")
        pageSize = try s.int("pageSize", range: 1...999) ?? 999
        externalId = try s.string("externalId") ?? "id"
        guard !externalId.isEmpty, !externalId.hasPrefix("."), !externalId.hasSuffix(".") else {
            throw ConnectorError.config("settings.externalId must name a property, e.g. \"id\" or \"userPrincipalName\"")
        }
        switch s.raw("status") {
        case nil: status = StatusRule(attribute: "accountEnabled", activeValues: ["true"])
        case .bool(false)?: status = nil
        case .string(let name)?:
            guard !name.isEmpty else { throw ConnectorError.config("settings.status must not be empty") }
            status = StatusRule(attribute: name, activeValues: ["true"])
        case .object?: status = try StatusRule.parse(s, defaultActiveValues: ["true"])
        case let other?:
            throw ConnectorError.config(
                "settings.status: expected a property name, an object or false, got \(other.typeName)")
        }
        delta = try s.bool("delta") ?? false
        groups = try s.bool("groups") ?? false
        transitiveMembers = try s.bool("transitiveMembers") ?? false
        if delta, filter != nil {
            throw ConnectorError.config(
                "settings.filter cannot be combined with \"delta\": true (Graph delta queries only filter by id); "
                + "filter in the source's \"filter\" expression instead")
        }
        let lowerFilter = " " + (filter ?? "").lowercased() + " "
        let detected = [" ne ", "endswith(", "not(", "$count", " not "].contains { lowerFilter.contains($0) }
        advancedQuery = try s.bool("advancedQuery") ?? detected
        if delta, advancedQuery {
            throw ConnectorError.config("settings.advancedQuery cannot be combined with \"delta\": true")
        }
        maxRetries = try s.int("maxRetries", range: 0...10) ?? 3
        maxRetryDelaySeconds = try Self.number(s, "maxRetryDelaySeconds", 0...600) ?? 30
        timeoutSeconds = try Self.number(s, "timeoutSeconds", 1...600) ?? 60
        select = try Self.parseSelect(s)
        for needed in [externalId, status?.attribute].compactMap({ $0 }) {
            let top = String(needed.split(separator: ".", maxSplits: 1).first ?? Substring(needed))
            if !select.contains(where: { $0.caseInsensitiveCompare(top) == .orderedSame }) { select.append(top) }
        }
        try s.rejectUnknownKeys()
    }

    private static func parseSelect(_ s: Settings) throws -> [String] {
        var names: [String]
        switch s.raw("select") {
        case nil: return defaultSelect
        case .string(let text)?: names = text.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) }
        case .array?: names = try s.stringArray("select") ?? []
        case let other?: throw ConnectorError.config("settings.select: expected a string or an array of strings, got \(other.typeName)")
        }
        names = names.filter { !$0.isEmpty }
        for name in names where !name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" || $0 == "." }) {
            throw ConnectorError.config("settings.select: \"\(name)\" is not a property name")
        }
        if !names.contains("id") { names.insert("id", at: 0) }
        return names
    }

    private static func number(_ s: Settings, _ key: String, _ range: ClosedRange<Double>) throws -> Double? {
        guard let v = s.raw(key) else { return nil }
        guard let d = v.doubleValue else { throw ConnectorError.config("settings.\(key): expected a number, got \(v.typeName)") }
        guard range.contains(d) else {
            throw ConnectorError.config("settings.\(key): \(v.numberText ?? "") is outside \(Int(range.lowerBound))…\(Int(range.upperBound))")
        }
        return d
    }

    private static func parseAuth(_ a: Settings, baseURL: URL) throws -> Auth {
        let type = try a.requiredString("type")
        switch type {
        case "bearer":
            let token = try SecretSetting.required(a, "token")
            try a.rejectUnknownKeys()
            return .bearer(token: token)
        case "clientCredentials":
            let tokenURL = try parseURL(try a.requiredString("tokenUrl"), setting: "settings.auth.tokenUrl")
            let clientId = try a.requiredString("clientId")
            let secret = try SecretSetting.required(a, "clientSecret")
            let origin = "\(baseURL.scheme ?? "https")://\(baseURL.host ?? "")\(baseURL.port.map { ":\($0)" } ?? "")"
            let scope = try a.string("scope") ?? "\(origin)/.default"
            try a.rejectUnknownKeys()
            return .clientCredentials(tokenURL: tokenURL, clientId: clientId, secret: secret, scope: scope)
        default:
            throw ConnectorError.config("settings.auth.type: expected \"clientCredentials\" or \"bearer\", got \"\(type.prefix(40))\"")
        }
    }

    /// An absolute https URL (http only to a loopback host; ``ServiceURL``), without a trailing slash.
    static func parseURL(_ text: String, setting: String) throws -> URL {
        var trimmed = text
        while trimmed.hasSuffix("/") { trimmed.removeLast() }
        return try ServiceURL.parse(trimmed, setting: setting, credentialsHint: "settings.auth")
    }

    /// The origin (`scheme://host:port`) requests may be sent to with credentials.
    var origin: String { Self.origin(of: baseURL) ?? "" }

    static func origin(of url: URL) -> String? {
        guard let scheme = url.scheme?.lowercased(), let host = url.host?.lowercased() else { return nil }
        let port = url.port ?? (scheme == "https" ? 443 : 80)
        return "\(scheme)://\(host):\(port)"
    }

    /// `select` as the `$select` value, also used to tell whether a delta checkpoint still fits.
    var selectText: String { select.joined(separator: ",") }

    /// The URL that starts a users read: the delta round or the list with `$top`, `$select`, `$filter`.
    var firstUsersURL: String {
        var query: [(String, String)] = []
        if !delta { query.append(("$top", String(pageSize))) }
        query.append(("$select", selectText))
        if let filter { query.append(("$filter", filter)) }
        if advancedQuery { query.append(("$count", "true")) }
        return baseURL.absoluteString + usersPath + (delta ? "/delta" : "") + "?" + Self.queryString(query)
    }

    /// The URL that starts the groups read.
    var firstGroupsURL: String {
        baseURL.absoluteString + "/groups?" + Self.queryString([
            ("$top", String(pageSize)), ("$select", Self.groupSelect),
        ])
    }

    /// The URL that starts a groups delta round (`delta` and `groups` on): group properties and `members`.
    var firstGroupsDeltaURL: String {
        baseURL.absoluteString + "/groups/delta?" + Self.queryString([("$select", "displayName,description,members")])
    }

    /// The properties a group record carries (the groups list's `$select`).
    static let groupSelect = "id,displayName,description,mail,mailNickname,securityEnabled"

    /// The URL of one group (re-read when a delta entry names it without its properties).
    func groupURL(groupId: String) -> String {
        baseURL.absoluteString + "/groups/" + Self.encode(groupId) + "?" + Self.queryString([("$select", Self.groupSelect)])
    }

    /// Whether a groups delta entry's `members@delta` can be applied pair by pair: its entries carry only
    /// object ids, so only when the externalId is the `id` and members are direct (not transitive).
    var membersFromDelta: Bool { externalId == "id" && !transitiveMembers }

    /// The URL of a group's members (users' id and the externalId property): `/members`, or
    /// `/transitiveMembers` with `transitiveMembers` on.
    func membersURL(groupId: String) -> String {
        let top = String(externalId.split(separator: ".", maxSplits: 1).first ?? Substring(externalId))
        let fields = top == "id" ? "id" : "id,\(top)"
        return baseURL.absoluteString + "/groups/" + Self.encode(groupId) + (transitiveMembers ? "/transitiveMembers?" : "/members?")
            + Self.queryString([("$top", String(pageSize)), ("$select", fields)])
    }

    static func queryString(_ items: [(String, String)]) -> String {
        items.map { "\($0.0)=\(encode($0.1))" }.joined(separator: "&")
    }

    /// Percent-encodes everything but unreserved characters and `,` `$`.
    static func encode(_ s: String) -> String { PercentEncoding.encode(s, keeping: ",$") }
}
