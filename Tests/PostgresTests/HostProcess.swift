import Foundation
import Glibc
import TestSupport

/// One `xaas serve` host of a multi-host test: its stderr collected as it comes; it can be signalled
/// together with its worker processes (which live in process groups of their own).
final class HostProcess: @unchecked Sendable {
    let id: String
    let process = Process()
    private let collected = NSLockedString()

    init(id: String, _ arguments: [String], environment: [String: String] = [:]) throws {
        self.id = id
        process.executableURL = TestSupport.xaasExecutable
        process.arguments = ["serve", "--host-id", id] + arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let err = Pipe()
        process.standardError = err
        process.standardOutput = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let collected = self.collected
        Thread.detachNewThread {
            while true {
                let data = err.fileHandleForReading.availableData
                if data.isEmpty { break }
                collected.withLock { $0 += String(decoding: data, as: UTF8.self) }
            }
        }
    }

    deinit { stop(SIGKILL) }

    var log: String { collected.withLock { $0 } }
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

/// Polls `condition` every 100 ms until it holds or `seconds` pass; returns whether it held.
func eventually(_ seconds: Double, _ condition: () throws -> Bool) rethrows -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if try condition() { return true }
        Thread.sleep(forTimeInterval: 0.1)
    }
    return try condition()
}
