import Synchronization

/// Keeps one org's ``RateLimitBudget`` and runs read-modify-write updates on it atomically.
///
/// Threading: `update` may be called from any thread or task concurrently; each call runs its body
/// exclusively (in-process by a mutex, across processes by `flock` for ``FileBudgetStore``). The body
/// must be short and must not block or await.
public protocol RateLimitBudgetStore: Sendable {
    /// Runs `body` on the current budget and keeps what it leaves.
    func update<T>(_ body: (inout RateLimitBudget) -> T) -> T
}

/// A budget in this process's memory only (one process per org, or tests).
public final class InMemoryBudgetStore: RateLimitBudgetStore {
    private let budget: Mutex<RateLimitBudget>

    public init(_ initial: RateLimitBudget = RateLimitBudget()) {
        budget = Mutex(initial)
    }

    public func update<T>(_ body: (inout RateLimitBudget) -> T) -> T {
        budget.withLock { body(&$0) }
    }
}
