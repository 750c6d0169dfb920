/// Checks on one mapped user before it is sent to Okta, so one bad record is reported (and skipped) instead of
/// failing a whole bulk request. Each rule lives here once; ``ProfileMapper`` applies them member by member
/// while it writes the profile, ``validate(externalId:profile:)`` to a whole profile.
extension Mapping {
    /// Okta's maximum `externalId` length (characters): the one limit for user, group and member externalIds.
    public static let maxExternalIdLength = 512

    /// The attributes every user profile must have.
    static let requiredAttributes = ["userName", "email"]

    /// Okta's length limits for base profile attributes (characters), from the bulk-upsert schema.
    public static let baseProfileLimits: [String: ClosedRange<Int>] = [
        "userName": 1...100, "email": 5...100, "secondEmail": 5...100,
        "firstName": 1...50, "lastName": 1...50, "mobilePhone": 0...100, "homeAddress": 0...4096,
    ]

    /// Why `externalId` + `profile` cannot be sent to Okta, or `nil` when it can: the externalId is present and
    /// at most 512 characters; `userName` and `email` are present; base attributes are within Okta's lengths;
    /// `email` looks like an address. The message names the field and never includes other values.
    public static func validate(externalId: String, profile: [(String, String)]) -> String? {
        if let problem = externalIdProblem(externalId) { return problem }
        for required in requiredAttributes where !profile.contains(where: { $0.0 == required }) {
            return missing(required)
        }
        for (name, value) in profile {
            if let problem = valueProblem(name, value) { return problem }
        }
        return nil
    }

    /// Why `externalId` cannot be an Okta externalId (empty, or longer than ``maxExternalIdLength``), or `nil`.
    public static func externalIdProblem(_ externalId: String) -> String? {
        var id = externalId
        return id.withUTF8 { externalIdProblem(utf8: UnsafeRawBufferPointer($0)) }
    }

    /// ``externalIdProblem(_:)`` for an externalId given as its UTF-8 bytes (valid UTF-8).
    static func externalIdProblem(utf8 externalId: UnsafeRawBufferPointer) -> String? {
        if externalId.isEmpty { return "externalId is empty" }
        // Characters are never more than UTF-8 bytes: count them only when the bytes could be too many.
        guard externalId.count > maxExternalIdLength else { return nil }
        let characters = String(decoding: externalId, as: UTF8.self).count
        guard characters > maxExternalIdLength else { return nil }
        return "externalId is \(characters) characters long (Okta allows at most \(maxExternalIdLength))"
    }

    /// The problem of a profile without the required attribute `name`.
    static func missing(_ name: String) -> String {
        "\(name) is empty after mapping (the source attribute it is mapped from is missing or empty)"
    }

    /// Which rules of ``valueProblem(_:_:)`` apply to an attribute (decided once per mapped attribute).
    struct ValueRule {
        var range: ClosedRange<Int>?
        var isEmail: Bool
        init(_ name: String) {
            range = baseProfileLimits[name]
            isEmail = name == "email" || name == "secondEmail"
        }
        var checksNothing: Bool { range == nil && !isEmail }
    }

    /// Why the mapped `value` of attribute `name` cannot be sent, or `nil`.
    static func valueProblem(_ name: String, _ value: String, rule: ValueRule? = nil) -> String? {
        var value = value
        return value.withUTF8 { valueProblem(name, utf8: UnsafeRawBufferPointer($0), rule: rule ?? ValueRule(name)) }
    }

    /// ``valueProblem(_:_:rule:)`` for a value given as its UTF-8 bytes (valid UTF-8): the mapper's hot path.
    static func valueProblem(_ name: @autoclosure () -> String, utf8 value: UnsafeRawBufferPointer, rule: ValueRule) -> String? {
        if let range = rule.range {
            // Characters are never more than UTF-8 bytes, and equal for ASCII: count them only when needed.
            let bytes = value.count
            let count = bytes <= range.upperBound && bytes >= range.lowerBound && UTF8Text.isASCII(value)
                ? bytes : String(decoding: value, as: UTF8.self).count
            if !range.contains(count) {
                return "\(name()) is \(count) characters long (Okta allows \(range.lowerBound)–\(range.upperBound))"
            }
        }
        if rule.isEmail {
            // Byte-level checks: this runs for every user of every run.
            let at = value.firstIndex(of: UInt8(ascii: "@"))
            let valid = at.map { i in
                i != 0 && i + 1 != value.count && !value[(i + 1)...].contains(UInt8(ascii: "@"))
            } ?? false
            if !valid || value.contains(UInt8(ascii: " ")) {
                return "\(name()) is not an email address"
            }
        }
        return nil
    }

    /// ``validate(externalId:profile:)`` for a record and its mapped profile.
    public func validate(_ record: SourceRecord, profile: [(String, String)]) -> String? {
        Mapping.validate(externalId: record.externalId, profile: profile)
    }
}
