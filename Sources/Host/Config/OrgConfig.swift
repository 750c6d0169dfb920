import Foundation
import XaasJSON
import XaasText

/// One Okta org (a tenant): `connectors.d/<tenant>/org.json`.
///
/// ```json
/// {"url": "https://acme.okta.com", "token": {"env": "ACME_OKTA_TOKEN"}, "auth": "SSWS",
///  "rateLimit": {"perMinute": 600, "share": 0.5}}
/// ```
/// `description` never contains a secret.
public struct OrgConfig: Sendable, CustomStringConvertible {
    /// Where the org's API is.
    public enum Endpoint: Sendable, Equatable {
        /// An in-process emulator whose directory persists in the state directory.
        case embedded
        /// A real org (`https`), or an emulator on loopback (`http` allowed), with no path.
        case remote(URL)
    }

    public var endpoint: Endpoint
    /// The API token; `nil` only for `embedded` (which then uses a generated local token).
    public var token: SecretReference?
    /// `"SSWS"` (API token) or `"Bearer"` (OAuth access token).
    public var authScheme: String
    /// The org's rate limit per minute for the endpoints xaas uses, when known (otherwise learned from
    /// `X-Rate-Limit-Limit`).
    public var rateLimitPerMinute: Int?
    /// The share (0 < share ≤ 1) of the org's budget xaas may use; default 0.5.
    public var rateLimitShare: Double
    /// The `org.json` file this was read from (for messages).
    public var file: URL?
    /// Seconds between a trigger and the next import session of a source (Okta's "5-minute rule": 300).
    /// `nil` = 300 for remote orgs, ``EmbeddedOkta/defaultCooldownSeconds`` for embedded ones.
    public var sessionCooldownSeconds: Double?
    /// `alerts`: this tenant's webhook (in addition to the one in `xaas.json`).
    public var alerts: AlertsConfig?
    /// `auth: {"oauth": {...}}`: an OAuth service app instead of a static ``token`` (never both).
    public var oauth: OAuthSettings?
    /// `"proxy": "http://host:port"`: the HTTP(S) proxy for API and token calls (else `HTTPS_PROXY`/`NO_PROXY`),
    /// applied to the environment of the process that talks to the org (see ``OrgProxy``).
    public var proxy: URL?

    /// The default ``rateLimitShare``.
    public static let defaultRateLimitShare = 0.5

    public init(endpoint: Endpoint, token: SecretReference? = nil, authScheme: String = "SSWS",
                rateLimitPerMinute: Int? = nil, rateLimitShare: Double = OrgConfig.defaultRateLimitShare, file: URL? = nil) {
        self.endpoint = endpoint
        self.token = token
        self.authScheme = authScheme
        self.rateLimitPerMinute = rateLimitPerMinute
        self.rateLimitShare = rateLimitShare
        self.file = file
    }

    public var description: String {
        let where_: String
        switch endpoint {
        case .embedded: where_ = "embedded"
        case .remote(let url): where_ = url.absoluteString
        }
        if let oauth { return "org \(where_) (\(oauth), share \(rateLimitShare))" }
        return "org \(where_) (auth \(authScheme), token \(token.map(\.description) ?? "none"), share \(rateLimitShare))"
    }

    /// Whether this org is embedded or on a loopback address (where `http` and inline tokens are allowed).
    public var isLocal: Bool {
        switch endpoint {
        case .embedded: return true
        case .remote(let url): return LoopbackRule.isLoopback(url)
        }
    }

    /// Resolves ``token``; problems name `org.json` and the `$.token…` path. `nil` when no token is configured.
    public func resolveToken() throws(ConfigProblem) -> String? {
        guard let token else { return nil }
        do {
            return try token.resolve()
        } catch {
            let path: String
            switch token {
            case .env: path = "$.token.env"
            case .file: path = "$.token.file"
            case .value: path = "$.token.value"
            case .command: path = "$.token.command"
            }
            throw ConfigProblem(file: file.map(ConfigDirectory.displayPath) ?? error.file, jsonPath: path,
                                message: error.file == "environment" ? error.message : "\(error.file): \(error.message)")
        }
    }

    static let knownKeys = ["url", "token", "auth", "rateLimit", "sessionCooldownSeconds", "alerts", "proxy"]

