import Foundation
import Synchronization

/// The virtual clock `xaas bench` shares between the host and the in-process emulator: time moves only when
/// the host waits (rate limiter, cool-down, polling, retries) or when a request's modelled processing time
/// passes, and every move is applied to the emulator's manual clock too, so both sides see the same "now"
/// and a run that would take hours at Okta takes seconds of wall time.
///
/// Threading: thread-safe (one `Mutex`); the bench drives one sequential pipeline, so moves never race.
final class BenchClock: RateLimitClock {
    private let time: Mutex<Double>
    private let emulator: any InProcessOkta

    /// A clock starting at the emulator's configured start time.
    init(emulator: any InProcessOkta) {
        self.emulator = emulator
        time = Mutex(emulator.clockStart)
    }

    func now() -> Double { time.withLock { $0 } }

    /// Waiting is moving the clock: returns at once with the clock at `deadline` (or later).
    func sleep(until deadline: Double) async {
        advance(by: deadline - now())
    }

    /// Moves both clocks forward by `seconds` (negative values are ignored); sessions that fall due are
    /// processed by the emulator before this returns.
    func advance(by seconds: Double) {
        guard seconds > 0 else { return }
        time.withLock { $0 += seconds }
        emulator.advanceClock(by: seconds)
    }

    /// The `sleep` closure the engine, session runner and Okta client take.
    var sleeper: @Sendable (Double) async -> Void {
        { [self] seconds in advance(by: seconds) }
    }
}
