/// Checks on one mapped user before it is sent to Okta, so one bad record is reported (and skipped) instead of
/// failing a whole bulk request.
extension Mapping {
    /// Okta's maximum `externalId` length.
    public static let maxExternalIdLength = 512

    /// Okta's length limits for base profile attributes (characters), from the bulk-upsert schema.
    public static let baseProfileLimits: [String: ClosedRange<Int>] = [
        "userName": 1...100, "email": 5...100, "secondEmail": 5...100,
        "firstName": 1...50, "lastName": 1...50, "mobilePhone": 0...100, "homeAddress": 0...4096,
    ]

    /// Why `externalId` + `profile` cannot be sent to Okta, or `nil` when it can: the externalId is present and
    /// at most 512 characters; `userName` and `email` are present; base attributes are within Okta's lengths;
    /// `email` looks like an address. The message names the field and never includes other values.
    public static func validate(externalId: String, profile: [(String, String)]) -> String? {
        if externalId.isEmpty { return "externalId is empty" }
        if externalId.count > maxExternalIdLength {
            return "externalId is \(externalId.count) characters long (Okta allows at most \(maxExternalIdLength))"
        }
        for required in ["userName", "email"] where !profile.contains(where: { $0.0 == required }) {
            return "\(required) is empty after mapping (the source attribute it is mapped from is missing or empty)"
        }
        for (name, value) in profile {
            if let range = baseProfileLimits[name], !range.contains(value.count) {
                return "\(name) is \(value.count) characters long (Okta allows \(range.lowerBound)–\(range.upperBound))"
            }
            if name == "email" || name == "secondEmail" {
                // Byte-level checks: this runs for every user of every run.
                let bytes = value.utf8
                let at = bytes.firstIndex(of: UInt8(ascii: "@"))
                let valid = at.map { i in
                    i != bytes.startIndex && bytes.index(after: i) != bytes.endIndex
                        && !bytes[bytes.index(after: i)...].contains(UInt8(ascii: "@"))
                } ?? false
                if !valid || bytes.contains(UInt8(ascii: " ")) {
                    return "\(name) is not an email address"
                }
            }
        }
        return nil
    }

    /// ``validate(externalId:profile:)`` for a record and its mapped profile.
    public func validate(_ record: SourceRecord, profile: [(String, String)]) -> String? {
        Mapping.validate(externalId: record.externalId, profile: profile)
    }
}
