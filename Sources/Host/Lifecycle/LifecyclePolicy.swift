import Foundation

/// A dated change the lifecycle will make to one user: a create (or reactivation) or a deactivation.
public struct LifecycleEvent: Sendable, Equatable {
    public enum Action: String, Sendable {
        /// A held new hire (or rehire) becomes due.
        case create
        /// A user already in Okta whose start date moved later: left as is until then.
        case hold
        /// The end date (+ grace days) arrives.
        case deactivate
    }

    public var action: Action
    /// The instant it takes effect.
    public var due: Date
    /// What happens when, e.g. "creates on 2026-12-07 (7 days before start 2026-12-14)" or
    /// "deactivates on 2026-12-10 (end date 2026-12-10)".
    public var detail: String

    public init(action: Action, due: Date, detail: String) {
        self.action = action
        self.due = due
        self.detail = detail
    }
}

/// What the lifecycle dates say about one record now.
public enum LifecycleVerdict: Sendable, Equatable {
    /// Plan the record as usual; `next` is a later dated change (a coming end date), if any.
    case proceed(next: LifecycleEvent?)
    /// Not due yet: do not send, do not treat as absent. `afterEnd`: a previous employment has ended
    /// (a rehire), so a user still active in Okta is deactivated meanwhile.
    case held(LifecycleEvent, afterEnd: Bool)
    /// The end date (+ grace days) has passed: deactivate (reason ``LifecyclePolicy/endedReason``).
    case ended(String)
    /// A date is missing or unreadable: a per-record problem (never a deactivation).
    case problem(String)
}

/// Decides from a record's start and end dates whether it is held, due, or ended, at an instant.
///
/// Dates are days in the source's time zone; a day's instant is its start (00:00, or the first instant
/// after a DST gap) computed with `Calendar`, so it is right across DST changes. A start date `S` is due
/// at start-of-day(`S` − `preHireDays`); an end date `E` takes effect at start-of-day(`E` + `graceDays`),
/// or at `E` + `graceDays` days when the value has a time of day. An end date before the start date
/// belongs to a previous employment (a rehire).
///
/// ## Threading
/// Holds a ``LifecycleDateParser``: one instance per planning thread.
public final class LifecyclePolicy {
    public let config: LifecycleConfig
    private let parser: LifecycleDateParser
    private let calendar: Calendar
    private let dayFormatter: DateFormatter
    /// Calendar arithmetic per distinct day (a source has a few thousand distinct dates, not one per user).
    private var dayStarts: [Int: Date] = [:]
    private var shifted: [ShiftKey: Date] = [:]
    private struct ShiftKey: Hashable { var dayStart: Date; var days: Int }
    private static let cacheLimit = 100_000

    /// The deactivation reason of a user whose end date has passed.
    public static let endedReason = "ended"

    public init(_ config: LifecycleConfig) {
        self.config = config
        parser = LifecycleDateParser(formats: config.dateFormats, timeZone: config.timeZone)
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = config.timeZone
        self.calendar = calendar
        dayFormatter = DateFormatter()
        dayFormatter.locale = Locale(identifier: "en_US_POSIX")
        dayFormatter.calendar = calendar
        dayFormatter.timeZone = config.timeZone
        dayFormatter.dateFormat = "yyyy-MM-dd"
    }

    /// The verdict for `record` at `now`.
    public func evaluate(_ record: SourceRecord, now: Date) -> LifecycleVerdict {
        let start: LifecycleDate?, end: LifecycleDate?
        switch read("startDate", config.startDate, record, required: true) {
        case .failure(let problem): return .problem(problem.message)
        case .success(let date): start = date
        }
        switch read("endDate", config.endDate, record, required: false) {
        case .failure(let problem): return .problem(problem.message)
        case .success(let date): end = date
        }
        let startDay = start.map(dayStart)
        let startDue = startDay.map { shift($0, days: -config.preHireDays) }
        let endDue = end.map(endInstant)
        let endIsPrevious = startDay != nil && end.map { endInstant($0, grace: 0) < startDay! } == true
        func startEvent(rehire: Bool) -> LifecycleEvent {
            let days = config.preHireDays
            let lead = days == 0 ? "start" : "\(days) day\(days == 1 ? "" : "s") before start"
            return LifecycleEvent(action: .create, due: startDue!,
                                  detail: "\(rehire ? "reactivates" : "creates") \(when(startDue!)) (\(lead) \(text(start!))\(rehire ? ", rehire" : ""))")
        }
        func endEvent() -> LifecycleEvent {
            LifecycleEvent(action: .deactivate, due: endDue!, detail: "deactivates \(when(endDue!)) (\(endDetail(end!)))")
        }
        if let endDue, !endIsPrevious {
            if now >= endDue { return .ended(endDetail(end!)) }
            if let startDue, now < startDue { return .held(startEvent(rehire: false), afterEnd: false) }
            return .proceed(next: endEvent())
        }
        if let startDue, now < startDue {
            // Still in the previous employment: it ends first, the new one is created on its own date.
            if let endDue, now < endDue { return .proceed(next: endEvent()) }
            return .held(startEvent(rehire: endIsPrevious), afterEnd: endIsPrevious)
        }
        return .proceed(next: nil)
    }

