import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Synchronization
import TestSupport

/// `xaas serve` running in the background for a test: its stderr is collected as it comes, it can be
/// signalled, waited for, and its metrics fetched.
public final class ServeProcess: @unchecked Sendable {
    public let process = Process()
    private let stderr = Locked("")
    private let done = DispatchSemaphore(value: 0)

    /// `environment` adds variables to the test's own (e.g. `XAAS_NOW`).
    public init(_ arguments: [String], environment: [String: String] = [:]) throws {
        process.executableURL = TestSupport.xaasExecutable
        process.arguments = ["serve"] + arguments
        if !environment.isEmpty {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        }
        let err = Pipe()
        process.standardError = err
        process.standardOutput = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let collected = stderr
        let finished = done
        Thread.detachNewThread {
            while true {
                let data = err.fileHandleForReading.availableData
                if data.isEmpty { break }
                collected.withLock { $0 += String(decoding: data, as: UTF8.self) }
            }
            finished.signal()
        }
    }

    deinit { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }

    public var log: String { stderr.withLock { $0 } }

    /// Polls `condition` every 100 ms until it holds or `seconds` pass; returns whether it held.
    public static func eventually(_ seconds: Double, _ condition: () throws -> Bool) rethrows -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if try condition() { return true }
            Thread.sleep(forTimeInterval: 0.1)
        }
        return try condition()
    }

    /// The metrics port from the "serving metrics on http://host:port/metrics" log line.
    public func metricsPort(within seconds: Double = 30) -> Int? {
        var port: Int?
        _ = Self.eventually(seconds) {
            guard let range = log.range(of: #"serving metrics on http://127\.0\.0\.1:[0-9]+"#, options: .regularExpression)
            else { return false }
            port = Int(log[range].split(separator: ":").last ?? "")
            return true
        }
        return port
    }

    public func signal(_ number: Int32) { kill(process.processIdentifier, number) }

    /// Waits for exit; nil when still running after `seconds`.
    public func exitStatus(within seconds: Double) -> Int32? {
        guard done.wait(timeout: .now() + seconds) == .success else { return nil }
        process.waitUntilExit()
        return process.terminationStatus
    }

    /// `GET http://127.0.0.1:port/path` → (status, body).
    public static func get(port: Int, _ path: String) -> (Int, String)? {
        let result = Locked<(Int, String)?>(nil)
        let semaphore = DispatchSemaphore(value: 0)
        let task = URLSession.shared.dataTask(with: URL(string: "http://127.0.0.1:\(port)\(path)")!) { data, response, _ in
            if let http = response as? HTTPURLResponse {
                result.withLock { $0 = (http.statusCode, String(decoding: data ?? Data(), as: UTF8.self)) }
            }
            semaphore.signal()
        }
        task.resume()
        _ = semaphore.wait(timeout: .now() + 10)
        return result.withLock { $0 }
    }

    /// The value of the sample `name{labels}` in a metrics text, e.g. `xaas_runs_total{tenant="a",source="b",result="ok"}`.
    public static func sample(_ metrics: String, _ series: String) -> Double? {
        for line in metrics.split(separator: "\n") where line.hasPrefix(series + " ") {
            return Double(line.dropFirst(series.count + 1))
        }
        return nil
    }
}

/// A value behind a lock, shareable with escaping closures.
public final class Locked<Value: Sendable>: Sendable {
    private let mutex: Mutex<Value>
    public init(_ value: Value) { mutex = Mutex(value) }
    public func withLock<R>(_ body: (inout Value) -> R) -> R { mutex.withLock { body(&$0) } }
}
