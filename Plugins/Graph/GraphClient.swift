import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import PluginKit
import XaasJSON

/// Authorised, retried GETs against the Graph API, with tokens from ``GraphSettings/Auth``.
///
/// - 429, 503 and 504 (and other 5xx, and network errors) are retried up to `maxRetries` times,
///   honouring `Retry-After` (seconds or HTTP-date) when it is at most `maxRetryDelaySeconds`, else with
///   capped exponential backoff and jitter; then surfaced as `RATE_LIMITED` (429) or `TRANSIENT` with
///   the wait as `retry_after_ms`, so the host's planner retries the same cursor.
/// - 401 refreshes the token once (a new client-credentials token, or the bearer secret re-read).
/// - Client-credentials tokens are renewed ahead of expiry (60 s, or a tenth of their lifetime).
/// - Requests only go to the origin of `baseUrl`; secrets never appear in errors or logs.
///
/// ## Threading
/// `[instance-serial]`: used by the connector's read thread only (cancellation goes through ``GraphHTTP``).
final class GraphClient {
    /// The result of a GET that may legitimately fail with a resync request (delta links).
    enum Outcome {
        case ok(JSONValue)
        /// 410 Gone or an expired/invalid sync state: the delta round must restart (reason for the notes).
        case resync(String)
    }

    let settings: GraphSettings
    let http: GraphHTTP
    private let host: HostServices
    private let policy: RetryPolicy
    private var token: String?
    private var tokenRenewAt: Date?
    /// Requests sent (for the tests' and the logs' benefit).
    private(set) var requestCount = 0

    init(settings: GraphSettings, host: HostServices) {
        self.settings = settings
        self.host = host
        http = GraphHTTP(timeoutSeconds: settings.timeoutSeconds)
        policy = RetryPolicy(maxRetries: settings.maxRetries, maxDelaySeconds: settings.maxRetryDelaySeconds)
    }

    private func isCancelled() -> Bool { host.isCancelled }

    /// GETs `urlText` (used verbatim) and parses its JSON body.
    /// `followingLink`: `urlText` came from the server (a nextLink or deltaLink), not from the settings.
    func get(_ urlText: String, headers: [String: String] = [:], allowResync: Bool = false,
             followingLink: Bool = false) throws -> Outcome {
        guard let url = URL(string: urlText) else {
            throw ConnectorError.sourceData("Graph returned a link that is not a URL: \(urlText.prefix(200))")
        }
        guard GraphSettings.origin(of: url) == settings.origin else {
            throw ConnectorError.sourceData(
                "refusing to follow a link to \(GraphSettings.origin(of: url) ?? "?") (settings.baseUrl is \(settings.origin)): "
                + "credentials are only sent to the configured host")
        }
        var refreshed = false
        var attempt = 0
        let what = "GET \(url.path)"
        while true {
            var request = URLRequest(url: url)
            request.httpMethod = "GET"
            request.setValue("application/json", forHTTPHeaderField: "Accept")
            for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
            request.setValue("Bearer " + (try accessToken()), forHTTPHeaderField: "Authorization")
            guard let response = try send(request, what: what, attempt: &attempt) else { continue }
            switch response.status {
            case 200..<300:
                do { return .ok(try JSONValue.parse(bytes: [UInt8](response.body))) } catch {
                    throw ConnectorError.sourceData("\(what): the response is not valid JSON (\(error))")
                }
            case 401 where !refreshed:
                refreshed = true
                host.log(.info, "graph: \(what) returned 401; renewing the access token once")
                token = nil
                continue
            case 410 where allowResync:
                return .resync("the delta link expired (410 Gone)")
            case 400 where allowResync:
                let code = GraphError(response).code ?? ""
                if ["syncStateNotFound", "syncStateInvalid", "resyncRequired", "Directory_ExpiredPageToken", "badRequest"].contains(code) {
                    return .resync("the delta token is no longer valid (\(code))")
                }
                throw GraphError(response).connectorError(what: what, redacting: token, followingLink: followingLink)
            case 429, 500, 502, 503, 504:
                let hint = RetryPolicy.retryAfterSeconds(response.header("Retry-After"))
                let detail = GraphError(response).summary(redacting: token)
                try retryOrThrow(what: what, reason: "HTTP \(response.status)\(detail)", status: response.status,
                                 retryAfter: hint, attempt: &attempt)
            default:
                throw GraphError(response).connectorError(what: what, redacting: token, followingLink: followingLink)
            }
        }
    }

