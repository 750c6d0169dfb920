import Foundation
@testable import Host
import Testing

/// The org rate budget in PostgreSQL: two stores (two hosts) on one tenant pace against one budget.
@Suite(.enabled(if: PostgresCluster.unavailable == nil, "\(PostgresCluster.unavailable ?? "")"))
struct PostgresBudgetStoreTests {
    @Test func twoHostsShareOneBudget() throws {
        let cluster = try #require(PostgresCluster.shared, "the throwaway PostgreSQL cluster did not start (see stderr)")
        let db = try cluster.makeDatabase("budget")
        let policy = RateLimitPolicy(perMinute: 2, share: 1)
        let a = PostgresBudgetStore(conninfo: db, schema: "xaas", tenant: "acme")
        let b = PostgresBudgetStore(conninfo: db, schema: "xaas", tenant: "acme")
        let other = PostgresBudgetStore(conninfo: db, schema: "xaas", tenant: "globex")
        let now = Date().timeIntervalSince1970
        // Unknown org limits: one probe at a time. A response ends the probe phase for both hosts.
        #expect(a.update { $0.acquire(now: now, policy: policy) } == nil)
        a.update { $0.observedAny = true }
        #expect(b.update { $0.observedAny })
        #expect(!other.update { $0.observedAny })
        // Two grants per minute in all: host b's grant uses the last one; then both must wait.
        #expect(b.update { $0.acquire(now: now, policy: policy) } == nil)
        #expect(a.update { $0.acquire(now: now + 1, policy: policy) } != nil)
        #expect(b.update { $0.acquire(now: now + 1, policy: policy) } != nil)
        #expect(other.update { $0.acquire(now: now + 1, policy: policy) } == nil)
    }

    @Test func unreachableDatabasePacesAloneAndWarnsOnce() throws {
        let warnings = NSLockedString()
        let store = PostgresBudgetStore(conninfo: "postgresql://xaas@127.0.0.1:1/none?connect_timeout=2", schema: "xaas",
                                        tenant: "acme", warn: { w in warnings.withLock { $0 += w + "\n" } })
        store.update { $0.observedAny = true }
        #expect(store.update { $0.observedAny })
        let text = warnings.withLock { $0 }
        #expect(text.components(separatedBy: "\n").filter { !$0.isEmpty }.count == 1)
        #expect(text.contains("pacing this process alone"))
    }
}
