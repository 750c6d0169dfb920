import Foundation
import XaasJSON
import XaasText

/// The optional `connectors.d/xaas.json`: settings of xaas itself rather than of one tenant.
///
/// ```json
/// {"serve":  {"token": {"env": "XAAS_SERVE_TOKEN"}},
///  "alerts": {"webhook": {"url": "https://hooks.example.com/xaas", "secret": {"file": "secrets/webhook"}},
///             "notSucceededForMinutes": 120}}
/// ```
/// Unknown keys are refused (each section is read by its own type, so more sections can be added).
public struct XaasConfig: Sendable {
    /// `serve.token`: the bearer token the status page's actions require.
    public var serveToken: SecretReference?
    /// `alerts`: where failed, blocked and recovered runs are reported.
    public var alerts: AlertsConfig?
    /// `state`: the PostgreSQL state backend (several `xaas serve` hosts); `nil` = SQLite.
    public var state: StateConfig?

    public init(serveToken: SecretReference? = nil, alerts: AlertsConfig? = nil) {
        self.serveToken = serveToken
        self.alerts = alerts
    }

    static let knownKeys = ["serve", "alerts", "state"]

    /// Reads `xaas.json` when present (an absent file is an empty config).
    static func load(_ url: URL) -> (XaasConfig, [ConfigProblem]) {
        guard FileManager.default.fileExists(atPath: url.path) else { return (XaasConfig(), []) }
        var reader = ConfigReader(file: ConfigDirectory.displayPath(url))
        guard let json = reader.parseFile(url) else { return (XaasConfig(), reader.problems) }
        reader.rejectUnknownKeys(json, at: "$", known: knownKeys)
        var config = XaasConfig()
        let directory = url.deletingLastPathComponent()
        if let serve = reader.object(json, "serve", at: "$") {
            reader.rejectUnknownKeys(serve, at: "$.serve", known: ["token"])
            if let token = serve["token"], token != .null {
                config.serveToken = readSecret(token, at: "$.serve.token", directory: directory, inlineAllowed: false,
                                               reader: &reader)
            }
        }
        if let alerts = reader.object(json, "alerts", at: "$") {
            config.alerts = AlertsConfig.read(alerts, at: "$.alerts", directory: directory, reader: &reader)
        }
        if let state = reader.object(json, "state", at: "$") {
            config.state = StateConfig.read(state, at: "$.state", directory: directory, reader: &reader)
        }
        return (config, reader.problems)
    }

    /// Reads a secret reference (`{"env"}`, `{"file"}`, `{"value"}`) at `path` with the rules of `org.json`'s
    /// token; an inline value only where `inlineAllowed` (loopback test setups).
    static func readSecret(_ value: JSONValue, at path: String, directory: URL, inlineAllowed: Bool,
                           reader: inout ConfigReader) -> SecretReference? {
        var sub = ConfigReader(file: reader.file)
        let secret = OrgConfig.readToken(value, directory: directory, reader: &sub)
        for p in sub.problems {
            reader.problem(path + p.jsonPath.dropFirst("$.token".count), p.message)
        }
        if case .value? = secret, !inlineAllowed {
            reader.problem(path + ".value", "an inline secret is not allowed here; use {\"env\": \"VAR\"} or {\"file\": \"path\"} (mode 0600)")
            return nil
        }
        return secret
    }
}

/// `alerts` (in `xaas.json`, or in a tenant's `org.json` for that tenant's sources).
public struct AlertsConfig: Sendable {
    /// The webhook URL: https, or http on loopback only.
    public var url: URL
    /// The HMAC-SHA256 key of the `X-Xaas-Signature` header.
    public var secret: SecretReference
    /// Alert when a source has not succeeded for this long (`xaas serve` only).
    public var notSucceededForMinutes: Int?

    static func read(_ json: JSONValue, at path: String, directory: URL, reader: inout ConfigReader) -> AlertsConfig? {
        reader.rejectUnknownKeys(json, at: path, known: ["webhook", "notSucceededForMinutes"])
        let stale = reader.int(json, "notSucceededForMinutes", at: path, range: 1...525_600)
        guard let webhook = reader.object(json, "webhook", at: path, required: true) else { return nil }
        let at = path + ".webhook"
        reader.rejectUnknownKeys(webhook, at: at, known: ["url", "secret"])
        guard let text = reader.string(webhook, "url", at: at, required: true) else { return nil }
        guard let url = URL(string: text), LoopbackRule.check(url) == nil else {
            reader.problem(at + ".url", "expected an https URL (http only on loopback, e.g. http://127.0.0.1:8080/hook)")
            return nil
        }
        guard let secretJSON = webhook["secret"], secretJSON != .null else {
            reader.problem(at + ".secret", "required: {\"env\": \"VAR\"} or {\"file\": \"path\"} (the HMAC key)")
            return nil
        }
        guard let secret = XaasConfig.readSecret(secretJSON, at: at + ".secret", directory: directory,
                                                 inlineAllowed: LoopbackRule.isLoopback(url), reader: &reader) else { return nil }
        return AlertsConfig(url: url, secret: secret, notSucceededForMinutes: stale)
    }
}
