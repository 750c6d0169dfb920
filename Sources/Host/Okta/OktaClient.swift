import Foundation
import XaasJSON
import XaasText

/// A client for Okta's Identity Sources ("Anything-as-a-Source") API: import sessions, bulk uploads,
/// start-import and user look-ups, with Okta-style 429 handling and safe retries.
///
/// Thread-safe: every stored property is immutable; one client may be shared by many tasks.
/// Retries: 429 waits for `X-Rate-Limit-Reset` (relative to `Date`); 5xx and transport errors back off
/// exponentially, but only idempotent calls are repeated blindly. `createSession` and `startImport`
/// re-read the session state after an ambiguous failure before deciding to retry.
public final class OktaClient: Sendable {
    public let configuration: OktaClientConfiguration
    let observer: (any RateLimitObserver)?
    let transport: any HTTPTransport
    /// Sleeps for the given seconds (injectable so tests don't wait).
    let sleep: @Sendable (Double) async -> Void
    /// A uniform random number in [0, 1) for jitter (injectable so tests are deterministic).
    let random: @Sendable () -> Double
    /// `baseURL` as text without a trailing slash.
    let base: String
    /// Bulk requests per session that Okta may have counted (``bulkRequestsCounted(sessionId:)``).
    let bulkLedger = BulkRequestLedger()

    /// Refuses `http://` except to loopback (127.0.0.0/8, ::1, localhost) with `.insecureURL`.
    public convenience init(configuration: OktaClientConfiguration, observer: (any RateLimitObserver)? = nil,
                            transport: any HTTPTransport = URLSessionTransport()) throws(OktaError) {
        try self.init(configuration: configuration, observer: observer, transport: transport,
                      sleep: { seconds in try? await Task.sleep(nanoseconds: UInt64(min(max(0, seconds), 86_400) * 1e9)) },
                      random: { Double.random(in: 0..<1) })
    }

    /// The designated initialiser, with an injectable sleeper and jitter source (for tests).
    init(configuration: OktaClientConfiguration, observer: (any RateLimitObserver)?, transport: any HTTPTransport,
         sleep: @escaping @Sendable (Double) async -> Void, random: @escaping @Sendable () -> Double) throws(OktaError) {
        try Self.checkSecure(configuration.baseURL)
        self.configuration = configuration
        self.observer = observer
        self.transport = transport
        self.sleep = sleep
        self.random = random
        var text = configuration.baseURL.absoluteString
        if let q = text.firstIndex(where: { $0 == "?" || $0 == "#" }) { text = String(text[..<q]) }
        while text.hasSuffix("/") { text.removeLast() }
        base = text
    }

    // MARK: Sessions

    /// `POST /sessions` (no body) → the new `CREATED` session (200 or 201 accepted).
    ///
    /// Lists the sessions first (one GET); after a 5xx or transport error it lists again and returns a
    /// `CREATED` session that was not there before instead of creating a second one, or retries when
    /// there is none. When that first list fails (e.g. a token without the read scope) the POST is still
    /// sent, but an ambiguous failure is then thrown rather than retried.
    public func createSession(identitySourceId: String) async throws(OktaError) -> ImportSession {
        let path = sessionsPath(identitySourceId)
        let before = try? await Set(listSessions(identitySourceId: identitySourceId).map(\.id))
        return try await execute("POST", path, reconcile: { () async throws(OktaError) -> Reconciled<ImportSession> in
            guard let before else { return .fail }
            let now = try await self.listSessions(identitySourceId: identitySourceId)
            if let made = now.first(where: { $0.status == .created && !before.contains($0.id) }) { return .done(made) }
            return .retry
        }) { response throws(OktaError) in
            try self.decodeSession(response, identitySourceId, operation: "POST \(path)")
        }
    }

    /// `GET /sessions` → the active sessions (an empty list means nothing is pending).
    public func listSessions(identitySourceId: String) async throws(OktaError) -> [ImportSession] {
        let path = sessionsPath(identitySourceId)
        return try await execute("GET", path) { response throws(OktaError) in
            let json = try self.parseJSON(response, operation: "GET \(path)")
            do throws(SessionDecodingError) { return try ImportSession.decodeList(json, fallbackSourceId: identitySourceId) } catch {
                throw self.decodingError(error.message, response, operation: "GET \(path)")
            }
        }
    }

    /// `GET /sessions/{sessionId}` → the session in any state.
    public func getSession(identitySourceId: String, sessionId: String) async throws(OktaError) -> ImportSession {
        let path = sessionPath(identitySourceId, sessionId)
        return try await execute("GET", path) { response throws(OktaError) in
            try self.decodeSession(response, identitySourceId, operation: "GET \(path)")
        }
    }

    /// `DELETE /sessions/{sessionId}` → `CLOSED` (204 or 200 accepted). A 400 on a retry whose earlier
    /// attempt failed ambiguously is accepted when the session now reads `CLOSED`.
    public func cancelSession(identitySourceId: String, sessionId: String) async throws(OktaError) {
        let path = sessionPath(identitySourceId, sessionId)
        try await execute("DELETE", path, idempotent: true, afterAmbiguous: { () async throws(OktaError) -> Reconciled<Void> in
            let session = try await self.getSession(identitySourceId: identitySourceId, sessionId: sessionId)
            return session.status == .closed ? .done(()) : .fail
        }) { _ throws(OktaError) in () }
    }

