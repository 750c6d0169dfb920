import Foundation
import Glibc
import Synchronization

/// Crash injection for the crash-safety tests: `XAAS_FAILPOINT=after-bulk:3` makes the process kill
/// itself with SIGKILL the third time it passes the point named `after-bulk`. Unset (always, in
/// production) every check is one atomic load.
///
/// Points: `plan-page`, `before-create-session`, `after-create-session`, `before-bulk`, `after-bulk`,
/// `after-trigger`, `before-commit`, `after-commit`.
public enum Failpoint {
    private static let armed: (name: String, hit: Int)? = {
        guard let spec = ProcessInfo.processInfo.environment["XAAS_FAILPOINT"], !spec.isEmpty else { return nil }
        let parts = spec.split(separator: ":")
        return (String(parts[0]), parts.count > 1 ? Int(parts[1]) ?? 1 : 1)
    }()
    private static let hits = Mutex<Int>(0)

    /// Passes the point `name`; kills the process if the armed failpoint says so.
    public static func pass(_ name: String) {
        guard let armed, armed.name == name else { return }
        let count = hits.withLock { value -> Int in
            value += 1
            return value
        }
        if count == armed.hit {
            FileHandle.standardError.write(Data("xaas: failpoint \(name):\(count) — killing the process\n".utf8))
            kill(getpid(), SIGKILL)
        }
    }
}
