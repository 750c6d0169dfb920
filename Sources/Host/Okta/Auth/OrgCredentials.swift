import Foundation
import XaasJSON

/// How an ``OktaClient`` authenticates: a static API token / access token, or an OAuth service app
/// (``OAuthTokenSource``). Thread-safe.
public enum OrgCredentials: Sendable {
    case token(OktaSecret, OktaAuthScheme)
    case oauth(OAuthTokenSource)

    /// The headers for one attempt: `Authorization` (and `DPoP`), plus the secret to scrub from errors.
    struct Authorization: Sendable {
        var headers: [(String, String)]
        var secret: OktaSecret
    }

    func authorize(method: String, url: URL) async throws(OktaError) -> Authorization {
        switch self {
        case .token(let secret, let scheme):
            return Authorization(headers: [("Authorization", "\(scheme.rawValue) \(secret.reveal())")], secret: secret)
        case .oauth(let source):
            let token = try await source.accessToken()
            var headers = [("Authorization", "\(token.type) \(token.token.reveal())")]
            if let proof = try await source.resourceProof(method: method, url: url, token: token.token) {
                headers.append(("DPoP", proof))
            }
            return Authorization(headers: headers, secret: token.token)
        }
    }

    /// What to do about an OAuth challenge in `response`: `true` to send the request again at once
    /// (a fresh token after 401 `invalid_token`, or a proof with the server's new `DPoP-Nonce`).
    /// `renewed` / `nonced` make each of those happen at most once per call.
    func shouldRetry(_ response: TransportResponse, sent: Authorization, renewed: inout Bool, nonced: inout Bool) async -> Bool {
        guard case .oauth(let source) = self, response.status == 401 || response.status == 400 else { return false }
        let challenge = response.header("WWW-Authenticate") ?? ""
        let bodyError = (try? JSONValue.parse(bytes: response.body))?["error"]?.stringValue
        if challenge.contains("use_dpop_nonce") || bodyError == "use_dpop_nonce", let nonce = response.header("DPoP-Nonce"), !nonced {
            nonced = true
            await source.setResourceNonce(nonce)
            return true
        }
        if response.status == 401, challenge.contains("invalid_token"), !renewed {
            renewed = true
            await source.invalidate(sent.secret)
            return true
        }
        return false
    }
}
