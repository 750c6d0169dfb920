import Foundation
import XaasCrypto
import XaasJSON

/// Builds DPoP proofs (RFC 9449 §4): an ES256 JWT signed by a per-process EC P-256 key whose public JWK is
/// in the header. Thread-safe (immutable).
struct DPoPProver: Sendable {
    let key: PrivateKey
    let publicJWK: JSONValue

    init() throws(CryptoError) {
        key = try PrivateKey.generateECP256()
        let jwk = key.publicKey.jwk
        publicJWK = .object(["crv", "kty", "x", "y"].map { ($0, JSONValue.string(jwk[$0] ?? "")) })
    }

    /// A proof for `method` on `url` (query and fragment dropped), bound to `accessToken` (`ath`) on
    /// resource calls, carrying the server's `nonce` when it asked for one.
    func proof(method: String, url: URL, accessToken: OktaSecret?, nonce: String?, now: Date) throws(CryptoError) -> String {
        let header: JSONValue = .object([("typ", .string("dpop+jwt")), ("alg", .string("ES256")), ("jwk", publicJWK)])
        var claims: [(key: String, value: JSONValue)] = [
            ("jti", .string(SecureRandom.uuid())), ("htm", .string(method)), ("htu", .string(Self.htu(url))),
            ("iat", .number(String(Int(now.timeIntervalSince1970)))),
        ]
        if let accessToken { claims.append(("ath", .string(Self.ath(accessToken.reveal())))) }
        if let nonce { claims.append(("nonce", .string(nonce))) }
        return try CompactJWS.sign(headerJSON: header.serialized, payloadJSON: JSONValue.object(claims).serialized, key: key)
    }

    /// `htu`: the URL without query and fragment.
    static func htu(_ url: URL) -> String {
        var text = url.absoluteString
        if let cut = text.firstIndex(where: { $0 == "?" || $0 == "#" }) { text = String(text[..<cut]) }
        return text
    }

    /// `ath`: base64url(SHA-256(access token)).
    static func ath(_ token: String) -> String { Base64URL.encode(SHA256.hash(Array(token.utf8))) }
}
