import Foundation
import Glibc
import XaasJSON

/// Bounds a sync worker puts on its connector, so that a connector that hangs in one call or leaks memory
/// fails only its own run, with a clear error, in bounded time (the run's `timeoutSeconds` bounds the
/// whole run; these bound one call and the worker's memory long before that).
///
/// Source keys: `pageTimeoutSeconds` (one `open`, `check` or `read_page` call; default 300 s, like
/// `xaas plugins read --timeout`) and `memoryLimitMB` (the worker's resident memory; default 8192 MiB,
/// `null` = no limit).
public struct WorkerLimits: Sendable, Equatable {
    public static let defaultPageTimeoutSeconds: Double = 300
    public static let defaultMemoryLimitMB = 8192
    /// How often the worker looks at its resident memory.
    static let memoryCheckInterval: Double = 0.2

    public var pageTimeoutSeconds: Double = WorkerLimits.defaultPageTimeoutSeconds
    public var memoryLimitMB: Int? = WorkerLimits.defaultMemoryLimitMB

    public init() {}

    static let keys = ["pageTimeoutSeconds", "memoryLimitMB"]

    /// Reads the two keys of a source file, reporting problems to `reader`.
    static func read(_ json: JSONValue, reader: inout ConfigReader) -> WorkerLimits {
        var limits = WorkerLimits()
        if let t = reader.double(json, "pageTimeoutSeconds", at: "$", range: 0...(7 * 86_400), lowerOpen: true) {
            limits.pageTimeoutSeconds = t
        }
        if json["memoryLimitMB"] == .null {
            limits.memoryLimitMB = nil
        } else if let m = reader.int(json, "memoryLimitMB", at: "$", range: 64...(1 << 30)) {
            limits.memoryLimitMB = m
        }
        return limits
    }

    /// Starts enforcing the limits in this worker: every plugin call is timed, and a thread checks the
    /// resident memory. On a breach `abandon` gets the reason; it must report and end the process.
    func enforce(plugin: String, abandon: @escaping @Sendable (String) -> Void) {
        let resume = "the worker was stopped; its journal is kept and the next run resumes it"
        PluginCallWatch.install(CallWatchdog(seconds: pageTimeoutSeconds, hint: "the source's pageTimeoutSeconds") {
            abandon("connector \($0); \(resume)")
        })
        guard let limit = memoryLimitMB else { return }
        let thread = Thread {
            while true {
                Thread.sleep(forTimeInterval: Self.memoryCheckInterval)
                let used = Self.residentMB()
                if used > limit {
                    abandon("the worker uses \(used) MiB of memory, more than the source's memoryLimitMB (\(limit)): "
                            + "connector \(plugin) leaks memory (or needs a higher memoryLimitMB); \(resume)")
                    return
                }
            }
        }
        thread.start()
    }

    /// This process's resident set in MiB (`/proc/self/statm`), 0 when unknown.
    static func residentMB() -> Int {
        // /proc files say size 0, so read them with read(2) rather than Foundation's file APIs.
        let fd = Glibc.open("/proc/self/statm", O_RDONLY)
        guard fd >= 0 else { return 0 }
        defer { Glibc.close(fd) }
        var buffer = [UInt8](repeating: 0, count: 256)
        let n = Glibc.read(fd, &buffer, buffer.count)
        guard n > 0 else { return 0 }
        let fields = String(decoding: buffer[..<n], as: UTF8.self).split(separator: " ")
        guard fields.count > 1, let pages = Int(fields[1]) else { return 0 }
        return (pages * Int(sysconf(Int32(_SC_PAGESIZE)))) >> 20
    }
}
