import Foundation
import XaasCrypto

/// An OAuth 2.0 service app registered with an emulated org (`"serviceApps"` in the org's config):
/// its client ID, public keys (a JWKS), granted scopes and whether it requires DPoP.
public struct ServiceApp: Sendable {
    public var clientId: String
    /// Public JWKs with their optional `kid`.
    public var keys: [(kid: String?, key: PublicKey)]
    public var scopes: [String]
    public var requireDPoP: Bool

    public init(clientId: String, keys: [(kid: String?, key: PublicKey)], scopes: [String], requireDPoP: Bool = false) {
        self.clientId = clientId
        self.keys = keys
        self.scopes = scopes
        self.requireDPoP = requireDPoP
    }

    /// The keys to try for an assertion: the one named by `kid`, or every key when there is no `kid`.
    func candidates(kid: String?) -> [PublicKey] {
        guard let kid else { return keys.map(\.key) }
        return keys.filter { $0.kid == kid }.map(\.key)
    }
}

extension EmulatorConfigReader {
    /// `"serviceApps": [{"clientId", "jwks": {"keys": [...]}, "scopes": [...], "requireDPoP": false}]`.
    func readServiceApps(_ raw: Any, _ at: String) throws -> [ServiceApp] {
        guard let list = raw as? [Any] else { throw fail(at, "expected an array of service apps") }
        return try list.enumerated().map { i, item in
            let path = "\(at)[\(i)]"
            let o = try object(item, path, allowed: ["clientId", "jwks", "scopes", "requireDPoP"])
            guard let id = o["clientId"] else { throw fail("\(path).clientId", "missing") }
            let jwks = try object(o["jwks"] ?? [String: Any](), "\(path).jwks", allowed: ["keys"])
            guard let keyList = jwks["keys"] as? [Any], !keyList.isEmpty else {
                throw fail("\(path).jwks.keys", "expected a non-empty array of public JWKs")
            }
            let keys: [(kid: String?, key: PublicKey)] = try keyList.enumerated().map { k, rawKey in
                guard let members = rawKey as? [String: Any] else { throw fail("\(path).jwks.keys[\(k)]", "expected a JWK object") }
                let strings = members.compactMapValues { $0 as? String }
                do { return (strings["kid"], try PublicKey(jwk: strings)) } catch {
                    throw fail("\(path).jwks.keys[\(k)]", (error as? CryptoError)?.message ?? "\(error)")
                }
            }
            let scopes = try o["scopes"].map { try strings($0, "\(path).scopes") } ?? ["okta.identitySources.manage"]
            let dpop = try o["requireDPoP"].map { try bool($0, "\(path).requireDPoP") } ?? false
            return ServiceApp(clientId: try string(id, "\(path).clientId"), keys: keys, scopes: scopes, requireDPoP: dpop)
        }
    }
}
