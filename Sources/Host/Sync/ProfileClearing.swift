/// Which profile attributes an update removes: set in the profile last applied, absent from the new one.
/// An update that clears attributes on many users at once is usually a mapping mistake (defect #14.4),
/// so the share of such updates is a safeguard (``SafeguardCheck``).
enum ProfileClearing {
    /// The attributes of `appliedJSON` (a stored profile) with a non-empty value that `profile` lacks.
    static func cleared(appliedJSON: String?, profile: Profile) -> [String] {
        guard appliedJSON != nil else { return [] }
        let kept = Set(profile.pairs.map(\.0))
        return Profile.pairs(of: appliedJSON).compactMap { name, value in
            kept.contains(name) || value.isEmpty ? nil : name
        }
    }
}
