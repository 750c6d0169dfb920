import Dispatch
import Glibc
import Synchronization

/// Ends the process when one plugin call takes longer than allowed: a call that never returns cannot be
/// interrupted, only abandoned. `xaas plugins read` prints why and exits 1 (the default ``onTimeout``); a
/// sync worker reports a failed run first (``WorkerCommand``).
///
/// Thread-safe: ``arm(_:)`` and ``disarm()`` may be called from any thread; one call is timed at a time.
final class CallWatchdog: Sendable {
    let seconds: Double
    /// What a user changes when a call legitimately needs longer (`--timeout SECONDS`).
    let hint: String
    /// Runs on a timer thread with the message; must end the process.
    let onTimeout: @Sendable (String) -> Void
    private let generation = Atomic<Int>(0)

    init(seconds: Double, hint: String = "--timeout SECONDS", onTimeout: @escaping @Sendable (String) -> Void = {
        StandardError.print("xaas: \($0)")
        _exit(1)
    }) {
        self.seconds = seconds
        self.hint = hint
        self.onTimeout = onTimeout
    }

    /// Starts timing a call described by `what`; past ``seconds`` ``onTimeout`` gets the reason.
    func arm(_ what: String) {
        let armed = generation.add(1, ordering: .sequentiallyConsistent).newValue
        let seconds = self.seconds, hint = self.hint
        DispatchQueue.global().asyncAfter(deadline: .now() + seconds) { [self] in
            guard generation.load(ordering: .sequentiallyConsistent) == armed else { return }
            onTimeout("\(what) did not return within \(String(format: "%g", seconds)) s: the plugin hangs "
                      + "(or needs longer: \(hint))")
        }
    }

    /// The call returned in time.
    func disarm() { generation.add(1, ordering: .sequentiallyConsistent) }
}
