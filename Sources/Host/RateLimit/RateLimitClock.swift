import Foundation

/// The limiter's notion of time: epoch seconds now, and a sleep until a given time. Injectable so tests
/// run on a virtual clock (or the emulator's manual clock) instead of waiting real minutes.
///
/// Threading: both are called from any task concurrently. Every process sharing a budget file must use
/// the same clock, so across processes it is the system clock.
public protocol RateLimitClock: Sendable {
    /// Now, in epoch seconds.
    func now() -> Double
    /// Returns at `deadline` (epoch seconds) or later; may return early when the task is cancelled.
    func sleep(until deadline: Double) async
}

/// The system clock (`Date`) and `Task.sleep`.
public struct SystemRateLimitClock: RateLimitClock {
    public init() {}

    public func now() -> Double { Date().timeIntervalSince1970 }

    public func sleep(until deadline: Double) async {
        let seconds = min(max(0, deadline - now()), 86_400)
        if seconds > 0 { try? await Task.sleep(nanoseconds: UInt64(seconds * 1e9)) }
    }
}
