/// How much of one org's rate limit xaas may spend: `org.json`'s `rateLimit` plus the scheduler's windows.
public struct RateLimitPolicy: Sendable, Equatable {
    /// The org's limit per minute from config, used until a response brings `X-Rate-Limit-Limit`.
    public var perMinute: Int?
    /// The share (0 < share ≤ 1) of the org's window xaas may spend.
    public var share: Double
    /// The length of the org's window in seconds (Okta: 60).
    public var windowSeconds: Int = 60
    /// Extra seconds added to the window (and to every reset) to absorb latency, clock skew and the
    /// whole-second precision of `Date` and `X-Rate-Limit-Reset`.
    public var marginSeconds: Int = 1
    /// While no limit is known (nothing configured, no response yet) one probe request is let through;
    /// the next waits for its response, or this many seconds when none comes.
    public var probeTimeoutSeconds: Double = 5
    /// A waiting process that has not asked again this long after it said it would is taken for dead
    /// and loses its place in the queue.
    public var ticketGraceSeconds: Double = 5

    public init(perMinute: Int?, share: Double) {
        self.perMinute = perMinute
        self.share = min(1, max(share, 0.000_001))
    }

    /// What xaas may send per window when the org's limit is `limit`: `⌊limit × share⌋`, at least 1.
    public func allowance(limit: Int) -> Int {
        max(1, Int((Double(limit) * share).rounded(.down)))
    }
}

/// What one ``OrgRateLimiter`` reports for metrics (`xaas serve`): the org's last headers, what is left of
/// xaas's own budget, and this process's waits and 429s.
public struct RateLimitStatus: Sendable, Equatable {
    /// The org's last `X-Rate-Limit-Limit` (or the configured `perMinute` before any response).
    public var limit: Int?
    /// The org's last `X-Rate-Limit-Remaining` minus what xaas sent since (nil when unknown or reset).
    public var remaining: Int?
    /// xaas's allowance per window, `⌊limit × share⌋` (nil while no limit is known).
    public var budget: Int?
    /// What xaas may still send in the current sliding window, all processes together; `-1` while no limit is known.
    public var budgetRemaining: Int
    /// Permits of this process that had to wait (for the budget, the org's window or a 429's reset).
    public var waitsTotal: Int
    /// Seconds this process's permits spent waiting, in total.
    public var secondsWaited: Double
    /// 429 responses this process saw from the org.
    public var rateLimited429: Int
}

/// The priority of a request in the per-org queue: deactivations go before everything else.
public enum RateLimitPriority: Int, Sendable, Comparable {
    case deactivation = 0
    case normal = 1

    public static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }
}

/// Who is asking for a permit, carried through task-locals so the client's protocol stays unchanged:
/// the engine sets the source name (round-robin between sources) and the priority (deactivations first).
public enum RateLimitContext {
    /// The source the current task works for (`nil`: anonymous, served FIFO among the anonymous).
    @TaskLocal public static var source: String?
    /// The priority of the current task's requests.
    @TaskLocal public static var priority: RateLimitPriority = .normal
}
