/// When `xaas sync --schedule`/the daemon runs a source: `{"every": "15m"}` or `{"cron": "*/5 * * * *"}`.
///
/// Only the syntax is validated here (see ``ScheduleParser``); running on a schedule is the scheduler's job.
public enum Schedule: Sendable, Equatable {
    /// A fixed interval in seconds (from `"30s"`, `"15m"`, `"1h30m"`, `"1d"`).
    case every(seconds: Double)
    /// A five-field cron expression (minute hour day-of-month month day-of-week), as written (trimmed).
    case cron(String)
}
