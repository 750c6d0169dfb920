import Foundation

/// Runs blocking plugin work on a dedicated thread, never on the Swift concurrency pool (plugin
/// calls block, and a plugin that waits on its own async work must not occupy a pool thread).
public enum PluginThread {
    /// Runs `body` on a new thread (8 MiB stack) and returns its result.
    public static func run<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            let thread = Thread { continuation.resume(returning: body()) }
            thread.stackSize = 8 << 20
            thread.start()
        }
    }
}
