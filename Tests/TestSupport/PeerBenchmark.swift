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

    /// Wall and CPU time of one run, in seconds.
    public struct Timing {
        public var wall: Double
        public var cpu: Double
    }

    /// The wall time and this thread's CPU time `body` took. On a loaded machine the CPU time is the
    /// steadier figure (the wall time includes waiting for a core).
    public static func measure(_ body: () throws -> Void) rethrows -> Timing {
        let start = ContinuousClock.now
        let cpuStart = threadCPU()
        try body()
        let cpu = threadCPU() - cpuStart
        let d = ContinuousClock.now - start
        return Timing(wall: Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18, cpu: cpu)
    }

    private static func threadCPU() -> Double {
        var t = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t)
        return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
    }

    /// The median of `values`.
    public static func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        return sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
    }

    /// Runs `script` with `python` and the given arguments; the script prints "<count> <wall> <cpu>"
    /// (`time.perf_counter()` and `time.process_time()` inside Python, so start-up is not counted).
    public static func python(_ python: URL, _ script: String, _ arguments: [String]) throws -> (count: Int, timing: Timing) {
        let launcher = python.lastPathComponent == "env" ? ["python3"] : []  // TestSupport.python gives /usr/bin/env
        let result = try TestSupport.run(python, launcher + ["-c", script] + arguments)
        let parts = result.stdout.split(whereSeparator: \.isWhitespace)
        guard result.status == 0, parts.count == 3, let count = Int(parts[0]), let wall = Double(parts[1]),
              let cpu = Double(parts[2]) else {
            throw BenchmarkError(message: "python peer failed (\(result.status)): \(result.stderr.prefix(500))")
        }
        return (count, Timing(wall: wall, cpu: cpu))
    }

    /// Prints the medians of wall and CPU time and the ratios peer ÷ xaas (> 1: xaas is faster).
    public static func report(_ name: String, items: Int, xaas: [Timing], peerName: String, peer: [Timing]) {
        let xw = median(xaas.map(\.wall)), xc = median(xaas.map(\.cpu))
        let pw = median(peer.map(\.wall)), pc = median(peer.map(\.cpu))
        print(String(format: "%@: %d records, %d runs; xaas median %.3f s wall / %.3f s CPU (%.0f records per CPU-s); "
                     + "%@ median %.3f s wall / %.3f s CPU; xaas is %.2f× faster in CPU, %.2f× in wall; load %@",
                     name, items, xaas.count, xw, xc, Double(items) / xc, peerName, pw, pc, pc / xc, pw / xw, loadAverage))
    }

    public struct BenchmarkError: Error, CustomStringConvertible {
        public var message: String
        public var description: String { message }
    }
}