    /// `POST /sessions/{sessionId}/start-import` (no body) → the session, normally `TRIGGERED`.
    ///
    /// Never repeated blindly: after a 5xx or transport error the session is re-read; if it is already
    /// `TRIGGERED`, `COMPLETED` or `ERROR` the trigger took effect and that session is returned; if it is
    /// still `CREATED`/`IN_PROGRESS` the trigger is retried; otherwise the original error is thrown.
    public func startImport(identitySourceId: String, sessionId: String) async throws(OktaError) -> ImportSession {
        let path = sessionPath(identitySourceId, sessionId) + "/start-import"
        return try await execute("POST", path, reconcile: { () async throws(OktaError) -> Reconciled<ImportSession> in
            let session = try await self.getSession(identitySourceId: identitySourceId, sessionId: sessionId)
            switch session.status {
            case .triggered, .completed, .error: return .done(session)
            case .created, .inProgress: return .retry
            default: return .fail
            }
        }) { response throws(OktaError) in
            try self.decodeSession(response, identitySourceId, operation: "POST \(path)")
        }
    }

    /// `POST /sessions/{sessionId}/<operation>` with a body from ``BulkBatcher`` (any 2xx, normally 202).
    /// Retried on 429, 5xx and transport errors: bulk uploads are idempotent on externalId.
    public func bulk(_ operation: BulkOperation, identitySourceId: String, sessionId: String,
                     body: BulkBody) async throws(OktaError) {
        let path = sessionPath(identitySourceId, sessionId) + "/" + operation.rawValue
        let ledger = bulkLedger
        try await execute("POST", path, body: body.bytes, idempotent: true,
                          onAttempt: { ledger.record(sessionId: sessionId, status: $0) }) { _ throws(OktaError) in () }
    }

    /// How many bulk requests to `sessionId` Okta may have counted toward its 50 per session: successes plus
    /// attempts whose outcome is unknown (a 5xx or lost connection after which the request was re-sent).
    public func bulkRequestsCounted(sessionId: String) -> Int { bulkLedger.count(sessionId: sessionId) }

    // MARK: Users

    /// `GET /users/{externalId}` → the user, or nil on 404.
    ///
    /// Note: Okta also answers 404 for an unknown identity source; that too reads as nil here.
    public func getUser(identitySourceId: String, externalId: String) async throws(OktaError) -> OktaUser? {
        let path = "/api/v1/identity-sources/\(Self.segment(identitySourceId))/users/\(Self.segment(externalId))"
        do throws(OktaError) {
            return try await execute("GET", path) { response throws(OktaError) in
                let json = try self.parseJSON(response, operation: "GET \(path)")
                do throws(SessionDecodingError) { return try OktaUser(json: json, fallbackExternalId: externalId) } catch {
                    throw self.decodingError(error.message, response, operation: "GET \(path)")
                }
            }
        } catch where error.kind == .api && error.httpStatus == 404 {
            return nil
        }
    }

    // MARK: Paths and decoding

    func sessionsPath(_ identitySourceId: String) -> String {
        "/api/v1/identity-sources/\(Self.segment(identitySourceId))/sessions"
    }

    func sessionPath(_ identitySourceId: String, _ sessionId: String) -> String {
        sessionsPath(identitySourceId) + "/" + Self.segment(sessionId)
    }

    /// Percent-encodes everything except RFC 3986 unreserved characters, so an ID is exactly one segment.
    static func segment(_ text: String) -> String { PercentEncoding.encode(text) }

    func parseJSON(_ response: TransportResponse, operation: String) throws(OktaError) -> JSONValue {
        do { return try JSONValue.parse(bytes: response.body) } catch {
            let detail = (error as? JSONParseError)?.description ?? "\(error)"
            throw decodingError(response.body.isEmpty ? "empty body" : "invalid JSON (\(detail))", response,
                                operation: operation)
        }
    }

    func decodeSession(_ response: TransportResponse, _ identitySourceId: String,
                       operation: String) throws(OktaError) -> ImportSession {
        let json = try parseJSON(response, operation: operation)
        do { return try ImportSession.decodeOne(json, fallbackSourceId: identitySourceId) } catch {
            throw decodingError(error.message, response, operation: operation)
        }
    }

    func decodingError(_ message: String, _ response: TransportResponse, operation: String) -> OktaError {
        OktaError(kind: .decoding, httpStatus: response.status, requestId: response.header("X-Okta-Request-Id"),
                  operation: operation, message: message).scrubbed(of: configuration.token)
    }

    /// Throws `.insecureURL` unless `url` may carry the token (``LoopbackRule``: https, or http to loopback;
    /// no user info).
    static func checkSecure(_ url: URL) throws(OktaError) {
        guard let violation = LoopbackRule.check(url) else { return }
        let shown = "\(url.scheme ?? "")://\(url.host ?? "")"
        let message: String
        switch violation {
        case .plainHTTPToRemote:
            message = "refusing to send the Okta token over plain http to \(shown): use https:// (http is allowed only to loopback: 127.0.0.0/8, ::1, localhost)"
        case .userInfo:
            message = "the Okta base URL \(shown) must not contain user info; give the token in org.json's \"token\""
        case .notAbsolute, .unsupportedScheme:
            message = "unsupported Okta base URL \(shown): expected https://<your org>.okta.com"
        }
        throw OktaError(kind: .insecureURL, message: message)
    }
}
