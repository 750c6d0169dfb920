import Foundation

/// A date read from a source record: a calendar day (`2026-12-14`), or an instant when the value carries
/// a time of day (`2026-12-14T17:00:00+01:00`).
public enum LifecycleDate: Sendable, Equatable {
    case day(year: Int, month: Int, day: Int)
    case instant(Date)
}

/// Parses record values with the source's `dateFormats`, in order; the first format that reads the whole
/// value wins.
///
/// Formats are `DateFormatter` patterns (`yyyy-MM-dd`, `MM/dd/yyyy`, `dd.MM.yyyy HH:mm`, …) read strictly
/// (`isLenient = false`), or `ISO8601` (`2026-12-14`, `2026-12-14T17:00:00Z`, with or without fractional
/// seconds and with any offset). A pattern without a time field gives a ``LifecycleDate/day(year:month:day:)``;
/// one with a time gives an instant read in the source's time zone unless the value names its own offset.
///
/// ## Threading
/// Holds `DateFormatter`s: use one instance from one thread at a time (the planner's thread).
public final class LifecycleDateParser {
    /// The configured formats, as written.
    public let formats: [String]
    private let readers: [(String) -> LifecycleDate?]

    /// The special format name for ISO 8601.
    public static let iso8601 = "ISO8601"

    /// `timeZone` reads patterns with a time of day but no offset.
    public init(formats: [String], timeZone: TimeZone) {
        self.formats = formats
        readers = formats.map { Self.reader(for: $0, timeZone: timeZone) }
    }

    /// The date `text` denotes, or `nil` when no format reads it.
    public func parse(_ text: String) -> LifecycleDate? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty else { return nil }
        for read in readers { if let date = read(trimmed) { return date } }
        return nil
    }

    /// Why `format` cannot be used, or `nil` when it can (for `config check`).
    public static func problem(with format: String) -> String? {
        if format == iso8601 { return nil }
        if format.trimmingCharacters(in: .whitespaces).isEmpty { return "a date format must not be empty" }
        let letters = Set(format.filter(\.isLetter))
        guard letters.contains("y") || letters.contains("u"), letters.contains("M") || letters.contains("L"),
              letters.contains("d") else {
            return "\"\(format)\" needs a year (yyyy), a month (MM) and a day (dd), e.g. \"yyyy-MM-dd\" or \"MM/dd/yyyy\"; or use \"ISO8601\""
        }
        return nil
    }

    /// Whether a `DateFormatter` pattern reads a time of day or an offset (outside 'quoted' literals).
    static func hasTime(_ pattern: String) -> Bool {
        var quoted = false
        for c in pattern {
            if c == "'" { quoted.toggle(); continue }
            if !quoted, "HhKkmsSaAZXxzOv".contains(c) { return true }
        }
        return false
    }

    private static func reader(for format: String, timeZone: TimeZone) -> (String) -> LifecycleDate? {
        if format == iso8601 { return iso8601Reader() }
        if format == "yyyy-MM-dd" { return { isoDay($0) } }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.calendar = Calendar(identifier: .gregorian)
        formatter.isLenient = false
        formatter.dateFormat = format
        if hasTime(format) {
            formatter.timeZone = timeZone
            return { formatter.date(from: $0).map(LifecycleDate.instant) }
        }
        // A day: read in UTC (every day has a UTC midnight), keep only its components.
        let utc = TimeZone(identifier: "UTC")!
        formatter.timeZone = utc
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = utc
        return { text in
            guard let date = formatter.date(from: text) else { return nil }
            let c = calendar.dateComponents([.year, .month, .day], from: date)
            return .day(year: c.year!, month: c.month!, day: c.day!)
        }
    }

    private static func iso8601Reader() -> (String) -> LifecycleDate? {
        let plain = ISO8601DateFormatter()
        plain.formatOptions = [.withInternetDateTime]
        let fractional = ISO8601DateFormatter()
        fractional.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return { text in
            if let day = isoDay(text) { return day }
            if let date = plain.date(from: text) ?? fractional.date(from: text) { return .instant(date) }
            return nil
        }
    }

    /// Exactly `yyyy-MM-dd` with a real calendar day (leap years included).
    static func isoDay(_ text: String) -> LifecycleDate? {
        let u = Array(text.utf8)
        guard u.count == 10, u[4] == UInt8(ascii: "-"), u[7] == UInt8(ascii: "-") else { return nil }
        func number(_ range: Range<Int>) -> Int? {
            var n = 0
            for i in range {
                guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(u[i]) else { return nil }
                n = n * 10 + Int(u[i] - UInt8(ascii: "0"))
            }
            return n
        }
        guard let y = number(0..<4), let m = number(5..<7), let d = number(8..<10), (1...12).contains(m), d >= 1 else { return nil }
        let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
        let lengths = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
        guard d <= lengths[m - 1] else { return nil }
        return .day(year: y, month: m, day: d)
    }
}
