import Foundation
import Synchronization

/// One rate limiter per org in the serve process, used only to READ the org's shared budget file for
/// `xaas_rate_limit_budget_remaining` (the workers do the sending). `limiters` (a `Mutex`) guards the map.
final class OrgBudgets: Sendable {
    private let limiters = Mutex<[String: OrgRateLimiter]>([:])
    let stateDirectory: URL
    /// PostgreSQL state: the budgets are read from the database every host shares.
    let backend: StateBackend?

    init(stateDirectory: URL, backend: StateBackend? = nil) {
        self.stateDirectory = stateDirectory
        self.backend = backend
    }

    /// Makes a limiter for every tenant of `config` (replacing the previous set).
    func load(_ config: ConfigDirectory) {
        var made: [String: OrgRateLimiter] = [:]
        for tenant in config.tenants {
            made[tenant.name] = try? OrgRateLimiter.shared(tenant: tenant.name, stateDirectory: stateDirectory, org: tenant.org,
                                                           backend: backend)
        }
        limiters.withLock { $0 = made }
    }

    func statuses() -> [String: RateLimitStatus] {
        limiters.withLock { $0 }.mapValues { $0.status() }
    }
}
