/// Parses the HTTP `Date` header format (RFC 9110 IMF-fixdate, formerly RFC 1123),
/// e.g. `Sun, 06 Nov 1994 08:49:37 GMT`, without a `DateFormatter`.
enum HTTPDate {
    private static let months = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]

    /// UTC epoch seconds, or nil when `text` is not an IMF-fixdate in GMT/UTC.
    static func epochSeconds(_ text: String) -> Int? {
        // Drop the optional weekday ("Sun, ").
        var rest = Substring(text.trimmingWhitespace())
        if let comma = rest.firstIndex(of: ",") { rest = rest[rest.index(after: comma)...] }
        let parts = rest.split(separator: " ", omittingEmptySubsequences: true)
        guard parts.count == 5, parts[4] == "GMT" || parts[4] == "UTC" || parts[4] == "+0000" else { return nil }
        guard let day = Int(parts[0]), (1...31).contains(day),
              let monthIndex = months.firstIndex(of: parts[1].lowercased()),
              let year = Int(parts[2]), parts[2].count == 4 else { return nil }
        let time = parts[3].split(separator: ":", omittingEmptySubsequences: false)
        guard time.count == 3, let hour = Int(time[0]), let minute = Int(time[1]), let second = Int(time[2]),
              (0...23).contains(hour), (0...59).contains(minute), (0...60).contains(second) else { return nil }
        let days = daysFromCivil(year: year, month: monthIndex + 1, day: day)
        return days * 86_400 + hour * 3600 + minute * 60 + second
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
    static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }
}

extension String {
    func trimmingWhitespace() -> String {
        var s = Substring(self)
        while let f = s.first, f == " " || f == "\t" { s = s.dropFirst() }
        while let l = s.last, l == " " || l == "\t" { s = s.dropLast() }
        return String(s)
    }
}
