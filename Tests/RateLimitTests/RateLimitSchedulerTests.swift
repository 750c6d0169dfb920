import Foundation
import Synchronization
import TestSupport
import Testing
@testable import Host

/// The limiter's queue (priority, round-robin, FIFO), its metrics, and two "processes" sharing a budget file.
@Suite struct RateLimitSchedulerTests {
    let t0 = 1_767_225_600.0

    /// Waits (yielding, bounded) until `condition` holds; returns whether it did.
    func eventually(_ condition: () -> Bool) async -> Bool {
        for _ in 0..<20_000 {
            if condition() { return true }
            try? await Task.sleep(nanoseconds: 100_000)
        }
        return condition()
    }

    @Test func deactivationsFirstThenRoundRobinBetweenSourcesThenFIFO() async throws {
        // A full window: the first caller becomes the head and sleeps; the others queue behind it.
        var full = RateLimitBudget()
        let policy = RateLimitPolicy(perMinute: 10, share: 1)
        for _ in 0..<10 { _ = full.acquire(now: t0, policy: policy) }
        let store = RecordingStore(InMemoryBudgetStore(full))
        let clock = GatedClock(start: t0)
        let limiter = OrgRateLimiter(policy: policy, store: store, clock: clock)

        let callers: [(String, RateLimitPriority)] = [("A", .normal), ("A", .normal), ("A", .normal), ("B", .normal),
                                                      ("C", .deactivation), ("B", .normal)]
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (index, (source, priority)) in callers.enumerated() {
                group.addTask {
                    await RateLimitContext.$source.withValue(source) {
                        await RateLimitContext.$priority.withValue(priority) { await limiter.waitForPermit() }
                    }
                }
                // Start them one by one so that their queue order is known.
                let queued = await eventually { index == 0 ? clock.sleeping == 1 : limiter.waitingCount == index }
                try #require(queued, "caller \(index) did not queue")
            }
            clock.open(at: t0 + 62)
            try await group.waitForAll()
        }
        let order = store.grants.map { "\($0.source ?? "-")\($0.priority == .deactivation ? "!" : "")" }
        // Head A; then the deactivation; then B (never served), A, B, A by least-recently-served source.
        #expect(order == ["A", "C!", "B", "A", "B", "A"])
        let status = limiter.status()
        #expect(status.waitsTotal == 6) // the head slept, the other five queued
        #expect(status.budget == 10)
        #expect(status.budgetRemaining == 10 - 6)
    }

    @Test func twoProcessesSharingABudgetFileNeverExceedItTogether() async throws {
        let dir = try TestSupport.makeTemporaryDirectory("ratelimit")
        defer { try? FileManager.default.removeItem(at: dir) }
        let clock = VirtualClock(start: t0)
        var policy = RateLimitPolicy(perMinute: 40, share: 0.5) // 20 per window
        // On a virtual clock a waiting task that is merely not scheduled yet would look dead to the other
        // "process", whose polls move time on; keep its ticket.
        policy.ticketGraceSeconds = 10_000
        // Two stores on the same file behave like two processes: each has its own lock file descriptor.
        let first = RecordingStore(try FileBudgetStore(stateDirectory: dir, tenant: "acme"))
        let second = RecordingStore(try FileBudgetStore(stateDirectory: dir, tenant: "acme"))
        let limiters = [OrgRateLimiter(policy: policy, store: first, clock: clock),
                        OrgRateLimiter(policy: policy, store: second, clock: clock)]
        await withTaskGroup(of: Void.self) { group in
            for limiter in limiters {
                for source in ["hr", "contractors"] {
                    group.addTask {
                        await RateLimitContext.$source.withValue(source) {
                            for _ in 0..<25 {
                                await limiter.waitForPermit()
                                // The request itself (1 ms of real time, no virtual time): a worker asks
                                // again only after its response.
                                try? await Task.sleep(nanoseconds: 1_000_000)
                            }
                        }
                    }
                }
            }
        }
        let seconds = (first.grants + second.grants).map(\.second)
        #expect(seconds.count == 100)
        #expect(RateLimitCheck.maxInAnyWindow(seconds, span: 62) <= 20)
        // 100 permits at 20 per window take 4 more windows after the first, and not much longer.
        let spread = seconds.max()! - seconds.min()!
        #expect(spread >= 4 * 62 && spread < 5 * 62)
        let tagged = (first.grants.map { ($0.second, 0) } + second.grants.map { ($0.second, 1) }).sorted { $0.0 < $1.0 }
        // No starvation: while both still need permits (windows 1 and 2; each needs 50, a window has 20),
        // both get a fair part of every window. (Waiting processes are served in ticket order; slots that
        // are free when nobody waits go to whoever asks first, so the split is not exactly even.)
        for window in 1...2 {
            let slots = tagged[(window * 20)..<(window * 20 + 20)]
            let ofFirst = slots.filter { $0.1 == 0 }.count
            #expect(ofFirst >= 3 && 20 - ofFirst >= 3, "window \(window): \(ofFirst) vs \(20 - ofFirst)")
        }
        let file = try String(contentsOf: dir.appendingPathComponent("ratelimit/acme.json"), encoding: .utf8)
        #expect(file.contains("\"grants\""))
        #expect(limiters[0].status().waitsTotal + limiters[1].status().waitsTotal > 0)
    }

    /// A benchmark, not a timed test: prints what a permit plus a response cost with the budget file.
    @Test func benchmarkBudgetFileCostPerRequest() async throws {
        let dir = try TestSupport.makeTemporaryDirectory("ratelimit")
        defer { try? FileManager.default.removeItem(at: dir) }
        let store = try FileBudgetStore(stateDirectory: dir, tenant: "acme")
        let limiter = OrgRateLimiter(policy: RateLimitPolicy(perMinute: 1_000_000, share: 1), store: store,
                                     clock: VirtualClock(start: t0))
        let n = 2000
        let started = Date()
        for i in 0..<n {
            await limiter.waitForPermit()
            limiter.observe(RateLimitSnapshot(status: 200, limit: 1_000_000, remaining: 1_000_000 - i - 1,
                                              resetEpochSeconds: Int(t0) + 60, dateEpochSeconds: Int(t0)))
        }
        let perRequest = Date().timeIntervalSince(started) / Double(n) * 1e6
        let bytes = try Data(contentsOf: store.url).count
        print("rate-limit benchmark: budget file permit + observe \(Int(perRequest)) µs per request (debug build), file \(bytes) bytes")
        #expect(limiter.status().remaining == 1_000_000 - n)
        #expect(limiter.status().budgetRemaining == 1_000_000 - n)
    }

    @Test func aCorruptBudgetFileIsReplacedWithAWarning() async throws {
        let dir = try TestSupport.makeTemporaryDirectory("ratelimit")
        defer { try? FileManager.default.removeItem(at: dir) }
        let warnings = Mutex<[String]>([])
        let store = try FileBudgetStore(stateDirectory: dir, tenant: "acme") { m in warnings.withLock { $0.append(m) } }
        try Data("{not json".utf8).write(to: store.url)
        let limiter = OrgRateLimiter(policy: RateLimitPolicy(perMinute: 10, share: 0.5), store: store,
                                     clock: VirtualClock(start: t0))
        await limiter.waitForPermit()
        let reread = try JSONDecoder().decode(RateLimitBudget.self, from: Data(contentsOf: store.url))
        #expect(reread.grants.map(\.count) == [1])
        #expect(warnings.withLock { $0 }.count == 1)
        #expect(warnings.withLock { $0 }.first?.contains("acme.json is not a valid budget file") == true)
    }

    @Test func tenantNamesBecomeSafeFileNames() {
        #expect(FileBudgetStore.fileName("acme") == "acme")
        #expect(FileBudgetStore.fileName("../etc/passwd") == "_.._etc_passwd")
        #expect(FileBudgetStore.fileName("ac me/ü") == "ac_me__")
    }

    @Test func observedHeadersAnd429sShowInTheStatus() {
        let limiter = OrgRateLimiter(policy: RateLimitPolicy(perMinute: nil, share: 0.5), clock: VirtualClock(start: t0))
        #expect(limiter.status().budgetRemaining == -1)
        limiter.observe(RateLimitSnapshot(status: 200, limit: 600, remaining: 500, resetEpochSeconds: Int(t0) + 30,
                                          dateEpochSeconds: Int(t0)))
        limiter.observe(RateLimitSnapshot(status: 429, limit: 0, remaining: 0, resetEpochSeconds: Int(t0) + 30,
                                          dateEpochSeconds: Int(t0)))
        let s = limiter.snapshot()
        #expect(s.limit == 600)
        #expect(s.remaining == 0)
        #expect(s.budgetRemaining == 300)
        #expect(s.rateLimited429 == 1)
        #expect(s.waitsTotal == 0)
    }

    @Test func aCancelledWaiterReturnsAndTheClientSendsNothing() async throws {
        var full = RateLimitBudget()
        let policy = RateLimitPolicy(perMinute: 1, share: 1)
        _ = full.acquire(now: t0, policy: policy)
        let clock = GatedClock(start: t0)
        let limiter = OrgRateLimiter(policy: policy, store: InMemoryBudgetStore(full), clock: clock)
        let transport = CountingTransport()
        let client = try OktaClient(configuration: OktaClientConfiguration(
            baseURL: URL(string: "http://127.0.0.1:9")!, token: OktaSecret("t")), observer: limiter, transport: transport)
        let task = Task { try await client.listSessions(identitySourceId: "0oa1") }
        #expect(await eventually { clock.sleeping == 1 })
        task.cancel()
        clock.open(at: t0) // the sleeper wakes early (as Task.sleep does on cancellation)
        let result = await task.result
        #expect(throws: OktaError.self) { try result.get() }
        #expect(transport.count == 0)
    }
}

/// Counts requests and answers 200 `[]`.
final class CountingTransport: HTTPTransport {
    private let sent = Mutex(0)
    var count: Int { sent.withLock { $0 } }
    func send(_ request: TransportRequest) async throws -> TransportResponse {
        sent.withLock { $0 += 1 }
        return TransportResponse(status: 200, headers: [("Content-Type", "application/json")], body: Array("[]".utf8))
    }
}