    /// Sleeps before the next attempt, or throws `RATE_LIMITED`/`TRANSIENT` with the wait as a hint.
    /// Sends one request; `nil` means a network error that is worth retrying (after the backoff
    /// ``retryOrThrow(what:reason:status:retryAfter:attempt:)`` already waited), so the caller loops.
    private func send(_ request: URLRequest, what: String, attempt: inout Int) throws -> GraphResponse? {
        do {
            requestCount += 1
            return try http.send(request, isCancelled: isCancelled)
        } catch .cancelled {
            throw ConnectorError.cancelled("Graph read cancelled")
        } catch .redirectRefused(let redirect) {
            throw ConnectorError.sourceData("\(what): \(redirect); point settings.baseUrl (or the tokenUrl) at the final address")
        } catch {
            try retryOrThrow(what: what, reason: "network error (\(error))", status: nil, retryAfter: nil, attempt: &attempt)
            return nil
        }
    }

    private func retryOrThrow(what: String, reason: String, status: Int?, retryAfter: Double?, attempt: inout Int) throws {
        let wait = retryAfter ?? policy.backoff(attempt: attempt)
        let milliseconds = UInt32(clamping: Int((wait * 1000).rounded(.up)))
        if attempt < policy.maxRetries, wait <= policy.maxDelaySeconds {
            attempt += 1
            host.log(.warning, "graph: \(what): \(reason); retry \(attempt) of \(policy.maxRetries) in "
                     + String(format: "%.1f", wait) + " s" + (retryAfter != nil ? " (Retry-After)" : ""))
            do { try http.sleep(wait, isCancelled: isCancelled) } catch {
                throw ConnectorError.cancelled("Graph read cancelled")
            }
            return
        }
        let message = "\(what): \(reason) after \(attempt + 1) attempt(s); retry in " + String(format: "%.1f", wait) + " s"
        if status == 429 { throw ConnectorError.rateLimited(message, retryAfterMilliseconds: milliseconds) }
        throw ConnectorError.transient(message, retryAfterMilliseconds: milliseconds)
    }

    /// The current access token, fetching or renewing it when needed.
    private func accessToken() throws -> String {
        switch settings.auth {
        case .bearer(let secret):
            if let token { return token }
            let value = try secret.resolve()
            token = value
            return value
        case .clientCredentials(let tokenURL, let clientId, let secret, let scope):
            if let token, let renewAt = tokenRenewAt, Date() < renewAt { return token }
            let value = try fetchToken(tokenURL: tokenURL, clientId: clientId, secret: secret.resolve(), scope: scope)
            return value
        }
    }

    /// The OAuth 2.0 client-credentials grant (RFC 6749 §4.4), with the same retry rules as GETs.
    private func fetchToken(tokenURL: URL, clientId: String, secret: String, scope: String) throws -> String {
        let what = "token request to \(tokenURL.host ?? "")\(tokenURL.path)"
        var attempt = 0
        while true {
            var request = URLRequest(url: tokenURL)
            request.httpMethod = "POST"
            request.setValue("application/x-www-form-urlencoded", forHTTPHeaderField: "Content-Type")
            request.setValue("application/json", forHTTPHeaderField: "Accept")
            let form = [("grant_type", "client_credentials"), ("client_id", clientId), ("client_secret", secret), ("scope", scope)]
            request.httpBody = Data(GraphSettings.queryString(form).utf8)
            guard let response = try send(request, what: what, attempt: &attempt) else { continue }
            switch response.status {
            case 200:
                guard let json = try? JSONValue.parse(bytes: [UInt8](response.body)),
                      let value = json["access_token"]?.stringValue, !value.isEmpty else {
                    throw ConnectorError.auth("\(what): the response has no access_token")
                }
                let lifetime = json["expires_in"]?.doubleValue ?? json["expires_in"]?.stringValue.flatMap(Double.init) ?? 3600
                let margin = min(60, lifetime / 10)
                token = value
                tokenRenewAt = Date().addingTimeInterval(max(0, lifetime - margin))
                host.log(.debug, "graph: obtained an access token valid for \(Int(lifetime)) s")
                return value
            case 429, 500, 502, 503, 504:
                try retryOrThrow(what: what, reason: "HTTP \(response.status)", status: response.status,
                                 retryAfter: RetryPolicy.retryAfterSeconds(response.header("Retry-After")), attempt: &attempt)
            default:
                let json = try? JSONValue.parse(bytes: [UInt8](response.body))
                let code = json?["error"]?.stringValue ?? "HTTP \(response.status)"
                var description = json?["error_description"]?.stringValue ?? ""
                description = GraphError.redact(String(description.split(separator: "\n").first ?? ""), [secret])
                let message = "\(what) failed: HTTP \(response.status) \(code)" + (description.isEmpty ? "" : ": \(description.prefix(300))")
                    + "; check settings.auth (clientId, clientSecret, tokenUrl, scope)"
                if response.status == 400 || response.status == 401 || response.status == 403 {
                    throw ConnectorError.auth(message)
                }
                throw ConnectorError.config(message)
            }
        }
    }
}
