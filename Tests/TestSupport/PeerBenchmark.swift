import Foundation

/// Helpers for opt-in benchmarks that compare xaas with a peer (a Python module) in the same run.
/// Figures are printed, never asserted; only counts are checked.
public enum PeerBenchmark {
    /// Whether benchmarks were asked for (`XAAS_BENCH=1`).
    public static let enabled = ProcessInfo.processInfo.environment["XAAS_BENCH"] != nil

    /// An integer from the environment, or `fallback`.
    public static func setting(_ name: String, _ fallback: Int) -> Int {
        ProcessInfo.processInfo.environment[name].flatMap { Int($0) } ?? fallback
    }

    /// The 1-, 5- and 15-minute load averages.
    public static var loadAverage: String {
        ((try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8)) ?? "?").split(separator: " ").prefix(3)
            .joined(separator: " / ")
    }

    /// Seconds `body` took (monotonic clock).
    public static func seconds(_ body: () throws -> Void) rethrows -> Double {
        let start = ContinuousClock.now
        try body()
        let d = ContinuousClock.now - start
        return Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
    }

    /// The median of `values`.
    public static func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        return sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
    }

    /// Runs `script` with `python` and the given arguments; the script prints "<count> <seconds>"
    /// (timed inside Python, so interpreter start-up is not counted).
    public static func python(_ python: URL, _ script: String, _ arguments: [String]) throws -> (count: Int, seconds: Double) {
        let launcher = python.lastPathComponent == "env" ? ["python3"] : []  // TestSupport.python gives /usr/bin/env
        let result = try TestSupport.run(python, launcher + ["-c", script] + arguments)
        let parts = result.stdout.split(separator: " ")
        guard result.status == 0, parts.count == 2, let count = Int(parts[0]),
              let seconds = Double(parts[1].trimmingCharacters(in: .whitespacesAndNewlines)) else {
            throw BenchmarkError(message: "python peer failed (\(result.status)): \(result.stderr.prefix(500))")
        }
        return (count, seconds)
    }

    /// Prints one result line and returns the ratio peer ÷ xaas (> 1: xaas is faster).
    @discardableResult
    public static func report(_ name: String, items: Int, xaas: [Double], peerName: String, peer: [Double]) -> Double {
        let x = median(xaas), p = median(peer)
        let ratio = p / x
        print(String(format: "%@: %d records; xaas median %.3f s (%.0f/s), %@ median %.3f s (%.0f/s); xaas is %.2f× faster; runs %d; load %@",
                     name, items, x, Double(items) / x, peerName, p, Double(items) / p, ratio, xaas.count, loadAverage))
        return ratio
    }

    public struct BenchmarkError: Error, CustomStringConvertible {
        public var message: String
        public var description: String { message }
    }
}
