import Foundation
import XaasJSON

/// A source's `"lifecycle"` key: where joiners' and leavers' dates come from and how they are read.
///
/// ```json
/// "lifecycle": {"startDate": "${hire_date}", "endDate": "${termination_date}", "timeZone": "Europe/Berlin",
///               "preHireDays": 7, "graceDays": 0, "dateFormats": ["yyyy-MM-dd", "MM/dd/yyyy", "ISO8601"]}
/// ```
/// See ``LifecyclePolicy`` for what the dates do.
public struct LifecycleConfig: Sendable {
    /// Mapping template giving the start (hire) date; `nil` when only end dates are used.
    public var startDate: MappingTemplate?
    /// Mapping template giving the end (termination) date: the first day without access.
    public var endDate: MappingTemplate?
    /// The zone the source's days are in (IANA name).
    public var timeZone: TimeZone
    /// A new hire is created this many days before the start date.
    public var preHireDays: Int
    /// Access ends this many days after the end date.
    public var graceDays: Int
    /// Formats tried in order (``LifecycleDateParser``).
    public var dateFormats: [String]

    /// The default ``dateFormats``.
    public static let defaultFormats = ["yyyy-MM-dd", LifecycleDateParser.iso8601]

    public init(startDate: MappingTemplate?, endDate: MappingTemplate?, timeZone: TimeZone, preHireDays: Int = 0,
                graceDays: Int = 0, dateFormats: [String] = LifecycleConfig.defaultFormats) {
        self.startDate = startDate
        self.endDate = endDate
        self.timeZone = timeZone
        self.preHireDays = preHireDays
        self.graceDays = graceDays
        self.dateFormats = dateFormats
    }

    static let knownKeys = ["startDate", "endDate", "timeZone", "preHireDays", "graceDays", "dateFormats"]

    /// Reads `$.lifecycle` of a source file, reporting problems to `reader`; `nil` when absent or invalid.
    static func read(_ json: JSONValue, reader: inout ConfigReader) -> LifecycleConfig? {
        let path = "$.lifecycle"
        guard let object = reader.object(json, "lifecycle", at: "$") else { return nil }
        let before = reader.problems.count
        reader.rejectUnknownKeys(object, at: path, known: knownKeys)
        func template(_ key: String) -> MappingTemplate? {
            guard let text = reader.string(object, key, at: path) else { return nil }
            do {
                let template = try MappingTemplate(text)
                if template.attributes.isEmpty {
                    reader.problem(ConfigReader.child(path, key),
                                   "expected a template reading a record attribute, such as \"${hire_date}\"")
                }
                return template
            } catch {
                reader.problem(ConfigReader.child(path, key), error.positionedMessage)
                return nil
            }
        }
        let start = template("startDate")
        let end = template("endDate")
        if object["startDate"] == nil && object["endDate"] == nil {
            reader.problem(path, "needs \"startDate\" or \"endDate\" (or both), e.g. \"startDate\": \"${hire_date}\"")
        }
        var zone = TimeZone(identifier: "UTC")!
        if let name = reader.string(object, "timeZone", at: path, required: true) {
            if let z = TimeZone(identifier: name), name.contains("/") || name == "UTC" || name == "GMT" {
                zone = z
            } else {
                reader.problem(ConfigReader.child(path, "timeZone"),
                               "\"\(name)\" is not an IANA time zone; use a name such as \"Europe/Berlin\", \"America/New_York\" or \"UTC\"")
            }
        }
        let preHire = reader.int(object, "preHireDays", at: path, range: 0...3660) ?? 0
        let grace = reader.int(object, "graceDays", at: path, range: 0...3660) ?? 0
        let formats = readFormats(object, at: path, reader: &reader) ?? defaultFormats
        guard reader.problems.count == before else { return nil }
        return LifecycleConfig(startDate: start, endDate: end, timeZone: zone, preHireDays: preHire, graceDays: grace,
                               dateFormats: formats)
    }

    private static func readFormats(_ object: JSONValue, at path: String, reader: inout ConfigReader) -> [String]? {
        guard let value = object["dateFormats"], value != .null else { return nil }
        let p = ConfigReader.child(path, "dateFormats")
        guard let items = value.arrayValue, !items.isEmpty else {
            reader.problem(p, "expected a non-empty array of formats, such as [\"yyyy-MM-dd\", \"MM/dd/yyyy\", \"ISO8601\"]")
            return nil
        }
        var formats: [String] = []
        for (i, item) in items.enumerated() {
            guard let text = item.stringValue else {
                reader.problem("\(p)[\(i)]", "expected a format string, got \(item.typeName)")
                continue
            }
            if let problem = LifecycleDateParser.problem(with: text) {
                reader.problem("\(p)[\(i)]", problem)
                continue
            }
            formats.append(text)
        }
        return formats
    }
}
