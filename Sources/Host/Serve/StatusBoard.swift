import Foundation
import Synchronization

/// What `xaas serve` knows live about its runs, for the status page: each running source's latest
/// ``SyncProgress``, and the configuration in force. Thread-safe: guarded by one `Mutex`.
final class StatusBoard: Sendable {
    private struct State {
        var progress: [String: SyncProgress] = [:]
        var running: Set<String> = []
        var config = ConfigDirectory(path: URL(fileURLWithPath: "/"), tenants: [])
    }

    private let state = Mutex(State())

    /// The configuration in force (replaced on SIGHUP).
    var config: ConfigDirectory {
        get { state.withLock { $0.config } }
        set { state.withLock { $0.config = newValue } }
    }

    func started(_ key: String) { state.withLock { _ = $0.running.insert(key) } }

    func update(_ progress: SyncProgress) {
        state.withLock { $0.progress["\(progress.tenant)/\(progress.source)"] = progress }
    }

    func finished(_ key: String) {
        state.withLock { s in
            s.running.remove(key)
            s.progress[key] = nil
        }
    }

    /// Whether `key` runs now, and its latest progress.
    func live(_ key: String) -> (running: Bool, progress: SyncProgress?) {
        state.withLock { ($0.running.contains(key), $0.progress[key]) }
    }
}
