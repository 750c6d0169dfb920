import Foundation
import XaasCrypto
import XaasJSON

/// `auth: {"oauth": {...}}` in `org.json`: an Okta OAuth 2.0 service app that authenticates with
/// `private_key_jwt` (RFC 7523) at `{url}/oauth2/v1/token`.
///
/// ```json
/// "auth": {"oauth": {"clientId": "0oa…", "privateKey": {"file": "secrets/acme-key.pem"}, "keyId": "kid",
///                    "scopes": ["okta.identitySources.manage"], "dpop": false}}
/// ```
/// `description` never shows the key.
public struct OAuthSettings: Sendable, CustomStringConvertible {
    public var clientId: String
    /// A PEM (PKCS#1, PKCS#8, SEC1) RSA or EC P-256 private key, or a private JWK (JSON text).
    public var privateKey: SecretReference
    /// The `kid` put in the assertion header, when the app has several keys.
    public var keyId: String?
    public var scopes: [String]
    /// DPoP-bound tokens (RFC 9449): a per-process EC P-256 proof key.
    public var dpop: Bool

    public static let defaultScopes = ["okta.identitySources.manage"]

    public init(clientId: String, privateKey: SecretReference, keyId: String? = nil,
                scopes: [String] = OAuthSettings.defaultScopes, dpop: Bool = false) {
        self.clientId = clientId
        self.privateKey = privateKey
        self.keyId = keyId
        self.scopes = scopes
        self.dpop = dpop
    }

    public var description: String {
        "oauth client \(clientId) (key \(privateKey), scopes \(scopes.joined(separator: " ")), dpop \(dpop))"
    }

    /// Resolves and parses the private key; errors name the secret source and what is wrong with the key,
    /// never its contents.
    public func loadKey() throws(ConfigProblem) -> PrivateKey {
        let text: String
        do { text = try privateKey.resolve(multiline: true) } catch {
            throw ConfigProblem(file: error.file, jsonPath: "$.auth.oauth.privateKey", message: error.message)
        }
        return try Self.parseKey(text, source: privateKey.description)
    }

    /// A PEM or JWK private key from `text`.
    static func parseKey(_ text: String, source: String) throws(ConfigProblem) -> PrivateKey {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        do throws(CryptoError) {
            if trimmed.hasPrefix("{") {
                guard let json = try? JSONValue.parse(bytes: Array(trimmed.utf8)), case .object(let members) = json else {
                    throw CryptoError("the JWK is not a JSON object")
                }
                var strings: [String: String] = [:]
                for (key, value) in members { if let text = value.stringValue { strings[key] = text } }
                return try PrivateKey(jwk: strings)
            }
            return try PrivateKey(pem: trimmed)
        } catch {
            throw ConfigProblem(file: source, jsonPath: "$.auth.oauth.privateKey",
                                message: "\(error.message); expected a PEM (PKCS#1, PKCS#8 or SEC1) RSA or EC P-256 private key or a private JWK")
        }
    }

    /// Reads `{"oauth": {...}}` (the value of `auth`), reporting problems under `$.auth.oauth`.
    static func read(_ json: JSONValue, directory: URL, isLocal: Bool, reader: inout ConfigReader) -> OAuthSettings? {
        let at = "$.auth"
        reader.rejectUnknownKeys(json, at: at, known: ["oauth"])
        guard let oauth = reader.object(json, "oauth", at: at) else {
            reader.problem(at, "expected \"SSWS\", \"Bearer\" or {\"oauth\": {\"clientId\": …, \"privateKey\": …}}")
            return nil
        }
        let base = "$.auth.oauth"
        let before = reader.problems.count
        reader.rejectUnknownKeys(oauth, at: base, known: ["clientId", "privateKey", "keyId", "scopes", "dpop"])
        let clientId = reader.string(oauth, "clientId", at: base, required: true)
        let keyId = reader.string(oauth, "keyId", at: base)
        var scopes = defaultScopes
        if let list = oauth["scopes"] {
            if let items = list.arrayValue, !items.isEmpty, items.allSatisfy({ ($0.stringValue ?? "").isEmpty == false }) {
                scopes = items.compactMap(\.stringValue)
            } else {
                reader.problem("\(base).scopes", "expected a non-empty array of scope names, e.g. [\"okta.identitySources.manage\"]")
            }
        }
        var dpop = false
        if let flag = oauth["dpop"] {
            if case .bool(let value) = flag { dpop = value } else { reader.problem("\(base).dpop", "expected true or false") }
        }
        var key: SecretReference?
        if let keyJSON = oauth["privateKey"] {
            key = SecretReference.read(keyJSON, at: "\(base).privateKey", directory: directory, reader: &reader)
            if case .value? = key, !isLocal {
                reader.problem("\(base).privateKey.value", "an inline key is allowed only for embedded or loopback orgs; "
                               + "use {\"file\": \"path\"} (mode 0600), {\"env\": \"VAR\"} or {\"command\": […]}")
            }
        } else {
            reader.problem("\(base).privateKey", "required: {\"file\": \"secrets/key.pem\"} (mode 0600), {\"env\": \"VAR\"} or {\"command\": […]}")
        }
        guard let clientId, let key, reader.problems.count == before else { return nil }
        return OAuthSettings(clientId: clientId, privateKey: key, keyId: keyId, scopes: scopes, dpop: dpop)
    }
}
