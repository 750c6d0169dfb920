/// The shared rate-limit state of one org: what xaas sent recently (all processes together) and what the
/// org last said in its `X-Rate-Limit-*` headers. Pure value logic; ``RateLimitBudgetStore`` keeps it
/// (in memory, or in a `flock`-protected file shared by processes). Times are epoch seconds on the
/// limiter's clock ("local"); the org's own times are converted with the response's `Date` header.
///
/// Rules of ``acquire(now:policy:)`` (a request may go when all hold):
/// 1. not before ``blockedUntil`` (a 429's reset + margin);
/// 2. xaas's sliding window: fewer than `allowance` grants in the last `window + margin` seconds
///    (counted in whole-second buckets, rounded so that a bucket leaves the window only when every grant
///    in it is at least `window + margin` seconds old) — so no 60 s interval ever holds more than
///    `⌊limit × share⌋` of xaas's requests, whatever the org's windows look like;
/// 3. the org's window: the last `X-Rate-Limit-Remaining` minus the grants since is above zero, or its
///    reset has passed — xaas waits for the reset instead of provoking a 429;
/// 4. while no limit is known at all: one probe at a time until a response brings headers.
public struct RateLimitBudget: Sendable, Equatable, Codable {
    /// One second of grants: epoch second → count.
    public struct Bucket: Sendable, Equatable, Codable {
        public var second: Int
        public var count: Int
    }

    /// Grants of the recent window, oldest first.
    public var grants: [Bucket] = []
    /// The org's last `X-Rate-Limit-Limit` (positive values only).
    public var limit: Int?
    /// The org's last `X-Rate-Limit-Remaining` and the reset it belongs to (org epoch seconds, and local).
    public var remaining: Int?
    public var resetEpoch: Int?
    public var resetAt: Double?
    /// Grants since `remaining` was observed.
    public var grantsSinceObservation = 0
    /// No request before this (local epoch seconds); set by a 429.
    public var blockedUntil: Double = 0
    /// Whether any response was observed (ends the probe phase even without headers).
    public var observedAny = false
    /// When the last probe was granted (probe phase only).
    public var probeAt: Double?
    /// 429 responses seen by every process together.
    public var rateLimited429 = 0
    /// Processes waiting for a permit, served best priority first, then oldest (see ``Ticket``).
    public var tickets: [Ticket] = []

    /// A waiting process's place in the cross-process queue: the id of its limiter, the priority of its
    /// current head, when it started waiting, and when it said it would ask again (a ticket whose owner
    /// has not come back ``RateLimitPolicy/ticketGraceSeconds`` after that is dropped: it crashed).
    public struct Ticket: Sendable, Equatable, Codable {
        public var id: String
        public var priority: Int
        public var since: Double
        public var next: Double

        func precedes(_ other: Ticket) -> Bool {
            priority != other.priority ? priority < other.priority : (since, id) < (other.since, other.id)
        }
    }

    /// Who is asking: a limiter's ticket id and its head's priority.
    public struct Asker: Sendable, Equatable {
        public var id: String
        public var priority: RateLimitPriority
        public init(id: String, priority: RateLimitPriority) {
            self.id = id
            self.priority = priority
        }
    }

    public init() {}

    /// The allowance per window: from the org's headers, else from config, else nil (unknown).
    public func allowance(_ policy: RateLimitPolicy) -> Int? {
        (limit ?? policy.perMinute).map(policy.allowance(limit:))
    }

    /// Grants still inside the sliding window at `now`.
    func used(now: Double, _ policy: RateLimitPolicy) -> Int {
        let oldest = Self.second(now) - policy.windowSeconds - policy.marginSeconds
        return grants.reduce(0) { $0 + ($1.second >= oldest ? $1.count : 0) }
    }

    /// Takes a permit at `now` and returns nil, or returns the earliest local time worth asking again.
    /// With an `asker`, the caller queues behind the tickets that precede it (and takes one when it must wait);
    /// without, tickets are ignored.
    public mutating func acquire(now: Double, policy: RateLimitPolicy, asker: Asker? = nil) -> Double? {
        prune(now: now, policy)
        guard let asker else { return take(now: now, policy: policy) }
        tickets.removeAll { $0.next + policy.ticketGraceSeconds < now && $0.id != asker.id }
        let index = tickets.firstIndex { $0.id == asker.id }
        var mine = index.map { tickets[$0] } ?? Ticket(id: asker.id, priority: asker.priority.rawValue, since: now, next: now)
        mine.priority = asker.priority.rawValue
        var next: Double?
        if let first = tickets.filter({ $0.id != asker.id }).min(by: { $0.precedes($1) }), first.precedes(mine) {
            // Someone waited longer (or is a deactivation): let them have the slot first.
            next = take(now: now, policy: policy, dryRun: true).map { max($0, now + 0.1) } ?? now + 0.1
        } else {
            next = take(now: now, policy: policy)
        }
        if let next {
            mine.next = next
            if let index { tickets[index] = mine } else { tickets.append(mine) }
        } else if let index {
            tickets.remove(at: index)
        }
        return next
    }

