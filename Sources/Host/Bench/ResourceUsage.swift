import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// CPU time and peak memory of this process (and its children), for the bench's table.
struct ResourceUsage {
    /// User + system CPU seconds of this process and its waited-for children.
    var cpuSeconds: Double

    static func now() -> ResourceUsage {
        func seconds(_ who: Int32) -> Double {
            var usage = rusage()
            _ = getrusage(__rusage_who_t(who), &usage)
            return Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6
                + Double(usage.ru_stime.tv_sec) + Double(usage.ru_stime.tv_usec) / 1e6
        }
        return ResourceUsage(cpuSeconds: seconds(RUSAGE_SELF.rawValue) + seconds(RUSAGE_CHILDREN.rawValue))
    }

    /// Resets the kernel's peak-RSS mark of this process (Linux ≥ 4.0: `5` into `/proc/self/clear_refs`),
    /// so ``peakRSSBytes()`` measures from here. Without it, the peak is the process's lifetime peak.
    static func resetPeak() {
        try? "5".write(toFile: "/proc/self/clear_refs", atomically: false, encoding: .utf8)
    }

    /// The peak resident set size (`VmHWM`) in bytes, 0 when unknown.
    static func peakRSSBytes() -> Int {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
        for line in status.split(separator: "\n") where line.hasPrefix("VmHWM:") {
            let kib = line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first.flatMap { Int($0) }
            return (kib ?? 0) * 1024
        }
        return 0
    }
}