    /// Reads `org.json` (already parsed) into a config, reporting problems to `reader`.
    static func read(_ json: JSONValue, file: URL, reader: inout ConfigReader) -> OrgConfig? {
        let before = reader.problems.count
        reader.rejectUnknownKeys(json, at: "$", known: knownKeys)
        var endpoint: Endpoint?
        if let text = reader.string(json, "url", at: "$", required: true) {
            endpoint = readEndpoint(text, reader: &reader)
        }
        var auth = "SSWS"
        var oauth: OAuthSettings?
        let authIsObject: Bool = { if case .object? = json["auth"] { return true }; return false }()
        if authIsObject {
            let local: Bool = {
                guard let endpoint else { return false }
                if case .remote(let url) = endpoint { return LoopbackRule.isLoopback(url) }
                return true
            }()
            oauth = OAuthSettings.read(json["auth"]!, directory: file.deletingLastPathComponent(), isLocal: local, reader: &reader)
            auth = "Bearer"
        } else {
            auth = reader.string(json, "auth", at: "$") ?? "SSWS"
            if auth != "SSWS" && auth != "Bearer" {
                reader.problem("$.auth", "expected \"SSWS\" (API token), \"Bearer\" (OAuth access token) or {\"oauth\": {…}} (service app)")
            }
        }
        let plainHTTP: Bool = {
            if case .remote(let url)? = endpoint { return url.scheme?.lowercased() == "http" }
            return false
        }()
        let proxy = OrgProxy.read(json, embedded: endpoint == .embedded, plainHTTP: plainHTTP, reader: &reader)
        var perMinute: Int?
        var share = defaultRateLimitShare
        if let limit = reader.object(json, "rateLimit", at: "$") {
            reader.rejectUnknownKeys(limit, at: "$.rateLimit", known: ["perMinute", "share"])
            perMinute = reader.int(limit, "perMinute", at: "$.rateLimit", range: 1...1_000_000)
            share = reader.double(limit, "share", at: "$.rateLimit", range: 0...1, lowerOpen: true) ?? share
        }
        var token: SecretReference?
        if json["token"] != nil, json["token"] != .null {
            token = readToken(json["token"]!, directory: file.deletingLastPathComponent(), reader: &reader)
        }
        let cooldown = reader.double(json, "sessionCooldownSeconds", at: "$", range: 0...3600, lowerOpen: false)
        guard let endpoint, reader.problems.count == before else { return nil }
        var config = OrgConfig(endpoint: endpoint, token: token, authScheme: auth, rateLimitPerMinute: perMinute,
                               rateLimitShare: share, file: file)
        config.sessionCooldownSeconds = cooldown
        if let alerts = reader.object(json, "alerts", at: "$") {
            config.alerts = AlertsConfig.read(alerts, at: "$.alerts", directory: file.deletingLastPathComponent(), reader: &reader)
        }
        config.oauth = oauth
        config.proxy = proxy
        if authIsObject {
            if token != nil {
                reader.problem("$.token", "not allowed together with auth.oauth: the service app's private key replaces the token")
                return nil
            }
            return oauth == nil ? nil : config
        }
        if token == nil, endpoint != .embedded {
            reader.problem("$.token", "required for a remote org: {\"env\": \"VAR\"} or {\"file\": \"secrets/name\"}")
            return nil
        }
        if case .value? = token, !config.isLocal {
            reader.problem("$.token.value", "an inline token is allowed only for embedded or loopback orgs; "
                           + "use {\"env\": \"VAR\"} or {\"file\": \"path\"} (mode 0600)")
            return nil
        }
        return config
    }

    static func readEndpoint(_ text: String, reader: inout ConfigReader) -> Endpoint? {
        if text == "embedded" { return .embedded }
        guard let url = URL(string: text) else {
            reader.problem("$.url", "expected \"embedded\" or an absolute URL such as \"https://acme.okta.com\"")
            return nil
        }
        switch LoopbackRule.check(url) {
        case nil, .userInfo?: break  // user info: refused below with the path and query
        case .notAbsolute?:
            reader.problem("$.url", "expected \"embedded\" or an absolute URL such as \"https://acme.okta.com\"")
            return nil
        case .unsupportedScheme(let scheme)?:
            reader.problem("$.url", "unsupported scheme \"\(scheme)\" (use https)")
            return nil
        case .plainHTTPToRemote?:
            reader.problem("$.url", "https is required (http is allowed only on loopback, e.g. http://127.0.0.1:8080)")
            return nil
        }
        guard url.path.isEmpty || url.path == "/", url.query == nil, url.fragment == nil, url.user == nil,
              url.password == nil else {
            reader.problem("$.url", "give the org's base URL only (no path, query or user), e.g. \"https://acme.okta.com\"")
            return nil
        }
        var base = text
        while base.hasSuffix("/") { base.removeLast() }
        return .remote(URL(string: base)!)
    }

    static func readToken(_ value: JSONValue, directory: URL, reader: inout ConfigReader) -> SecretReference? {
        SecretReference.read(value, at: "$.token", directory: directory, reader: &reader)
    }
}
