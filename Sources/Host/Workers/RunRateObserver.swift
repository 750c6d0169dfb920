import Synchronization

/// Counts what one run saw of its org's rate limit: 429 answers and the last `X-Rate-Limit-Remaining`
/// and `-Limit`, plus the limiter's waits (reported by the worker so `xaas serve` can export them as metrics).
///
/// Thread-safe: the counters are guarded by a `Mutex`. Forwards every call to `next` (the per-org
/// limiter, when one is configured).
final class RunRateObserver: RateLimitObserver {
    struct Figures: Sendable {
        var rateLimited = 0
        var remaining: Int?
        var limit: Int?
        /// Permits that had to wait in the org's rate limiter, and how long in total.
        var waits = 0
        var secondsWaited = 0.0
    }

    private let figures = Mutex(Figures())
    private let next: (any RateLimitObserver)?

    init(next: (any RateLimitObserver)? = nil) { self.next = next }

    func waitForPermit() async { await next?.waitForPermit() }

    func observe(_ snapshot: RateLimitSnapshot) {
        figures.withLock { f in
            if snapshot.status == 429 { f.rateLimited += 1 }
            if let remaining = snapshot.remaining { f.remaining = remaining }
            if let limit = snapshot.limit { f.limit = limit }
        }
        next?.observe(snapshot)
    }

    var current: Figures { figures.withLock { $0 } }
}