    /// Leaves the queue without a permit (a cancelled waiter).
    public mutating func withdraw(_ id: String) {
        tickets.removeAll { $0.id == id }
    }

    /// The budget rules proper: grants (unless `dryRun`) and returns nil, or returns when to ask again.
    private mutating func take(now: Double, policy: RateLimitPolicy, dryRun: Bool = false) -> Double? {
        if now < blockedUntil { return blockedUntil }
        if let resetAt, now >= resetAt {
            remaining = nil; self.resetAt = nil; resetEpoch = nil; grantsSinceObservation = 0
        }
        if let remaining, let resetAt, remaining - grantsSinceObservation <= 0 {
            return resetAt
        }
        if let allowance = allowance(policy) {
            let used = used(now: now, policy)
            if used >= allowance {
                // The bucket whose expiry brings the count below the allowance.
                var toFree = used - allowance + 1
                let oldest = Self.second(now) - policy.windowSeconds - policy.marginSeconds
                for bucket in grants where bucket.second >= oldest {
                    toFree -= bucket.count
                    if toFree <= 0 { return Double(bucket.second + policy.windowSeconds + policy.marginSeconds + 1) }
                }
                return now + 1
            }
        } else if !observedAny {
            if let probeAt, now < probeAt + policy.probeTimeoutSeconds {
                return min(probeAt + policy.probeTimeoutSeconds, now + 0.05)
            }
            if !dryRun { probeAt = now }
        }
        if !dryRun { record(now: now) }
        return nil
    }

    /// Folds one response's headers in; `now` is the local time it arrived.
    public mutating func observe(_ snapshot: RateLimitSnapshot, now: Double, policy: RateLimitPolicy) {
        observedAny = true
        probeAt = nil
        // Org time → local time, from the response's Date (whole seconds; the margin absorbs the rest).
        let offset = snapshot.dateEpochSeconds.map { now - Double($0) } ?? 0
        let margin = Double(policy.marginSeconds)
        let localReset = snapshot.resetEpochSeconds.map { Double($0) + offset + margin }
        if snapshot.status == 429 {
            rateLimited429 += 1
            // A concurrency 429 sends Limit = Remaining = 0 and an estimated reset: never adopt limit 0.
            let until = localReset.map { max($0, now + 1) } ?? (now + Double(policy.windowSeconds) / 4)
            blockedUntil = max(blockedUntil, min(until, now + Double(policy.windowSeconds + policy.marginSeconds) * 2))
            remaining = 0; resetAt = until; resetEpoch = snapshot.resetEpochSeconds; grantsSinceObservation = 0
            return
        }
        if let l = snapshot.limit, l > 0 { limit = l }
        guard let r = snapshot.remaining, let reset = snapshot.resetEpochSeconds, let localReset else { return }
        if resetEpoch == reset, let known = remaining {
            // Same org window: responses may arrive out of order; keep the lower estimate.
            remaining = min(known - grantsSinceObservation, r)
        } else if let known = resetEpoch, reset < known {
            return // a late response from an older window
        } else {
            remaining = r
        }
        resetEpoch = reset
        resetAt = localReset
        grantsSinceObservation = 0
    }

    /// What xaas may still send in the sliding window at `now` (nil while no limit is known).
    public func budgetRemaining(now: Double, _ policy: RateLimitPolicy) -> Int? {
        allowance(policy).map { max(0, $0 - used(now: now, policy)) }
    }

    /// The org's remaining requests as xaas estimates them at `now` (nil when unknown or past the reset).
    public func estimatedRemaining(now: Double) -> Int? {
        guard let remaining, let resetAt, now < resetAt else { return nil }
        return max(0, remaining - grantsSinceObservation)
    }

    private mutating func record(now: Double) {
        let s = Self.second(now)
        if let last = grants.last, last.second == s {
            grants[grants.count - 1].count += 1
        } else {
            grants.append(Bucket(second: s, count: 1))
            grants.sort { $0.second < $1.second } // clocks of processes may disagree slightly
        }
        grantsSinceObservation += 1
    }

    private mutating func prune(now: Double, _ policy: RateLimitPolicy) {
        let oldest = Self.second(now) - policy.windowSeconds - policy.marginSeconds
        if let first = grants.first, first.second < oldest { grants.removeAll { $0.second < oldest } }
    }

    static func second(_ t: Double) -> Int { Int(t.rounded(.down)) }
}
