import Foundation
import HTTPServer
import XaasCrypto

/// `POST /oauth2/v1/token`: Okta's org authorization server for service apps (client credentials with
/// `private_key_jwt`, optionally DPoP-bound).
///
/// Checks, in Okta's order: grant type, assertion type, the assertion (the app by `iss` = `sub`, signature
/// by `kid` or each registered key, `aud` = this token URL, `exp` in the future and at most one hour after
/// `iat`, `iat` not in the future beyond 60 s of skew, `jti` never seen), the scopes (each granted to the
/// app), then DPoP (`requireDPoP`: a valid proof with the current nonce, or `use_dpop_nonce` first).
/// Parameters may come in the form body or the query (Okta's Python SDK sends them in the body).
///
/// Times: token lifetimes run on the emulator's clock (the manual clock moves expiry); assertion and proof
/// `iat`/`exp` are checked against the emulated wall clock (the host's plus `clockSkewSeconds`, even when the
/// clock is manual, because clients sign with theirs). Every answer carries that clock in `Date`, as Okta's do.
extension Emulator {
    static let assertionType = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
    static let clockSkew = 60.0

    func handleToken(_ request: HTTPRequest) -> HTTPResponse {
        guard request.method == "POST" else { return Self.methodNotAllowed(allow: "POST") }
        let tokenURL = Self.origin(request) + "/oauth2/v1/token"
        var form = Self.formParameters(request.target.split(separator: "?", maxSplits: 1).dropFirst().first.map(String.init) ?? "")
        for (k, v) in Self.formParameters(String(decoding: request.body, as: UTF8.self)) { form[k] = v }
        let wallNow = state.withLock { $0.clock.wallNow }
        let result = state.withLock { s -> Result<[String: Any], OAuthErrorAnswer> in
            Result { () throws(OAuthErrorAnswer) in try self.grant(form: form, tokenURL: tokenURL, request: request, state: &s) }
        }
        switch result {
        case .success(let body):
            var response = JSONBody.response(200, body)
            response.headers.set("Cache-Control", "no-store")
            response.headers.set("Pragma", "no-cache")
            response.headers.set("Date", OktaTime.http(wallNow))
            return response
        case .failure(let answer):
            var response = JSONBody.response(answer.status, ["error": answer.error, "error_description": answer.description])
            for (name, value) in answer.headers { response.headers.set(name, value) }
            response.headers.set("Date", OktaTime.http(wallNow))
            return response
        }
    }

