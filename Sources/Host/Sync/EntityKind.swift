/// The kinds of entity xaas keeps state for and sends to Okta (the `kind` column of state and plan).
public enum EntityKind: String, Sendable, CaseIterable {
    case user, group, membership
}

/// A membership's state key: `<groupExternalId>␟<memberExternalId>` (U+001F, which no valid externalId holds).
public enum MembershipKey {
    /// The separator between the group and the member externalId.
    public static let separator: Character = "\u{1F}"

    /// The key of the pair (`group`, `member`).
    public static func make(group: String, member: String) -> String { group + "\u{1F}" + member }

    /// The (group, member) pair of a key, or `nil` when `key` is not a membership key.
    public static func split(_ key: String) -> (group: String, member: String)? {
        guard let i = key.firstIndex(of: separator) else { return nil }
        return (String(key[..<i]), String(key[key.index(after: i)...]))
    }
}
