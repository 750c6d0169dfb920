import Foundation
import XaasCrypto

/// The emulator's authorization-server state (in memory only: a restart invalidates every token, which
/// clients must survive by renewing): issued access tokens, used `jti`s, the DPoP nonce.
struct OAuthState {
    struct Issued {
        var org: String
        var scopes: [String]
        var expires: Double
        /// RFC 7638 thumbprint of the DPoP key the token is bound to (`cnf.jkt`), nil for Bearer tokens.
        var jkt: String?
    }

    var issued: [String: Issued] = [:]
    /// Used assertion and proof `jti`s with the time after which they may be forgotten.
    var usedJTIs: [String: Double] = [:]
    /// The nonce the token endpoint demands in DPoP proofs (`use_dpop_nonce`).
    var nonce = Base64URL.encode(SecureRandom.bytes(16))
    /// Per org: the nonce its resource server demands (``EmulatorConfiguration/Org/resourceDPoPNonce``) and
    /// when it was made (emulator clock).
    var resourceNonces: [String: (value: String, since: Double)] = [:]

    /// `org`'s current resource-server nonce, a new one once `rotateSeconds` (> 0) have passed.
    mutating func resourceNonce(org: String, rotateSeconds: Double, now: Double) -> String {
        if let current = resourceNonces[org], rotateSeconds <= 0 || now - current.since < rotateSeconds { return current.value }
        let fresh = Base64URL.encode(SecureRandom.bytes(16))
        resourceNonces[org] = (fresh, now)
        return fresh
    }

    /// Records `jti`; false when it was already used (replay).
    mutating func use(jti: String, until: Double, now: Double) -> Bool {
        if usedJTIs.count > 10_000 { usedJTIs = usedJTIs.filter { $0.value > now } }
        guard usedJTIs[jti] == nil else { return false }
        usedJTIs[jti] = until
        return true
    }

    /// A new opaque access token.
    mutating func issue(org: String, scopes: [String], lifetime: Double, jkt: String?, now: Double) -> String {
        if issued.count > 10_000 { issued = issued.filter { $0.value.expires > now } }
        let token = "emu." + Base64URL.encode(SecureRandom.bytes(32))
        issued[token] = Issued(org: org, scopes: scopes, expires: now + lifetime, jkt: jkt)
        return token
    }
}

/// An OAuth error answer: `{"error", "error_description"}` (not Okta's `errorCode` shape), as Okta's
/// authorization server sends it.
struct OAuthErrorAnswer: Error {
    var status: Int
    var error: String
    var description: String
    var headers: [(String, String)] = []

    static func invalidClient(_ description: String) -> OAuthErrorAnswer {
        OAuthErrorAnswer(status: 401, error: "invalid_client", description: description)
    }

    static func invalidDPoP(_ description: String) -> OAuthErrorAnswer {
        OAuthErrorAnswer(status: 400, error: "invalid_dpop_proof", description: description)
    }
}

/// A signed JWT, parsed (signature not yet checked).
struct ParsedJWT {
    let header: [String: Any]
    let claims: [String: Any]
    let parts: CompactJWS.Parts

    init?(_ text: String) {
        guard let parts = CompactJWS.parse(text),
              let header = (try? JSONSerialization.jsonObject(with: Data(parts.header))) as? [String: Any],
              let claims = (try? JSONSerialization.jsonObject(with: Data(parts.payload))) as? [String: Any] else { return nil }
        self.header = header
        self.claims = claims
        self.parts = parts
    }

    var algorithm: String? { header["alg"] as? String }

    func string(_ claim: String) -> String? { claims[claim] as? String }

    func number(_ claim: String) -> Double? { (claims[claim] as? NSNumber)?.doubleValue }

    func verified(by key: PublicKey) -> Bool {
        guard let algorithm else { return false }
        return key.verify(signature: parts.signature, message: parts.signingInput, algorithm: algorithm)
    }
}