    /// The event of a user already in Okta whose start date moved later than `event` (a create) says.
    public func holdEvent(replacing event: LifecycleEvent) -> LifecycleEvent {
        let reason = event.detail.firstIndex(of: "(").map { String(event.detail[$0...]) } ?? ""
        return LifecycleEvent(action: .hold, due: event.due,
                              detail: "already in Okta; left as is (start date moved later) until \(when(event.due).dropFirst(3)) \(reason)")
    }

    /// "on 2026-12-07" for the start of a day in the source's zone, else "at 2026-12-07 17:00 (Europe/Berlin)"
    /// (always a three-character preposition first).
    func when(_ instant: Date) -> String {
        if calendar.startOfDay(for: instant) == instant { return "on \(dayFormatter.string(from: instant))" }
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = config.timeZone
        f.dateFormat = "yyyy-MM-dd HH:mm"
        return "at \(f.string(from: instant)) (\(config.timeZone.identifier))"
    }

    struct Problem: Error { var message: String }

    private func read(_ field: String, _ template: MappingTemplate?, _ record: SourceRecord,
                      required: Bool) -> Result<LifecycleDate?, Problem> {
        guard let template else { return .success(nil) }
        let value = template.evaluate(record)
        guard !value.isEmpty else {
            guard required else { return .success(nil) }
            return .failure(Problem(message: "lifecycle.\(field): missing (\(template.text) is empty)"))
        }
        guard let date = parser.parse(value) else {
            return .failure(Problem(message: "lifecycle.\(field): \"\(value)\" (from \(template.text)) is not a date in "
                                    + "the formats \(config.dateFormats.joined(separator: ", "))"))
        }
        return .success(date)
    }

    /// The start of the day `date` is on, in the source's zone.
    private func dayStart(_ date: LifecycleDate) -> Date {
        switch date {
        case .day(let y, let m, let d):
            let key = (y * 100 + m) * 100 + d
            if let cached = dayStarts[key] { return cached }
            // Noon exists on every day; its start of day is the day's first instant even after a DST gap.
            let noon = calendar.date(from: DateComponents(year: y, month: m, day: d, hour: 12))!
            let start = calendar.startOfDay(for: noon)
            if dayStarts.count < Self.cacheLimit { dayStarts[key] = start }
            return start
        case .instant(let instant):
            return calendar.startOfDay(for: instant)
        }
    }

    /// Start of the day `days` calendar days after (or before) the day starting at `dayStart`.
    private func shift(_ dayStart: Date, days: Int) -> Date {
        guard days != 0 else { return dayStart }
        let key = ShiftKey(dayStart: dayStart, days: days)
        if let cached = shifted[key] { return cached }
        let noon = calendar.date(byAdding: .hour, value: 12, to: dayStart)!
        let result = calendar.startOfDay(for: calendar.date(byAdding: .day, value: days, to: noon)!)
        if shifted.count < Self.cacheLimit { shifted[key] = result }
        return result
    }

    private func endInstant(_ date: LifecycleDate) -> Date { endInstant(date, grace: config.graceDays) }

    private func endInstant(_ date: LifecycleDate, grace: Int) -> Date {
        switch date {
        case .day: return shift(dayStart(date), days: grace)
        case .instant(let instant): return calendar.date(byAdding: .day, value: grace, to: instant)!
        }
    }

    private func endDetail(_ end: LifecycleDate) -> String {
        let grace = config.graceDays
        return "end date \(text(end))" + (grace == 0 ? "" : " + \(grace) grace day\(grace == 1 ? "" : "s")")
    }

    private func text(_ date: LifecycleDate) -> String {
        switch date {
        case .day(let y, let m, let d): return String(format: "%04d-%02d-%02d", y, m, d)
        case .instant(let instant):
            let f = ISO8601DateFormatter()
            f.timeZone = config.timeZone
            return f.string(from: instant)
        }
    }
}
