import Foundation

/// The Okta endpoint of one tenant for the duration of a command: a client for a real org (or an emulator
/// on loopback), or a client for an embedded emulator started in this process.
public final class TenantConnection: Sendable {
    public let client: OktaClient
    public let embedded: EmbeddedOkta?
    /// Seconds between a trigger and the next session for this org.
    public let cooldownSeconds: Double
    /// The org's rate scheduler, shared by every source and, through `<state>/ratelimit/<tenant>.json`,
    /// by every xaas process on this state directory (its ``OrgRateLimiter/status()`` feeds metrics).
    public let rateLimiter: OrgRateLimiter

    /// Connects to `tenant`'s org; for `"url": "embedded"` starts its emulator (state under `stateDirectory`).
    /// `warn` hears rate-limit problems (an unwritable budget file).
    public init(tenant: TenantConfig, stateDirectory: URL, warn: @escaping @Sendable (String) -> Void = { _ in }) throws {
        let org = tenant.org
        let limiter = try OrgRateLimiter(tenant: tenant.name, stateDirectory: stateDirectory, org: org, warn: warn)
        rateLimiter = limiter
        switch org.endpoint {
        case .embedded:
            let token = try org.resolveToken() ?? EmbeddedOkta.generatedToken()
            let server = try EmbeddedOkta(
                tenant: tenant, token: token, stateDirectory: stateDirectory,
                cooldownSeconds: org.sessionCooldownSeconds ?? EmbeddedOkta.defaultCooldownSeconds)
            embedded = server
            cooldownSeconds = server.cooldownSeconds
            client = try OktaClient(configuration: OktaClientConfiguration(
                baseURL: server.baseURL, token: OktaSecret(token), scheme: .ssws), observer: limiter)
        case .remote(let url):
            guard let token = try org.resolveToken() else {
                throw SyncError("\(tenant.name): org.json has no token")
            }
            embedded = nil
            cooldownSeconds = org.sessionCooldownSeconds ?? 300
            client = try OktaClient(configuration: OktaClientConfiguration(
                baseURL: url, token: OktaSecret(token), scheme: OktaAuthScheme(rawValue: org.authScheme) ?? .ssws),
                observer: limiter)
        }
    }

    /// Stops the embedded emulator, if any.
    public func close() {
        embedded?.stop()
    }
}
