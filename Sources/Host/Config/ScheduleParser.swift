import Foundation
import XaasJSON

/// Parses and validates `"schedule"` values: `{"every": "15m"}` or `{"cron": "*/5 * * * *"}`.
///
/// - `every`: one or more `<number><unit>` parts, unit `s`, `m`, `h` or `d` (`"90s"`, `"1h30m"`, `"0.5h"`);
///   at least one second in total.
/// - `cron`: five fields (minute 0–59, hour 0–23, day of month 1–31, month 1–12 or `JAN`–`DEC`, day of week
///   0–7 or `SUN`–`SAT`), each a comma list of `*`, `N`, `N-M`, optionally with `/step`.
public enum ScheduleParser {
    /// The seconds of an `every` duration, or a message saying what is wrong.
    public static func duration(_ text: String) -> Result<Double, ScheduleError> {
        let units: [Character: Double] = ["s": 1, "m": 60, "h": 3600, "d": 86_400]
        var total = 0.0
        var number = ""
        var parts = 0
        for c in text {
            if c.isASCII && (c.isNumber || c == ".") {
                number.append(c)
            } else if let unit = units[c], let value = Double(number), !number.hasPrefix(".") {
                total += value * unit
                number = ""
                parts += 1
            } else {
                return .failure(ScheduleError(message: "invalid duration \"\(text)\" (examples: \"30s\", \"15m\", \"1h30m\", \"1d\")"))
            }
        }
        guard number.isEmpty, parts > 0 else {
            return .failure(ScheduleError(message: "invalid duration \"\(text)\" (a number needs a unit: s, m, h or d)"))
        }
        guard total >= 1 else { return .failure(ScheduleError(message: "the interval must be at least 1s")) }
        return .success(total)
    }

    /// Validates a five-field cron expression.
    public static func validateCron(_ text: String) -> ScheduleError? {
        let fields = text.split(whereSeparator: { $0 == " " || $0 == "\t" })
        guard fields.count == 5 else {
            return ScheduleError(message: "a cron expression has 5 fields (minute hour day-of-month month day-of-week), got \(fields.count)")
        }
        let specs: [(String, ClosedRange<Int>, [String])] = [
            ("minute", 0...59, []), ("hour", 0...23, []), ("day of month", 1...31, []),
            ("month", 1...12, ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]),
            ("day of week", 0...7, ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"]),
        ]
        for (field, spec) in zip(fields, specs) {
            if let problem = validateField(String(field), range: spec.1, names: spec.2) {
                return ScheduleError(message: "cron \(spec.0) field \"\(field)\": \(problem)")
            }
        }
        return nil
    }

    static func validateField(_ field: String, range: ClosedRange<Int>, names: [String]) -> String? {
        func value(_ s: Substring) -> Int? {
            if let i = Int(s), range.contains(i) { return i }
            if let index = names.firstIndex(of: s.uppercased()) { return index + range.lowerBound }
            return nil
        }
        for item in field.split(separator: ",", omittingEmptySubsequences: false) {
            let pieces = item.split(separator: "/", omittingEmptySubsequences: false)
            guard pieces.count <= 2 else { return "more than one '/'" }
            if pieces.count == 2 {
                guard let step = Int(pieces[1]), step >= 1 else { return "the step after '/' must be a positive integer" }
                _ = step
            }
            let base = pieces[0]
            if base == "*" { continue }
            let bounds = base.split(separator: "-", omittingEmptySubsequences: false)
            guard bounds.count <= 2, let low = value(bounds[0]) else {
                return "expected *, a value in \(range.lowerBound)–\(range.upperBound), or a range"
            }
            if bounds.count == 2 {
                guard let high = value(bounds[1]), high >= low else { return "invalid range \"\(base)\"" }
            }
        }
        return nil
    }

    /// Reads the `schedule` object at `$.schedule`.
    static func read(_ object: JSONValue, reader: inout ConfigReader) -> Schedule? {
        guard case .object(let members) = object, members.count == 1,
              members[0].key == "every" || members[0].key == "cron" else {
            reader.problem("$.schedule", "expected {\"every\": \"15m\"} or {\"cron\": \"*/5 * * * *\"}")
            return nil
        }
        let key = members[0].key
        guard let text = reader.string(object, key, at: "$.schedule", required: true) else { return nil }
        if key == "every" {
            switch duration(text) {
            case .success(let seconds): return .every(seconds: seconds)
            case .failure(let error): reader.problem("$.schedule.every", error.message); return nil
            }
        }
        if let error = validateCron(text) {
            reader.problem("$.schedule.cron", error.message)
            return nil
        }
        return .cron(text.trimmingCharacters(in: .whitespaces))
    }
}

/// A schedule that does not parse.
public struct ScheduleError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}
