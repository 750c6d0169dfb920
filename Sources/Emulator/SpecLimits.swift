import Foundation

/// Limits of Okta's identity-sources schemas (spec 2026.08.3, reference §2.2/§2.4) that the bulk endpoints
/// enforce at upload: base user attribute lengths and email format, group `displayName` (1–255) and
/// `description` (≤ 1024), membership external IDs (≤ 255). A violation is 400 E0000001 naming the field.
enum SpecLimits {
    /// Base user profile attributes: allowed length (characters).
    static let userLengths: [String: ClosedRange<Int>] = [
        "userName": 1...100, "email": 5...100, "secondEmail": 5...100, "firstName": 1...50, "lastName": 1...50,
        "mobilePhone": 0...100, "homeAddress": 0...4096,
    ]
    static let groupLengths: [String: ClosedRange<Int>] = ["displayName": 1...255, "description": 0...1024]
    static let membershipIdLength = 255

    /// The first problem in a user profile (strings only; nulls and non-strings are checked elsewhere).
    static func userProblem(_ profile: Any?, at: String) -> String? {
        guard let object = profile as? [String: Any] else { return nil }
        for key in object.keys.sorted() {
            guard let value = object[key] as? String else { continue }
            if let range = userLengths[key], !range.contains(value.count) {
                return "\(at).\(key): The field must be \(range.lowerBound) to \(range.upperBound) characters long."
            }
            if key == "email" || key == "secondEmail", !isEmail(value) {
                return "\(at).\(key): Does not match required pattern: email."
            }
        }
        return nil
    }

    /// The first problem in a group profile.
    static func groupProblem(_ profile: Any?, at: String) -> String? {
        guard let object = profile as? [String: Any] else { return nil }
        for (key, range) in groupLengths.sorted(by: { $0.key < $1.key }) {
            if let value = object[key] as? String, !range.contains(value.count) {
                return "\(at).\(key): The field must be \(range.lowerBound) to \(range.upperBound) characters long."
            }
        }
        return nil
    }

    /// `local@domain`: one `@`, non-empty local part and domain, no spaces (the rule xaas's own per-record
    /// check applies, so a record it sends is never refused here for its format).
    static func isEmail(_ text: String) -> Bool {
        let parts = text.split(separator: "@", omittingEmptySubsequences: false)
        return parts.count == 2 && !parts[0].isEmpty && !parts[1].isEmpty && !text.contains(" ")
    }
}
