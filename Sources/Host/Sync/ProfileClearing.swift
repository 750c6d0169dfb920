import XaasJSON

/// Which profile attributes an update removes: set in the profile last applied, absent from the new one.
/// An update that clears attributes on many users at once is usually a mapping mistake (defect #14.4),
/// so the share of such updates is a safeguard (``SafeguardCheck``).
enum ProfileClearing {
    /// The attributes of `appliedJSON` (a profile object) with a non-empty value that `profile` lacks.
    static func cleared(appliedJSON: String?, profile: [(String, String)]) -> [String] {
        guard let appliedJSON, let old = try? JSONValue.parse(appliedJSON), let members = old.objectValue else { return [] }
        let kept = Set(profile.map(\.0))
        return members.compactMap { member in
            guard !kept.contains(member.key), let value = member.value.stringValue, !value.isEmpty else { return nil }
            return member.key
        }
    }
}

extension StateStore.Batch {
    /// The profile JSON last applied for an entity, or `nil`.
    public func appliedProfile(kind: String, externalId: String) throws -> String? {
        var profile: String?
        try db.query("SELECT profile FROM profiles WHERE tenant=? AND source=? AND kind=? AND external_id=?",
                     [.text(store.tenant), .text(store.source), .text(kind), .text(externalId)]) { row in
            profile = row.text(0)
        }
        return profile
    }
}
