import Dispatch
import Glibc
import Synchronization

/// Ends the process with a message when one plugin call takes longer than allowed (`xaas plugins read`
/// runs the plugin in-process; a call that never returns cannot be interrupted, only abandoned).
///
/// Thread-safe: ``arm(_:)`` and ``disarm()`` may be called from any thread.
final class CallWatchdog: Sendable {
    let seconds: Double
    private let generation = Atomic<Int>(0)

    init(seconds: Double) { self.seconds = seconds }

    /// Starts timing a call described by `what`; past ``seconds`` the process prints why and exits 1.
    func arm(_ what: String) {
        let armed = generation.add(1, ordering: .sequentiallyConsistent).newValue
        let seconds = self.seconds
        DispatchQueue.global().asyncAfter(deadline: .now() + seconds) { [self] in
            guard generation.load(ordering: .sequentiallyConsistent) == armed else { return }
            StandardError.print("xaas: \(what) did not return within \(String(format: "%g", seconds)) s: the plugin hangs "
                                + "(or needs longer: --timeout SECONDS)")
            _exit(1)
        }
    }

    /// The call returned in time.
    func disarm() { generation.add(1, ordering: .sequentiallyConsistent) }
}
