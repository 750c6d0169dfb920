import Foundation
import HTTPServer
import XaasCrypto

/// Resource-server side of OAuth: who is calling (static tokens from the config, or access tokens issued
/// by ``handleToken(_:)``), DPoP binding checks (RFC 9449 §7: `cnf.jkt`, `ath`, `htm`, `htu`, replay), and
/// Okta's scope rule (`okta.identitySources.manage` includes read).
extension Emulator {
    /// The caller of an API request: its org and, for Bearer/DPoP tokens, its scopes (nil = every scope).
    struct Caller {
        var org: String
        var scopes: [String]?
    }

    /// Resolves the `Authorization` header (`SSWS`, `Bearer` or `DPoP`) to a caller, or the error to answer.
    func resolveCaller(_ request: HTTPRequest, state s: inout EmulatorState) -> Result<Caller, EmulatorError> {
        guard let header = request.headers["Authorization"] else { return .failure(.invalidToken) }
        let trimmed = header.trimmingCharacters(in: .whitespaces)
        if trimmed.lowercased().hasPrefix("dpop ") {
            return resolveIssued(String(trimmed.dropFirst(5)).trimmingCharacters(in: .whitespaces), dpop: true,
                                 request: request, state: &s)
        }
        guard let token = Self.token(header) else { return .failure(.invalidToken) }
        if let owner = s.tokens[token.value] { return .success(Caller(org: owner.org, scopes: token.bearer ? owner.scopes : nil)) }
        guard token.bearer else { return .failure(.invalidToken) }
        return resolveIssued(token.value, dpop: false, request: request, state: &s)
    }

    private func resolveIssued(_ token: String, dpop: Bool, request: HTTPRequest,
                               state s: inout EmulatorState) -> Result<Caller, EmulatorError> {
        let scheme = dpop ? "DPoP" : "Bearer"
        guard let issued = s.oauth.issued[token] else {
            return .failure(Self.tokenChallenge(scheme, request, "invalid_token", "The access token is invalid."))
        }
        guard s.clock.now < issued.expires else {
            s.oauth.issued[token] = nil
            return .failure(Self.tokenChallenge(scheme, request, "invalid_token", "The token has expired."))
        }
        if let jkt = issued.jkt {
            guard dpop, let proof = request.headers["DPoP"] else {
                return .failure(Self.tokenChallenge("DPoP", request, "invalid_token",
                                                    "The access token is DPoP-bound: send Authorization: DPoP and a DPoP proof."))
            }
            let signedAt = s.clock.wallNow
            do {
                let key = try Self.checkProof(proof, method: request.method, url: Self.origin(request) + request.path,
                                              token: token, now: signedAt, state: &s.oauth)
                guard key.thumbprint == jkt else {
                    return .failure(Self.tokenChallenge("DPoP", request, "invalid_dpop_proof",
                                                        "The DPoP proof key does not match the token's cnf.jkt.", status: 400))
                }
                if let challenge = nonceChallenge(proof, org: issued.org, request: request, state: &s) {
                    return .failure(challenge)
                }
            } catch {
                return .failure(Self.tokenChallenge("DPoP", request, error.error, error.description, status: 400))
            }
        } else if dpop {
            return .failure(Self.tokenChallenge("DPoP", request, "invalid_token", "The access token is not DPoP-bound."))
        }
        return .success(Caller(org: issued.org, scopes: issued.scopes))
    }

    /// When `org`'s resource server demands a nonce and `proof` lacks the current one: the 401
    /// `use_dpop_nonce` challenge with the nonce in `DPoP-Nonce` (RFC 9449 §9). The body carries the OAuth
    /// `error` too, which is where Okta's SDKs look for it.
    private func nonceChallenge(_ proof: String, org: String, request: HTTPRequest, state s: inout EmulatorState) -> EmulatorError? {
        guard let config = s.orgs[org]?.config, config.resourceDPoPNonce else { return nil }
        let nonce = s.oauth.resourceNonce(org: org, rotateSeconds: config.resourceDPoPNonceSeconds, now: s.clock.now)
        guard ParsedJWT(proof)?.string("nonce") != nonce else { return nil }
        s.orgs[org]?.stats.dpopNonceChallenges += 1
        let description = "Resource server requires nonce in DPoP proof."
        var challenge = Self.tokenChallenge("DPoP", request, "use_dpop_nonce", description)
        challenge.headers.append(("DPoP-Nonce", nonce))
        challenge.oauthError = (error: "use_dpop_nonce", description: description)
        return challenge
    }

    /// Whether `granted` covers `required`: `manage` includes `read` (Okta's rule).
    static func scopesAllow(_ granted: [String], _ required: String) -> Bool {
        if granted.contains(required) { return true }
        return required == "okta.identitySources.read" && granted.contains("okta.identitySources.manage")
    }

    /// A 401 (or `status`) with `WWW-Authenticate: <scheme> … error="…", error_description="…"`.
    static func tokenChallenge(_ scheme: String, _ request: HTTPRequest, _ error: String, _ description: String,
                               status: Int = 401) -> EmulatorError {
        let origin = origin(request)
        var e = EmulatorError.invalidToken
        e.status = status
        e.headers = [("WWW-Authenticate", "\(scheme) authorization_uri=\"\(origin)/oauth2/v1/authorize\", realm=\"\(origin)\", "
                      + "error=\"\(error)\", error_description=\"\(description)\"")]
        return e
    }

    /// Verifies a DPoP proof (typ, alg, embedded public JWK, signature, `htm`, `htu`, `iat` within 5 minutes,
    /// fresh `jti`, and `ath` when `token` is given); returns the proof's key.
    static func checkProof(_ proof: String, method: String, url: String, token: String?, now: Double,
                           state: inout OAuthState) throws(OAuthErrorAnswer) -> PublicKey {
        guard let jwt = ParsedJWT(proof), jwt.header["typ"] as? String == "dpop+jwt" else {
            throw .invalidDPoP("The DPoP proof JWT is malformed or its typ is not dpop+jwt.")
        }
        guard ["ES256", "RS256"].contains(jwt.algorithm ?? ""), let jwk = jwt.header["jwk"] as? [String: Any], jwk["d"] == nil else {
            throw .invalidDPoP("The DPoP proof JWT must carry alg ES256 or RS256 and a public jwk.")
        }
        let key: PublicKey
        do { key = try PublicKey(jwk: jwk.compactMapValues { $0 as? String }) } catch {
            throw .invalidDPoP("The DPoP proof jwk is invalid: \(error.message)")
        }
        guard jwt.verified(by: key) else { throw .invalidDPoP("The DPoP proof JWT signature is invalid.") }
        guard jwt.string("htm") == method else { throw .invalidDPoP("The DPoP proof htm does not match the request method.") }
        guard jwt.string("htu") == url else { throw .invalidDPoP("The DPoP proof htu does not match the request URL.") }
        guard let iat = jwt.number("iat"), abs(iat - now) <= 300 else {
            throw .invalidDPoP("The DPoP proof iat is missing or not within 5 minutes of the server's time.")
        }
        guard let jti = jwt.string("jti"), !jti.isEmpty, state.use(jti: "p:" + jti, until: iat + 600, now: now) else {
            throw .invalidDPoP("The DPoP proof jti is missing or was already used.")
        }
        if let token {
            guard jwt.string("ath") == Base64URL.encode(SHA256.hash(Array(token.utf8))) else {
                throw .invalidDPoP("The DPoP proof ath does not match the access token.")
            }
        }
        return key
    }
}
