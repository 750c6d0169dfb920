import Synchronization

/// The process-wide watchdog over plugin calls (`open`, `check`, `read_page`): ``PluginInstance`` times
/// every call with the installed ``CallWatchdog``, if any. Installed by the processes that run one plugin
/// and may abandon it: a sync worker (the source's `pageTimeoutSeconds`) and `xaas plugins read`
/// (`--timeout`). Without one, calls are not timed (the run timeout still applies to a worker).
///
/// Thread-safe. Calls of one process are timed one at a time (one plugin instance per worker).
enum PluginCallWatch {
    private static let watchdog = Mutex<CallWatchdog?>(nil)

    /// Times every later plugin call with `watchdog` (`nil` stops timing).
    static func install(_ watchdog: CallWatchdog?) { self.watchdog.withLock { $0 = watchdog } }

    /// Runs `body` (one plugin call, described by `what`) under the installed watchdog.
    static func around<T, E: Error>(_ what: @autoclosure () -> String, _ body: () throws(E) -> T) throws(E) -> T {
        guard let watchdog = watchdog.withLock({ $0 }) else { return try body() }
        watchdog.arm(what())
        defer { watchdog.disarm() }
        return try body()
    }
}
