import Foundation

/// A parsed five-field cron expression (minute hour day-of-month month day-of-week) that finds the next
/// matching minute. Fields were validated by ``ScheduleParser``. Standard semantics: when both
/// day-of-month and day-of-week are restricted, a day matching either runs; day-of-week 7 is Sunday.
/// Times are the machine's local time zone.
struct CronSchedule: Sendable {
    let minutes: Set<Int>, hours: Set<Int>, days: Set<Int>, months: Set<Int>, weekdays: Set<Int>
    let daysRestricted: Bool, weekdaysRestricted: Bool

    init?(_ text: String) {
        let fields = text.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        guard fields.count == 5,
              let minutes = Self.field(fields[0], 0...59, []), let hours = Self.field(fields[1], 0...23, []),
              let days = Self.field(fields[2], 1...31, []),
              let months = Self.field(fields[3], 1...12, ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]),
              let weekdays = Self.field(fields[4], 0...7, ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"])
        else { return nil }
        self.minutes = minutes; self.hours = hours; self.days = days; self.months = months
        self.weekdays = Set(weekdays.map { $0 % 7 })
        daysRestricted = !fields[2].hasPrefix("*")
        weekdaysRestricted = !fields[4].hasPrefix("*")
    }

    /// Expands one field into its values; nil when malformed.
    static func field(_ text: String, _ range: ClosedRange<Int>, _ names: [String]) -> Set<Int>? {
        func value(_ s: Substring) -> Int? {
            if let i = Int(s), range.contains(i) { return i }
            return names.firstIndex(of: s.uppercased()).map { $0 + range.lowerBound }
        }
        var out = Set<Int>()
        for item in text.split(separator: ",") {
            let pieces = item.split(separator: "/")
            let step = pieces.count == 2 ? Int(pieces[1]) ?? 0 : 1
            guard step >= 1, !pieces.isEmpty else { return nil }
            var low = range.lowerBound, high = range.upperBound
            if pieces[0] != "*" {
                let bounds = pieces[0].split(separator: "-")
                guard let l = value(bounds[0]) else { return nil }
                low = l
                high = bounds.count == 2 ? (value(bounds[1]) ?? -1) : (pieces.count == 2 ? range.upperBound : l)
                guard high >= low else { return nil }
            }
            out.formUnion(stride(from: low, through: high, by: step))
        }
        return out.isEmpty ? nil : out
    }

    /// The first matching minute strictly after `date` (searching up to five years ahead).
    func next(after date: Date, calendar: Calendar = .current) -> Date? {
        guard var t = calendar.date(byAdding: .minute, value: 1, to: date),
              let start = calendar.dateInterval(of: .minute, for: t)?.start else { return nil }
        t = start
        let limit = date.addingTimeInterval(5 * 366 * 86_400)
        while t < limit {
            let c = calendar.dateComponents([.month, .day, .weekday, .hour, .minute], from: t)
            guard let month = c.month, let day = c.day, let weekday = c.weekday, let hour = c.hour, let minute = c.minute
            else { return nil }
            if !months.contains(month) {
                t = calendar.dateInterval(of: .month, for: t).map(\.end) ?? t.addingTimeInterval(86_400)
                continue
            }
            let dayMatches: Bool
            switch (daysRestricted, weekdaysRestricted) {
            case (true, true): dayMatches = days.contains(day) || weekdays.contains(weekday - 1)
            case (true, false): dayMatches = days.contains(day)
            case (false, true): dayMatches = weekdays.contains(weekday - 1)
            case (false, false): dayMatches = true
            }
            if !dayMatches {
                t = calendar.dateInterval(of: .day, for: t).map(\.end) ?? t.addingTimeInterval(86_400)
                continue
            }
            if !hours.contains(hour) {
                t = calendar.dateInterval(of: .hour, for: t).map(\.end) ?? t.addingTimeInterval(3600)
                continue
            }
            if minutes.contains(minute) { return t }
            t = t.addingTimeInterval(60)
        }
        return nil
    }
}

extension Schedule {
    /// When a source on this schedule is next due after a run that was due at `due`, at time `now`:
    /// `every` keeps its cadence but skips the occurrences already missed (they are not piled up);
    /// cron takes the next matching minute after `now`.
    func nextDue(after due: Date, now: Date) -> Date? {
        switch self {
        case .every(let seconds):
            var next = due.addingTimeInterval(seconds)
            if next <= now {
                let missed = (now.timeIntervalSince(next) / seconds).rounded(.down) + 1
                next = next.addingTimeInterval(missed * seconds)
            }
            return next
        case .cron(let text):
            return CronSchedule(text)?.next(after: now)
        }
    }

    /// The first due time when `xaas serve` starts (or a source appears): at once for `every`, the next
    /// matching minute for cron.
    func firstDue(now: Date) -> Date? {
        switch self {
        case .every: return now
        case .cron(let text): return CronSchedule(text)?.next(after: now)
        }
    }
}
