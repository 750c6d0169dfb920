import Foundation
import Synchronization
import XaasCrypto
import XaasJSON

/// An access token granted to an Okta service app.
public struct AccessToken: Sendable {
    public var token: OktaSecret
    /// `Bearer` or `DPoP`.
    public var type: String
    public var expiresIn: Int
    public var scope: String
    /// When it was obtained (the source's clock).
    public var obtained: Date
}

/// Gets and caches an Okta service-app access token: `private_key_jwt` client credentials (RFC 7523) at
/// `{org}/oauth2/v1/token`, optionally DPoP-bound (RFC 9449).
///
/// One source per org, client and scope set is shared by every client of that org in a process
/// (``shared(baseURL:settings:key:transport:)``); each worker process has its own. The token is renewed
/// when 80 % of `expires_in` has passed, or when a resource call answers 401 `invalid_token`
/// (``invalidate(_:)``). Concurrent callers wait for one token request. Every assertion and proof is
/// fresh (new `jti`); a failing request is retried once for a DPoP nonce and at most twice for 5xx or
/// transport errors, never more. When the token endpoint refuses the client (a 4xx other than 429:
/// `invalid_client`, `invalid_scope`, …) that refusal is kept and thrown to every later caller without
/// asking again: the key, app and clock will not change within the process.
/// The token URL is https, or http to loopback only (``OktaClient/checkSecure(_:)``).
public actor OAuthTokenSource {
    public let tokenURL: URL
    let settings: OAuthSettings
    let key: PrivateKey
    let transport: any HTTPTransport
    let now: @Sendable () -> Date
    let sleep: @Sendable (Double) async -> Void
    let prover: DPoPProver?
    private var cached: AccessToken?
    private var pending: Task<AccessToken, any Error>?
    private var tokenNonce: String?
    /// The token endpoint's refusal of this client, thrown again instead of another request.
    private var refusal: OktaError?
    /// The resource server's latest `DPoP-Nonce`.
    private(set) var resourceNonce: String?

    public init(baseURL: String, settings: OAuthSettings, key: PrivateKey, transport: any HTTPTransport,
                now: @escaping @Sendable () -> Date = { Date() },
                sleep: @escaping @Sendable (Double) async -> Void = { try? await Task.sleep(nanoseconds: UInt64($0 * 1e9)) })
        throws(OktaError) {
        guard let url = URL(string: baseURL + "/oauth2/v1/token") else {
            throw OktaError(kind: .insecureURL, message: "cannot form the token URL from \(baseURL)")
        }
        try OktaClient.checkSecure(url)
        tokenURL = url
        self.settings = settings
        self.key = key
        self.transport = transport
        self.now = now
        self.sleep = sleep
        do { prover = settings.dpop ? try DPoPProver() : nil } catch {
            throw OktaError(kind: .transport, message: "cannot make a DPoP key: \(error.message)")
        }
    }

    private static let registry = Mutex<[String: OAuthTokenSource]>([:])

    /// The process-wide source for this org, client, scopes and DPoP setting (made on first use).
    public static func shared(baseURL: String, settings: OAuthSettings, key: PrivateKey,
                              transport: any HTTPTransport) throws(OktaError) -> OAuthTokenSource {
        let id = [baseURL, settings.clientId, settings.scopes.joined(separator: " "), String(settings.dpop),
                  key.publicKey.thumbprint].joined(separator: "|")
        if let existing = registry.withLock({ $0[id] }) { return existing }
        let made = try OAuthTokenSource(baseURL: baseURL, settings: settings, key: key, transport: transport)
        return registry.withLock { sources in
            if let existing = sources[id] { return existing }
            sources[id] = made
            return made
        }
    }

    /// Whether tokens are DPoP-bound.
    public nonisolated var usesDPoP: Bool { settings.dpop }

    /// A valid token: the cached one until 80 % of its lifetime, else a new one.
    public func accessToken() async throws(OktaError) -> AccessToken {
        if let cached, now() < cached.obtained.addingTimeInterval(Double(cached.expiresIn) * 0.8) { return cached }
        if let refusal { throw refusal }
        if let pending { return try await Self.value(of: pending) }
        let task = Task { try await self.requestToken() }
        pending = task
        defer { pending = nil }
        let token = try await Self.value(of: task)
        cached = token
        return token
    }

    /// Drops `token` from the cache (a resource server said it is invalid or expired).
    public func invalidate(_ token: OktaSecret) {
        if cached?.token.reveal() == token.reveal() { cached = nil }
    }

    /// Records the resource server's `DPoP-Nonce`.
    func setResourceNonce(_ nonce: String) { resourceNonce = nonce }

    /// A DPoP proof for a resource call with `token`, or nil without DPoP.
    func resourceProof(method: String, url: URL, token: OktaSecret) throws(OktaError) -> String? {
        guard let prover else { return nil }
        do { return try prover.proof(method: method, url: url, accessToken: token, nonce: resourceNonce, now: now()) } catch {
            throw OktaError(kind: .transport, message: "cannot sign a DPoP proof: \(error.message)")
        }
    }

    private static func value(of task: Task<AccessToken, any Error>) async throws(OktaError) -> AccessToken {
        do { return try await task.value } catch let error as OktaError { throw error } catch {
            throw OktaError(kind: .transport, operation: "POST /oauth2/v1/token", message: "\(error)")
        }
    }

    /// POSTs the token request: one retry for `use_dpop_nonce`, up to two for 5xx / transport errors.
    private func requestToken() async throws(OktaError) -> AccessToken {
        let operation = "POST /oauth2/v1/token"
        var nonceRetried = false
        var serverRetries = 0
        while true {
            let (request, assertion) = try buildRequest()
            let response: TransportResponse
            do { response = try await transport.send(request) } catch {
                guard serverRetries < 2 else {
                    throw OktaError(kind: .transport, operation: operation, message: OktaClient.describe(error))
                }
                serverRetries += 1
                await sleep(Double(serverRetries))
                continue
            }
            if response.status == 200 { return try decode(response) }
            let code = (try? JSONValue.parse(bytes: response.body))?["error"]?.stringValue
            if code == "use_dpop_nonce", prover != nil, !nonceRetried, let nonce = response.header("DPoP-Nonce") {
                tokenNonce = nonce
                nonceRetried = true
                continue
            }
            if response.status >= 500, serverRetries < 2 {
                serverRetries += 1
                await sleep(Double(serverRetries))
                continue
            }
            let failure = OAuthFailure.error(status: response.status, body: response.body,
                                             requestId: response.header("X-Okta-Request-Id"), operation: operation,
                                             clientId: settings.clientId,
                                             serverDate: response.header("Date").flatMap(HTTPDate.epochSeconds),
                                             now: now()).scrubbed(of: assertion)
            if (400..<500).contains(response.status), response.status != 429 { refusal = failure }
            throw failure
        }
    }

    /// The form-encoded client-credentials request with a fresh assertion (and proof), and the assertion
    /// (to scrub from errors).
    private func buildRequest() throws(OktaError) -> (TransportRequest, OktaSecret) {
        let issued = Int(now().timeIntervalSince1970)
        var header: [(key: String, value: JSONValue)] = [("alg", .string(key.algorithm))]
        if let kid = settings.keyId { header.append(("kid", .string(kid))) }
        let claims: JSONValue = .object([
            ("iss", .string(settings.clientId)), ("sub", .string(settings.clientId)), ("aud", .string(tokenURL.absoluteString)),
            ("iat", .number(String(issued))), ("exp", .number(String(issued + 300))), ("jti", .string(SecureRandom.uuid())),
        ])
        let assertion: String
        var headers: [(String, String)] = [("Accept", "application/json"),
                                           ("Content-Type", "application/x-www-form-urlencoded"),
                                           ("User-Agent", "xaas/\(XaasVersion.current)")]
        do {
            assertion = try CompactJWS.sign(headerJSON: JSONValue.object(header).serialized, payloadJSON: claims.serialized, key: key)
            if let prover {
                headers.append(("DPoP", try prover.proof(method: "POST", url: tokenURL, accessToken: nil, nonce: tokenNonce, now: now())))
            }
        } catch {
            throw OktaError(kind: .transport, operation: "POST /oauth2/v1/token", message: "cannot sign the client assertion: \(error.message)")
        }
        let form = [("grant_type", "client_credentials"), ("scope", settings.scopes.joined(separator: " ")),
                    ("client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"),
                    ("client_assertion", assertion)]
            .map { "\($0.0)=\(Self.formEncode($0.1))" }.joined(separator: "&")
        return (TransportRequest(method: "POST", url: tokenURL, headers: headers, body: Array(form.utf8), timeoutSeconds: 60),
                OktaSecret(assertion))
    }

    private func decode(_ response: TransportResponse) throws(OktaError) -> AccessToken {
        guard let json = try? JSONValue.parse(bytes: response.body), let token = json["access_token"]?.stringValue,
              !token.isEmpty else {
            throw OktaError(kind: .decoding, httpStatus: 200, operation: "POST /oauth2/v1/token",
                            message: "the token response has no access_token")
        }
        let type = json["token_type"]?.stringValue ?? "Bearer"
        if settings.dpop && type.caseInsensitiveEquals("Bearer") {
            throw OktaError(kind: .decoding, httpStatus: 200, operation: "POST /oauth2/v1/token",
                            message: "asked for a DPoP-bound token but got a Bearer token: enable \"Require DPoP\" on the app or set auth.oauth.dpop to false")
        }
        let expires = json["expires_in"].flatMap { value -> Int? in
            if case .number(let text) = value { return Int(text) ?? Double(text).map { Int($0) } }
            return nil
        } ?? 3600
        return AccessToken(token: OktaSecret(token), type: settings.dpop ? "DPoP" : "Bearer", expiresIn: max(1, expires),
                           scope: json["scope"]?.stringValue ?? settings.scopes.joined(separator: " "), obtained: now())
    }

    /// `application/x-www-form-urlencoded` value encoding (unreserved characters kept).
    static func formEncode(_ text: String) -> String { OktaClient.segment(text) }
}
