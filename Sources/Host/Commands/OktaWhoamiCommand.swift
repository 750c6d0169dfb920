import Foundation

extension CommandLineTool {
    static let oktaCommands: [Command] = [
        Command(["okta", "whoami"], "authenticate to each tenant's org and print the token type, granted scopes and lifetime") { args in
            await OktaWhoami.run(args)
        },
    ]
}

/// `xaas okta whoami [--config DIR] [--tenant T]`: for an OAuth service app, gets a token (one token
/// request, exactly as a sync does) and prints its type, granted scopes and lifetime; for an API token,
/// lists the first source's sessions to show the token is accepted. Never prints a token or key.
/// Exit 0 when every tenant authenticated, 1 otherwise, 2 on usage errors.
enum OktaWhoami {
    static let usage = "xaas okta whoami [--config DIR] [--tenant T]"

    static func run(_ args: [String]) async -> Int32 {
        var parsed: (config: URL, tenant: String?)?
        let status = Arguments.run(args, usage: usage, options: ["--config", "--tenant"]) { arguments throws(UsageError) in
            _ = try arguments.positionals(exactly: [])
            parsed = (try arguments.configDirectory(), try arguments.value("--tenant"))
            return 0
        }
        guard status == 0, let parsed else { return status }
        let (directory, problems) = ConfigDirectory.load(parsed.config)
        var tenants = directory.tenants
        if let name = parsed.tenant {
            tenants = tenants.filter { $0.name == name }
            guard !tenants.isEmpty else {
                StandardError.print("xaas okta whoami: no tenant '\(name)' in \(ConfigDirectory.displayPath(parsed.config))")
                for problem in problems { StandardError.print(problem.description) }
                return 1
            }
        } else if tenants.isEmpty {
            for problem in problems { StandardError.print(problem.description) }
            StandardError.print("xaas okta whoami: no tenants in \(ConfigDirectory.displayPath(parsed.config))")
            return 1
        }
        var failed = false
        for tenant in tenants {
            do {
                // One org at a time in this process: its proxy is set around its requests only.
                let line = try await OrgProxy.withEnvironment(for: tenant.org) { try await describe(tenant) }
                print("\(tenant.name): " + line)
            } catch {
                failed = true
                StandardError.print("\(tenant.name): \(error)")
            }
        }
        return failed ? 1 : 0
    }

    /// One line about `tenant`'s credentials, after proving them against the org.
    static func describe(_ tenant: TenantConfig) async throws -> String {
        guard case .remote(let url) = tenant.org.endpoint else { return "embedded org (local token; nothing to check)" }
        if let oauth = tenant.org.oauth {
            let key = try oauth.loadKey()
            let source = try OAuthTokenSource(baseURL: url.absoluteString, settings: oauth, key: key, transport: URLSessionTransport())
            let token = try await source.accessToken()
            return "OAuth service app \(oauth.clientId) at \(url.absoluteString): \(token.type) token, "
                + "scopes \(token.scope), lifetime \(token.expiresIn) s (\(key.type.rawValue) key, \(key.algorithm))"
        }
        let client = try OrgClientFactory.client(org: tenant.org, url: url, observer: nil)
        guard let source = tenant.sources.first else {
            return "\(tenant.org.authScheme) token for \(url.absoluteString) (no source to test it against)"
        }
        let sessions = try await client.listSessions(identitySourceId: source.identitySourceId)
        return "\(tenant.org.authScheme) token accepted by \(url.absoluteString) (identity source \(source.identitySourceId): "
            + "\(sessions.count) active session\(sessions.count == 1 ? "" : "s")); API tokens have no scopes or expiry to show"
    }
}
