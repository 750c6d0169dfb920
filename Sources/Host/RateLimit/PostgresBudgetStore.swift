import Foundation

/// An org's ``RateLimitBudget`` in PostgreSQL (`rate_budgets`, one JSON row per tenant), so that every
/// worker of every `xaas serve` host sharing the org paces against one budget. Each update is one
/// transaction holding the row `FOR UPDATE`. When the database cannot be reached the process paces
/// alone on its last known budget and warns once (never blocks a sync on the budget itself).
public final class PostgresBudgetStore: RateLimitBudgetStore, @unchecked Sendable {
    /// Guards `database`, `last` and `warned`.
    private let lock = NSLock()
    private var database: PostgresStateDatabase?
    private var last = RateLimitBudget()
    private var warned = false

    private let conninfo: String
    private let schema: String
    private let tenant: String
    private let warn: @Sendable (String) -> Void

    public init(conninfo: String, schema: String, tenant: String, warn: @escaping @Sendable (String) -> Void = { _ in }) {
        self.conninfo = conninfo
        self.schema = schema
        self.tenant = tenant
        self.warn = warn
    }

    public func update<T>(_ body: (inout RateLimitBudget) -> T) -> T {
        lock.lock()
        defer { lock.unlock() }
        do {
            if database == nil { database = try PostgresStateDatabase(conninfo: conninfo, schema: schema) }
            let database = self.database!
            let tenant = self.tenant
            return try database.transaction {
                try database.run("INSERT INTO rate_budgets(tenant, budget) VALUES($1, '{}') ON CONFLICT DO NOTHING", [.text(tenant)])
                var text = "{}"
                try database.query("SELECT budget FROM rate_budgets WHERE tenant=$1 FOR UPDATE", [.text(tenant)]) {
                    text = $0.text(0) ?? "{}"
                }
                let before = (try? JSONDecoder().decode(RateLimitBudget.self, from: Data(text.utf8))) ?? RateLimitBudget()
                var budget = before
                let result = body(&budget)
                if budget != before {
                    let encoder = JSONEncoder()
                    encoder.outputFormatting = [.sortedKeys]
                    let json = String(decoding: try encoder.encode(budget), as: UTF8.self)
                    try database.run("UPDATE rate_budgets SET budget=$2 WHERE tenant=$1", [.text(tenant), .text(json)])
                }
                last = budget
                return result
            }
        } catch {
            database = nil   // reconnect on the next update
            if !warned {
                warned = true
                warn("rate limit: the shared budget in PostgreSQL is unavailable (\(error)); pacing this process alone")
            }
            return body(&last)
        }
    }
}

extension OrgRateLimiter {
    /// The limiter of `tenant`'s org on `backend`: the budget in PostgreSQL (shared by every host) or in
    /// `<stateDirectory>/ratelimit/<tenant>.json` (shared by the processes of one host).
    public static func shared(tenant: String, stateDirectory: URL, org: OrgConfig, backend: StateBackend?,
                              warn: @escaping @Sendable (String) -> Void = { _ in }) throws -> OrgRateLimiter {
        guard case .postgres(let conninfo, let schema)? = backend else {
            return try OrgRateLimiter(tenant: tenant, stateDirectory: stateDirectory, org: org, warn: warn)
        }
        return OrgRateLimiter(policy: RateLimitPolicy(perMinute: org.rateLimitPerMinute, share: org.rateLimitShare),
                              store: PostgresBudgetStore(conninfo: conninfo, schema: schema, tenant: tenant, warn: warn))
    }
}
