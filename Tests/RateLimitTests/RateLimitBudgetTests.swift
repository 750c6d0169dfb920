import Foundation
import Testing
@testable import Host

/// The pure budget rules: sliding window, the org's headers, 429s, the probe.
@Suite struct RateLimitBudgetTests {
    let t0 = 1_767_225_600.0
    let policy = RateLimitPolicy(perMinute: 120, share: 0.5)

    @Test func allowanceIsLimitTimesShareRoundedDownAtLeastOne() {
        #expect(policy.allowance(limit: 120) == 60)
        #expect(RateLimitPolicy(perMinute: nil, share: 0.3).allowance(limit: 10) == 3)
        #expect(RateLimitPolicy(perMinute: nil, share: 0.01).allowance(limit: 10) == 1)
        #expect(RateLimitPolicy(perMinute: nil, share: 1).allowance(limit: 600) == 600)
    }

    @Test func grantsUpToTheAllowanceThenWaitsUntilTheOldestBucketLeavesTheWindow() {
        var b = RateLimitBudget()
        for i in 0..<60 { #expect(b.acquire(now: t0 + Double(i) * 0.01, policy: policy) == nil) }
        let next = b.acquire(now: t0 + 1, policy: policy)
        // Bucket t0 leaves the window once every grant in it is ≥ 61 s old: at t0 + 62.
        #expect(next == t0 + 62)
        #expect(b.acquire(now: t0 + 61.9, policy: policy) == t0 + 62)
        #expect(b.acquire(now: t0 + 62, policy: policy) == nil)
        #expect(b.budgetRemaining(now: t0 + 62, policy) == 59) // the first second's 60 have left the window
    }

    @Test func anySixtyOneSecondsHoldAtMostTheAllowanceUnderSteadyDemand() {
        var b = RateLimitBudget()
        var granted: [Double] = []
        var now = t0
        // A caller that asks every 0.37 s and, when told to wait, comes back exactly then.
        while granted.count < 400 {
            if let next = b.acquire(now: now, policy: policy) { now = max(now + 0.37, next) } else {
                granted.append(now)
                now += 0.37
            }
        }
        for i in granted.indices.dropLast(60) {
            #expect(granted[i + 60] - granted[i] >= 61, "grants \(i) and \(i + 60) are \(granted[i + 60] - granted[i]) s apart")
        }
        // And the window is used: 400 grants need less than 7 windows of 62 s.
        #expect(granted.last! - granted.first! < 7 * 62)
    }

    @Test func headersReplaceTheConfiguredLimit() {
        var b = RateLimitBudget()
        #expect(b.allowance(policy) == 60)
        b.observe(RateLimitSnapshot(status: 200, limit: 20, remaining: 19, resetEpochSeconds: Int(t0) + 60,
                                    dateEpochSeconds: Int(t0)), now: t0, policy: policy)
        #expect(b.allowance(policy) == 10)
        // Limit 0 (a concurrency 429's headers) is never adopted.
        b.observe(RateLimitSnapshot(status: 200, limit: 0, remaining: 0, resetEpochSeconds: Int(t0) + 1,
                                    dateEpochSeconds: Int(t0)), now: t0, policy: policy)
        #expect(b.allowance(policy) == 10)
    }

    @Test func waitsForTheOrgsResetWhenItsRemainingRunsOut() {
        var b = RateLimitBudget()
        // The org's clock is 100 s ahead of ours; its window resets at org time t0+100+30.
        b.observe(RateLimitSnapshot(status: 200, limit: 120, remaining: 2, resetEpochSeconds: Int(t0) + 130,
                                    dateEpochSeconds: Int(t0) + 100), now: t0, policy: policy)
        #expect(b.acquire(now: t0, policy: policy) == nil)
        #expect(b.acquire(now: t0, policy: policy) == nil)
        // Reset in local time: t0 + 30, plus the 1 s margin.
        #expect(b.acquire(now: t0 + 1, policy: policy) == t0 + 31)
        #expect(b.estimatedRemaining(now: t0 + 1) == 0)
        #expect(b.acquire(now: t0 + 31, policy: policy) == nil)
        #expect(b.estimatedRemaining(now: t0 + 31) == nil)
    }

    @Test func outOfOrderResponsesKeepTheLowerEstimate() {
        var b = RateLimitBudget()
        let reset = Int(t0) + 60
        for _ in 0..<3 { #expect(b.acquire(now: t0, policy: policy) == nil) }
        b.observe(RateLimitSnapshot(status: 200, limit: 120, remaining: 50, resetEpochSeconds: reset, dateEpochSeconds: Int(t0)),
                  now: t0, policy: policy)
        // A slower response of the same window carrying a higher remaining does not raise the estimate.
        b.observe(RateLimitSnapshot(status: 200, limit: 120, remaining: 52, resetEpochSeconds: reset, dateEpochSeconds: Int(t0)),
                  now: t0, policy: policy)
        #expect(b.estimatedRemaining(now: t0) == 50)
        // A response of an older window is ignored.
        b.observe(RateLimitSnapshot(status: 200, limit: 120, remaining: 119, resetEpochSeconds: reset - 60,
                                    dateEpochSeconds: Int(t0)), now: t0, policy: policy)
        #expect(b.estimatedRemaining(now: t0) == 50)
    }

    @Test func a429BlocksEveryoneUntilItsReset() {
        var b = RateLimitBudget()
        b.observe(RateLimitSnapshot(status: 429, limit: 0, remaining: 0, resetEpochSeconds: Int(t0) + 20,
                                    dateEpochSeconds: Int(t0)), now: t0, policy: policy)
        #expect(b.rateLimited429 == 1)
        #expect(b.acquire(now: t0 + 5, policy: policy) == t0 + 21)
        #expect(b.acquire(now: t0 + 21, policy: policy) == nil)
        // A 429 without headers blocks for a quarter window.
        b.observe(RateLimitSnapshot(status: 429), now: t0 + 30, policy: policy)
        #expect(b.acquire(now: t0 + 30, policy: policy) == t0 + 45)
    }

    @Test func withNoKnownLimitOneProbeGoesFirst() {
        let unknown = RateLimitPolicy(perMinute: nil, share: 0.5)
        var b = RateLimitBudget()
        #expect(b.acquire(now: t0, policy: unknown) == nil)
        let wait = b.acquire(now: t0, policy: unknown)
        #expect(wait != nil && wait! > t0)
        // No answer within the probe timeout: another probe.
        #expect(b.acquire(now: t0 + 5, policy: unknown) == nil)
        b.observe(RateLimitSnapshot(status: 200, limit: 10, remaining: 9, resetEpochSeconds: Int(t0) + 60,
                                    dateEpochSeconds: Int(t0)), now: t0 + 5, policy: unknown)
        for _ in 0..<3 { #expect(b.acquire(now: t0 + 5, policy: unknown) == nil) }
        #expect(b.acquire(now: t0 + 5, policy: unknown) != nil) // ⌊10 × 0.5⌋ = 5 in the window
        // A server that sends no rate-limit headers at all: after the first answer, no limit.
        var open = RateLimitBudget()
        #expect(open.acquire(now: t0, policy: unknown) == nil)
        open.observe(RateLimitSnapshot(status: 200), now: t0, policy: unknown)
        for _ in 0..<100 { #expect(open.acquire(now: t0, policy: unknown) == nil) }
        #expect(open.budgetRemaining(now: t0, unknown) == nil)
    }

    @Test func acrossProcessesAFreeSlotGoesToTheBestTicket() {
        let small = RateLimitPolicy(perMinute: 2, share: 1)
        let a = RateLimitBudget.Asker(id: "a", priority: .normal)
        let b = RateLimitBudget.Asker(id: "b", priority: .normal)
        let d = RateLimitBudget.Asker(id: "d", priority: .deactivation)
        var budget = RateLimitBudget()
        #expect(budget.acquire(now: t0, policy: small, asker: a) == nil)
        #expect(budget.acquire(now: t0, policy: small, asker: a) == nil)
        // Full: b waits first, then a, then d (a deactivation): each takes a ticket.
        #expect(budget.acquire(now: t0 + 1, policy: small, asker: b) == t0 + 62)
        #expect(budget.acquire(now: t0 + 2, policy: small, asker: a) == t0 + 62)
        #expect(budget.acquire(now: t0 + 3, policy: small, asker: d) == t0 + 62)
        #expect(budget.tickets.map(\.id) == ["b", "a", "d"])
        // The slots free at t0 + 62: a asks first but must let d (priority), then b (older) go.
        #expect(budget.acquire(now: t0 + 62, policy: small, asker: a) == t0 + 62.1)
        #expect(budget.acquire(now: t0 + 62, policy: small, asker: b) == t0 + 62.1)
        #expect(budget.acquire(now: t0 + 62, policy: small, asker: d) == nil)
        #expect(abs(budget.acquire(now: t0 + 62.1, policy: small, asker: a)! - (t0 + 62.2)) < 1e-6)
        #expect(budget.acquire(now: t0 + 62.1, policy: small, asker: b) == nil)
        #expect(budget.tickets.map(\.id) == ["a"])
        // a's turn next, when a slot frees again.
        #expect(budget.acquire(now: t0 + 124, policy: small, asker: a) == nil)
        #expect(budget.tickets.isEmpty)
    }

    @Test func aTicketWhoseProcessDiedIsDroppedAfterTheGrace() {
        let small = RateLimitPolicy(perMinute: 1, share: 1)
        var budget = RateLimitBudget()
        let dead = RateLimitBudget.Asker(id: "dead", priority: .deactivation)
        let alive = RateLimitBudget.Asker(id: "alive", priority: .normal)
        #expect(budget.acquire(now: t0, policy: small, asker: alive) == nil)
        #expect(budget.acquire(now: t0 + 1, policy: small, asker: dead) == t0 + 62)
        // "dead" never comes back; "alive" yields to it until the grace (5 s) after t0 + 62 has passed.
        #expect(budget.acquire(now: t0 + 62, policy: small, asker: alive) != nil)
        #expect(budget.acquire(now: t0 + 66.9, policy: small, asker: alive) != nil)
        #expect(budget.acquire(now: t0 + 67.1, policy: small, asker: alive) == nil)
        #expect(budget.tickets.isEmpty)
        // A withdrawn ticket leaves at once.
        #expect(budget.acquire(now: t0 + 68, policy: small, asker: dead) != nil)
        budget.withdraw("dead")
        #expect(budget.tickets.isEmpty)
    }

    @Test func theBudgetRoundTripsThroughJSON() throws {
        var b = RateLimitBudget()
        _ = b.acquire(now: t0, policy: policy)
        b.observe(RateLimitSnapshot(status: 200, limit: 120, remaining: 7, resetEpochSeconds: Int(t0) + 9,
                                    dateEpochSeconds: Int(t0)), now: t0, policy: policy)
        let data = try JSONEncoder().encode(b)
        #expect(try JSONDecoder().decode(RateLimitBudget.self, from: data) == b)
    }
}
