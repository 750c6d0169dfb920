import Foundation
import XaasJSON

/// Turns an OAuth error response (`{"error", "error_description"}`) into an ``OktaError`` whose message
/// names the OAuth error and what to check. Never includes the assertion, key or token.
enum OAuthFailure {
    /// Clock differences up to this many seconds are not worth naming (Okta allows some skew).
    static let toleratedSkewSeconds = 30

    /// `serverDate`: the answer's `Date` header (epoch seconds), compared with `now` (this host's clock)
    /// to say how far the clocks differ when the assertion's time was refused.
    static func error(status: Int, body: [UInt8], requestId: String?, operation: String, clientId: String,
                      serverDate: Int? = nil, now: Date = Date()) -> OktaError {
        let json = try? JSONValue.parse(bytes: body)
        let code = json?["error"]?.stringValue ?? (status == 401 ? "invalid_client" : "http_\(status)")
        let detail = json?["error_description"]?.stringValue
        var error = OktaError(kind: status == 429 ? .rateLimited : .api, httpStatus: status, errorCode: code,
                              errorSummary: "OAuth token request refused" + (detail.map { ": \($0)" } ?? ""),
                              requestId: requestId, operation: operation)
        let skew = serverDate.map { $0 - Int(now.timeIntervalSince1970) }
        if (300..<400).contains(status) {
            error.errorCode = "redirect"
            error.message = "the token endpoint answered a redirect, which is not followed (credentials never go to "
                + "another address): check the org url in org.json (the org's own https://<org>.okta.com, no path)"
        } else if isClockProblem(detail, skew: skew) {
            error.message = clockHint(skew: skew, now: now)
        } else {
            error.message = hint(code, clientId: clientId)
        }
        return error
    }

    /// Whether the refusal is about the assertion's time (`iat`/`exp`), or the clocks plainly differ.
    static func isClockProblem(_ detail: String?, skew: Int?) -> Bool {
        if let skew, abs(skew) > toleratedSkewSeconds { return true }
        let text = (detail ?? "").lowercased()
        return ["expired", "in the future", "iat", "not yet valid"].contains { text.contains($0) }
    }

    /// What to check when Okta refused the assertion's time: this host's clock, by how much it is off
    /// when the answer's `Date` says so.
    static func clockHint(skew: Int?, now: Date) -> String {
        let here = "this host's clock says \(isoTime(now))"
        guard let skew, abs(skew) > toleratedSkewSeconds else {
            return "check this host's clock (\(here)): Okta judges the client assertion's iat and exp (valid 5 minutes) "
                + "by its own clock; synchronise this host with NTP (e.g. timedatectl, chrony)"
        }
        return "check this host's clock: Okta's clock (its Date header) is \(abs(skew)) s \(skew > 0 ? "ahead of" : "behind") "
            + "this host's (\(here)), and Okta judges the client assertion's iat and exp (valid 5 minutes) by its own clock; "
            + "synchronise this host with NTP (e.g. timedatectl, chrony)"
    }

    /// `2026-12-04T20:40:00Z`.
    static func isoTime(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: date)
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
