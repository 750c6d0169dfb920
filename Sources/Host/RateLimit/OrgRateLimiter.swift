import Foundation
import Synchronization

/// The per-org rate scheduler: one per org per process, shared by every source of the org; processes
/// share the org's budget through a ``FileBudgetStore``. The ``OktaClient`` calls ``waitForPermit()``
/// before every request and ``observe(_:)`` with every response.
///
/// - Budget: `⌊limit × share⌋` requests per sliding window (see ``RateLimitBudget``), `limit` starting
///   from `rateLimit.perMinute` and then following `X-Rate-Limit-Limit`; the org's `Remaining`/`Reset`
///   are followed too (wait for the reset rather than provoke a 429), and after a 429 nothing is sent
///   before its reset.
/// - Fairness in a process: one waiter at a time asks the budget (the "head"); the others queue. The next
///   head is the waiter with the best ``RateLimitPriority`` (deactivations first), then of the source
///   served least recently (round-robin between sources), then the oldest (FIFO).
/// - Across processes: the budget is never exceeded (every grant is a `flock`-protected read-modify-write).
///   A process whose head must wait takes a ticket in the budget file; a free slot goes to the best
///   ticket (deactivations first, then the longest waiting), so processes take turns under load. A ticket
///   whose process does not come back in time (it crashed) is dropped after a grace period.
///
/// Threading: every method may be called from any task concurrently. ``waitForPermit()`` returns early
/// without a permit when its task is cancelled (the client then throws "cancelled" without sending).
public final class OrgRateLimiter: RateLimitObserver {
    public let policy: RateLimitPolicy
    let store: any RateLimitBudgetStore
    let clock: any RateLimitClock
    /// This limiter's place in the cross-process queue of the budget file (`<pid>-<random>`).
    let ticketId = "\(getpid())-\(UInt32.random(in: 0...UInt32.max))"

    private struct Waiter {
        var seq: UInt64
        var priority: RateLimitPriority
        var source: String
        var continuation: CheckedContinuation<Void, Never>
    }

    /// The queue and this process's counters.
    private struct Queue {
        /// Whether a head is asking the budget (or sleeping until it may).
        var busy = false
        var waiting: [Waiter] = []
        var seq: UInt64 = 0
        /// Source → the serial number of its last permit (round-robin).
        var lastServed: [String: UInt64] = [:]
        var served: UInt64 = 0
        var waitsTotal = 0
        var secondsWaited = 0.0
        var rateLimited429 = 0
    }
    private let queue = Mutex(Queue())

    public init(policy: RateLimitPolicy, store: any RateLimitBudgetStore = InMemoryBudgetStore(),
                clock: any RateLimitClock = SystemRateLimitClock()) {
        self.policy = policy
        self.store = store
        self.clock = clock
    }

    /// The limiter of `tenant`'s org, sharing its budget with other processes through
    /// `<stateDirectory>/ratelimit/<tenant>.json`.
    public convenience init(tenant: String, stateDirectory: URL, org: OrgConfig,
                            clock: any RateLimitClock = SystemRateLimitClock(),
                            warn: @escaping @Sendable (String) -> Void = { _ in }) throws {
        let store = try FileBudgetStore(stateDirectory: stateDirectory, tenant: tenant, warn: warn)
        self.init(policy: RateLimitPolicy(perMinute: org.rateLimitPerMinute, share: org.rateLimitShare),
                  store: store, clock: clock)
    }

    // MARK: RateLimitObserver

    public func waitForPermit() async {
        let source = RateLimitContext.source ?? "", priority = RateLimitContext.priority
        await enter(source: source, priority: priority)
        let started = clock.now()
        var waited = false
        let asker = RateLimitBudget.Asker(id: ticketId, priority: priority)
        while true {
            if Task.isCancelled {
                store.update { $0.withdraw(ticketId) }
                break
            }
            // `now` is read under the store's lock, so a grant is never recorded older than it is.
            guard let next = store.update({ $0.acquire(now: clock.now(), policy: policy, asker: asker) }) else { break }
            waited = true
            await clock.sleep(until: next)
        }
        let seconds = waited ? max(0, clock.now() - started) : 0
        leave(source: source, waited: waited, seconds: seconds)
    }

    public func observe(_ snapshot: RateLimitSnapshot) {
        store.update { $0.observe(snapshot, now: clock.now(), policy: policy) }
        if snapshot.status == 429 { queue.withLock { $0.rateLimited429 += 1 } }
    }

    // MARK: Metrics

    /// The org's last headers, xaas's remaining budget (all processes) and this process's waits and 429s.
    public func status() -> RateLimitStatus {
        let now = clock.now()
        let (limit, remaining, budget, left) = store.update { b in
            (b.limit ?? policy.perMinute, b.estimatedRemaining(now: now), b.allowance(policy), b.budgetRemaining(now: now, policy))
        }
        return queue.withLock { q in
            RateLimitStatus(limit: limit, remaining: remaining, budget: budget, budgetRemaining: left ?? -1,
                            waitsTotal: q.waitsTotal, secondsWaited: q.secondsWaited, rateLimited429: q.rateLimited429)
        }
    }

    /// ``status()`` in the shape `xaas serve` exports (`budgetRemaining` is −1 while no limit is known).
    public func snapshot() -> (limit: Int?, remaining: Int?, budgetRemaining: Int, waitsTotal: Int, rateLimited429: Int) {
        let s = status()
        return (s.limit, s.remaining, s.budgetRemaining, s.waitsTotal, s.rateLimited429)
    }

    // MARK: The queue

    /// Callers queued behind the head (for tests and diagnostics).
    var waitingCount: Int { queue.withLock { $0.waiting.count } }

    /// Returns when this caller is the head.
    private func enter(source: String, priority: RateLimitPriority) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let go = queue.withLock { q -> Bool in
                q.seq += 1
                if !q.busy { q.busy = true; return true }
                q.waiting.append(Waiter(seq: q.seq, priority: priority, source: source, continuation: continuation))
                return false
            }
            if go { continuation.resume() }
        }
    }

    /// Hands the head to the next waiter: best priority, then least recently served source, then oldest.
    private func leave(source: String, waited: Bool, seconds: Double) {
        let next = queue.withLock { q -> CheckedContinuation<Void, Never>? in
            q.served += 1
            q.lastServed[source] = q.served
            if waited { q.waitsTotal += 1; q.secondsWaited += seconds }
            guard !q.waiting.isEmpty else { q.busy = false; return nil }
            var best = 0
            for i in q.waiting.indices.dropFirst() where Self.precedes(q.waiting[i], q.waiting[best], q.lastServed) { best = i }
            return q.waiting.remove(at: best).continuation
        }
        next?.resume()
    }

    private static func precedes(_ a: Waiter, _ b: Waiter, _ lastServed: [String: UInt64]) -> Bool {
        if a.priority != b.priority { return a.priority < b.priority }
        let la = lastServed[a.source] ?? 0, lb = lastServed[b.source] ?? 0
        if a.source != b.source && la != lb { return la < lb }
        return a.seq < b.seq
    }
}