    private func grant(form: [String: String], tokenURL: String, request: HTTPRequest,
                       state s: inout EmulatorState) throws(OAuthErrorAnswer) -> [String: Any] {
        guard form["grant_type"] == "client_credentials" else {
            throw OAuthErrorAnswer(status: 400, error: "unsupported_grant_type",
                                   description: "The authorization grant type is not supported by the authorization server.")
        }
        guard form["client_assertion_type"] == Self.assertionType, let text = form["client_assertion"] else {
            throw .invalidClient("Client authentication failed. Either the client or the client credentials are invalid.")
        }
        let signedAt = s.clock.wallNow
        guard let jwt = ParsedJWT(text), let iss = jwt.string("iss") else {
            throw .invalidClient("The client_assertion token is not a valid JWT.")
        }
        guard let (orgName, app) = Self.serviceApp(iss, in: configuration) else {
            throw .invalidClient("The client_assertion token has an invalid issuer: no service app \(iss).")
        }
        guard jwt.string("sub") == iss else { throw .invalidClient("The client_assertion token's sub must equal its iss.") }
        guard ["RS256", "ES256"].contains(jwt.algorithm ?? "") else {
            throw .invalidClient("The client_assertion token has an unsupported alg.")
        }
        let keys = app.candidates(kid: jwt.header["kid"] as? String)
        guard !keys.isEmpty else { throw .invalidClient("The client_assertion token's kid matches no key of the app.") }
        guard keys.contains(where: { jwt.verified(by: $0) }) else {
            throw .invalidClient("The client_assertion signature is invalid.")
        }
        let audiences = (jwt.claims["aud"] as? [String]) ?? [jwt.string("aud")].compactMap { $0 }
        guard audiences.contains(tokenURL) else {
            throw .invalidClient("The audience claim for client_assertion must be the endpoint invoked for the request.")
        }
        guard let exp = jwt.number("exp"), let iat = jwt.number("iat") else {
            throw .invalidClient("The client_assertion token must have exp and iat claims.")
        }
        guard exp > signedAt - Self.clockSkew else { throw .invalidClient("The client_assertion token is expired.") }
        guard iat <= signedAt + Self.clockSkew else { throw .invalidClient("The client_assertion token was issued in the future.") }
        guard exp - iat <= 3600 else {
            throw .invalidClient("The client_assertion token has an expiration too far in the future.")
        }
        guard let jti = jwt.string("jti"), !jti.isEmpty else { throw .invalidClient("The client_assertion token must have a jti claim.") }
        guard s.oauth.use(jti: "a:" + jti, until: exp + Self.clockSkew, now: signedAt) else {
            throw .invalidClient("The client_assertion token has already been used.")
        }
        let requested = (form["scope"] ?? "").split(separator: " ").map(String.init)
        guard !requested.isEmpty else {
            throw OAuthErrorAnswer(status: 400, error: "invalid_scope", description: "The authorization server requires a scope.")
        }
        let refused = requested.filter { !app.scopes.contains($0) }
        guard refused.isEmpty else {
            throw OAuthErrorAnswer(status: 400, error: "invalid_scope",
                                   description: "The following scopes are not allowed: \(refused.joined(separator: ", "))")
        }
        var jkt: String?
        if let proof = request.headers["DPoP"] {
            let key = try Self.checkProof(proof, method: "POST", url: tokenURL, token: nil, now: signedAt, state: &s.oauth)
            if jwtNonce(proof) != s.oauth.nonce {
                throw OAuthErrorAnswer(status: 400, error: "use_dpop_nonce",
                                       description: "Authorization server requires nonce in DPoP proof.",
                                       headers: [("DPoP-Nonce", s.oauth.nonce)])
            }
            jkt = key.thumbprint
        } else if app.requireDPoP {
            throw .invalidDPoP("The DPoP proof JWT header is missing.")
        }
        let lifetime = configuration.orgs.first { $0.name == orgName }?.accessTokenSeconds ?? 3600
        let token = s.oauth.issue(org: orgName, scopes: requested, lifetime: lifetime, jkt: jkt, now: s.clock.now)
        return ["token_type": jkt == nil ? "Bearer" : "DPoP", "expires_in": Int(lifetime), "access_token": token,
                "scope": requested.joined(separator: " ")]
    }

    private func jwtNonce(_ proof: String) -> String? { ParsedJWT(proof)?.string("nonce") }

    static func serviceApp(_ clientId: String, in configuration: EmulatorConfiguration) -> (String, ServiceApp)? {
        for org in configuration.orgs {
            if let app = org.serviceApps.first(where: { $0.clientId == clientId }) { return (org.name, app) }
        }
        return nil
    }

    /// `http://host:port` as the client addressed this server (the `Host` header).
    static func origin(_ request: HTTPRequest) -> String { "http://" + (request.headers["Host"] ?? "localhost") }

    /// `a=b&c=d` with `+` as space and percent-decoding.
    static func formParameters(_ text: String) -> [String: String] {
        var out: [String: String] = [:]
        for pair in text.split(separator: "&") {
            let kv = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let decode = { (s: Substring) in HTTPRequest.percentDecode(s.replacingOccurrences(of: "+", with: " ")) }
            out[decode(kv[0])] = kv.count > 1 ? decode(kv[1]) : ""
        }
        return out
    }

    static func methodNotAllowed(allow: String) -> HTTPResponse {
        let error = EmulatorError.methodNotAllowed([allow])
        var response = JSONBody.response(error.status, error.body(errorId: "oae" + Base64URL.encode(SecureRandom.bytes(12))))
        for (name, value) in error.headers { response.headers.set(name, value) }
        return response
    }
}
