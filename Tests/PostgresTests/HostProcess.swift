import Foundation
import Glibc
import SyncTestSupport

/// One `xaas serve` host of a multi-host test (a ``ServeProcess`` with a `--host-id`): it can be signalled
/// together with its worker processes (which live in process groups of their own).
final class HostProcess: @unchecked Sendable {
    let id: String
    private let serve: ServeProcess
    var process: Process { serve.process }

    init(id: String, _ arguments: [String], environment: [String: String] = [:]) throws {
        self.id = id
        serve = try ServeProcess(["--host-id", id] + arguments, environment: environment)
    }

    deinit { stop(SIGKILL) }

    var log: String { serve.log }
    /// The port of its metrics and status server (`--listen`), from its log.
    func metricsPort() -> Int? { serve.metricsPort() }
    var pid: Int32 { process.processIdentifier }

    /// Sends `signal` to the host and every worker it started.
    func signalAll(_ signal: Int32) {
        for child in Self.children(of: pid) { kill(child, signal) }
        kill(pid, signal)
    }

    /// SIGCONT then `signal` (a stopped process must run to die of SIGTERM), to the host and its workers.
    func stop(_ signal: Int32 = SIGTERM) {
        guard process.isRunning else { return }
        signalAll(SIGCONT)
        signalAll(signal)
    }

    /// Waits until the host exited; `false` after `seconds`.
    func waitExit(_ seconds: Double) -> Bool { eventually(seconds) { !process.isRunning } }

    /// The pids whose parent is `pid` (from /proc).
    static func children(of pid: Int32) -> [Int32] {
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else { return [] }
        return entries.compactMap { Int32($0) }.filter { child in
            guard let stat = try? String(contentsOfFile: "/proc/\(child)/stat", encoding: .utf8),
                  let close = stat.lastIndex(of: ")") else { return false }
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            return fields.count > 2 && Int32(fields[1]) == pid
        }
    }
}

/// Polls `condition` every 100 ms until it holds or `seconds` pass (``ServeProcess/eventually(_:_:)``).
func eventually(_ seconds: Double, _ condition: () throws -> Bool) rethrows -> Bool {
    try ServeProcess.eventually(seconds, condition)
}
