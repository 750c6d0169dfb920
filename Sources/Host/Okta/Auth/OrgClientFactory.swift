import Foundation

/// Builds the ``OktaClient`` for a remote org from its `org.json`: static token or OAuth service app,
/// one transport for API and token calls alike (so both take the org's proxy, ``OrgProxy``).
enum OrgClientFactory {
    static func client(org: OrgConfig, url: URL, observer: (any RateLimitObserver)?) throws -> OktaClient {
        let transport = URLSessionTransport()
        var configuration: OktaClientConfiguration
        if let oauth = org.oauth {
            let key = try oauth.loadKey()
            let source = try OAuthTokenSource.shared(baseURL: url.absoluteString, settings: oauth, key: key, transport: transport)
            configuration = OktaClientConfiguration(baseURL: url, token: OktaSecret(""), scheme: .bearer)
            configuration.credentials = .oauth(source)
        } else {
            guard let token = try org.resolveToken() else {
                throw ConfigProblem(file: org.file.map(ConfigDirectory.displayPath) ?? "org.json", jsonPath: "$.token",
                                    message: "org.json has no token")
            }
            configuration = OktaClientConfiguration(baseURL: url, token: OktaSecret(token),
                                                    scheme: OktaAuthScheme(rawValue: org.authScheme) ?? .ssws)
        }
        return try OktaClient(configuration: configuration, observer: observer, transport: transport)
    }
}
