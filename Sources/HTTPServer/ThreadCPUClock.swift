#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The CPU time of the calling thread (`CLOCK_THREAD_CPUTIME_ID`): what one thread's work cost, in a process
/// whose other threads do other work (the bench's in-process emulator beside the host).
public enum ThreadCPUClock {
    /// The calling thread's CPU time so far, in nanoseconds.
    @inline(__always)
    public static func nanoseconds() -> UInt64 {
        var t = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t)
        return UInt64(t.tv_sec) &* 1_000_000_000 &+ UInt64(t.tv_nsec)
    }
}
