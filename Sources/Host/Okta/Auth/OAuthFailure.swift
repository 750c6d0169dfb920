import XaasJSON

/// Turns an OAuth error response (`{"error", "error_description"}`) into an ``OktaError`` whose message
/// names the OAuth error and what to check. Never includes the assertion, key or token.
enum OAuthFailure {
    static func error(status: Int, body: [UInt8], requestId: String?, operation: String, clientId: String) -> OktaError {
        let json = try? JSONValue.parse(bytes: body)
        let code = json?["error"]?.stringValue ?? (status == 401 ? "invalid_client" : "http_\(status)")
        let detail = json?["error_description"]?.stringValue
        var error = OktaError(kind: status == 429 ? .rateLimited : .api, httpStatus: status, errorCode: code,
                              errorSummary: "OAuth token request refused" + (detail.map { ": \($0)" } ?? ""),
                              requestId: requestId, operation: operation)
        error.message = hint(code, clientId: clientId)
        return error
    }

    /// What an admin should check for each OAuth error.
    static func hint(_ code: String, clientId: String) -> String {
        switch code {
        case "invalid_client":
            return "check auth.oauth.clientId (\(clientId)), that the app uses public key / private key authentication, "
                + "that the public key registered in Okta matches auth.oauth.privateKey (and keyId), and that this host's clock is right"
        case "invalid_scope":
            return "grant the scopes in auth.oauth.scopes to the app in Okta (Okta API Scopes tab: okta.identitySources.manage)"
        case "invalid_dpop_proof":
            return "the app's DPoP setting and auth.oauth.dpop must agree (Require DPoP header in token requests)"
        case "unauthorized_client":
            return "the app must allow the Client Credentials grant"
        case "invalid_grant":
            return "the assertion was refused: check this host's clock and the key"
        default:
            return "check the service app in the Okta Admin Console"
        }
    }
}
